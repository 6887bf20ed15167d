/* A tiny ONNX model builder for the runtime tests and the fuzz seed
 * generator: graphs are assembled from protobuf-c structs and serialised,
 * so tests can build any model, including malformed ones. */
#ifndef MG_TEST_MKONNX_H
#define MG_TEST_MKONNX_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/rt_onnx.h"

typedef struct mk_model mk_model;

mk_model *mk_new(int64_t opset);
void mk_free(mk_model *m);
Onnx__ModelProto *mk_proto(mk_model *m);
/* dims: rank values, -1 = symbolic. dtype: 1 float, 7 int64. */
void mk_input(mk_model *m, const char *name, int dtype, int rank, const int64_t *dims);
void mk_output(mk_model *m, const char *name);
void mk_init_f(mk_model *m, const char *name, int rank, const int64_t *dims, const float *v);
void mk_init_i(mk_model *m, const char *name, int rank, const int64_t *dims, const int64_t *v);
/* ins/outs: comma-separated names ("" entries allowed: "x,,b"). */
Onnx__NodeProto *mk_node(mk_model *m, const char *op, const char *ins, const char *outs);
void mk_attr_i(Onnx__NodeProto *n, const char *name, int64_t v);
void mk_attr_f(Onnx__NodeProto *n, const char *name, float v);
void mk_attr_s(Onnx__NodeProto *n, const char *name, const char *v);
void mk_attr_ints(Onnx__NodeProto *n, const char *name, int count, const int64_t *v);
void mk_attr_floats(Onnx__NodeProto *n, const char *name, int count, const float *v);
void mk_attr_tensor_f(Onnx__NodeProto *n, const char *name, int rank, const int64_t *dims,
                      const float *v);
void mk_attr_tensor_i(Onnx__NodeProto *n, const char *name, int rank, const int64_t *dims,
                      const int64_t *v);
Onnx__TensorProto *mk_last_init(mk_model *m);
/* Serialises; the buffer is malloc()ed. */
uint8_t *mk_bytes(mk_model *m, size_t *len);
int mk_write(mk_model *m, const char *path);

#endif
