/* Input normalisation, applied in one place for every consumer:
 * model_input = (raw * scale - mean[c]) / std[c]. Plugins work in "image
 * space" (raw * scale); the host's model services apply the mean/std part
 * and chain gradients back through it. */
#ifndef MG_NORMALIZE_H
#define MG_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"

#define MG_MAX_CHANNELS 16

typedef struct mg_input_norm {
  int has_scale; /* 0: default by dtype (1/255 for uint8, else 1) */
  float scale;
  uint32_t n_mean; /* 0: all zero; 1: same for every channel; else per channel */
  uint32_t n_std;  /* 0: all one; 1: same for every channel; else per channel */
  float mean[MG_MAX_CHANNELS];
  float std[MG_MAX_CHANNELS];
} mg_input_norm;

void mg_input_norm_default(mg_input_norm *n);
/* The scale to use for data of this kind (is_uint8: 8-bit integer data). */
float mg_input_norm_scale(const mg_input_norm *n, int is_uint8);
/* Checks the mean/std counts against the model's channels and that every
 * std is finite and non-zero. */
int mg_input_norm_check(const mg_input_norm *n, uint32_t channels, mg_err *err);
/* out[i] = (in[i] - mean[c]) / std[c] for rows of channels x plane floats. */
void mg_input_norm_apply(const mg_input_norm *n, uint32_t channels, uint64_t plane, const float *in,
                         float *out, size_t rows);
/* grad_img[i] = grad_norm[i] / std[c] (in place allowed). */
void mg_input_norm_backward(const mg_input_norm *n, uint32_t channels, uint64_t plane,
                            const float *grad_norm, float *grad_img, size_t rows);
/* Parses "0.5" or "0.485,0.456,0.406" for --mean/--std. */
int mg_input_norm_parse_list(const char *text, float *values, uint32_t *count, const char *what,
                             mg_err *err);

#endif
