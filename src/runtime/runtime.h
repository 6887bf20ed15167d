/* The built-in ONNX runtime as the rest of modelgate sees it: load a
 * classifier, run it forward in batches, read any named tensor, and take
 * the gradient of a loss with respect to the input. Inputs here are already
 * normalised ((raw * scale - mean) / std); the host applies that once
 * (src/host/plugin_services.c, with src/package/normalize.c) so every
 * plugin sees the same model input. See docs/runtime.md. */
#ifndef MG_RUNTIME_H
#define MG_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/diag.h"
#include "base/limit_table.h"

typedef struct mg_model mg_model;

/* Loads an ONNX file. External data is read only from regular files inside
 * root (the package root in the workspace); anything else is refused. */
int mg_model_load(const char *path, const char *root, const mg_limits *lim, mg_model **out,
                  mg_err *err);
void mg_model_free(mg_model *m);

/* Per-row input: channels x height x width floats. A rank-2 input [N, D]
 * reports 1 x 1 x D; rank-3 [N, H, W] reports 1 x H x W. */
void mg_model_input_shape(const mg_model *m, uint32_t *channels, uint32_t *height, uint32_t *width);
uint64_t mg_model_input_floats(const mg_model *m);
uint32_t mg_model_num_classes(const mg_model *m);
/* Nodes in the graph: what a forward pass walks, the host's cost bound. */
uint32_t mg_model_node_count(const mg_model *m);

/* BatchNormalization layers that run on the data, in graph order (those
 * the planner fuses into the convolution before them included). */
uint32_t mg_model_bn_count(const mg_model *m);
/* Multiplies the scale and shift of the last `last` of them by factor and
 * restores the others: every later pass runs the amplified model (exact:
 * y = factor * BN(x)). last 0 or factor 1 restores the loaded model. */
int mg_model_bn_amplify(mg_model *m, uint32_t last, float factor, mg_err *err);

/* The tensor analysed by default: the input of the last Gemm/MatMul. */
const char *mg_model_feature_layer(const mg_model *m);
int mg_model_set_feature_layer(mg_model *m, const char *name, mg_err *err);
/* Floats per row of a named tensor (NULL = feature layer). */
int mg_model_tensor_dim(const mg_model *m, const char *name, uint64_t *per_row, mg_err *err);

/* n rows of normalised input -> logits (n x classes, may be NULL) and the
 * named tensor (layer NULL = feature layer; out may be NULL). */
int mg_model_forward(mg_model *m, const float *x, size_t n, float *logits, const char *layer,
                     float *layer_out, mg_err *err);

/* d(sum_i loss_i)/dx for n rows: loss_i is cross-entropy of row i to
 * targets[i] when dlogits is NULL, else dlogits (n x classes) is used as
 * dL/dlogits. loss (n) and logits (n x classes) are optional outputs. */
int mg_model_input_grad(mg_model *m, const float *x, size_t n, const int32_t *targets,
                        const float *dlogits, float *loss, float *logits, float *grad, mg_err *err);

/* What the loader found, as a JSON object, whether or not the model is
 * usable: see docs/runtime.md ("audit"). Never fails on a hostile file:
 * the problems are in the report. Fails only on OOM / unreadable path. */
int mg_onnx_audit(const char *path, const char *root, const mg_limits *lim, json_t **out,
                  mg_err *err);

#endif
