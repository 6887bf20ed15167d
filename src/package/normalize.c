/* Per-channel affine input normalisation and its backward pass. */
#include "config.h"

#include "normalize.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void mg_input_norm_default(mg_input_norm *n) {
  memset(n, 0, sizeof *n);
  n->scale = 1.0f;
}

float mg_input_norm_scale(const mg_input_norm *n, int is_uint8) {
  if (n->has_scale)
    return n->scale;
  return is_uint8 ? 1.0f / 255.0f : 1.0f;
}

static float mean_of(const mg_input_norm *n, uint32_t c) {
  return n->n_mean == 0 ? 0.0f : n->n_mean == 1 ? n->mean[0] : n->mean[c];
}

static float std_of(const mg_input_norm *n, uint32_t c) {
  return n->n_std == 0 ? 1.0f : n->n_std == 1 ? n->std[0] : n->std[c];
}

int mg_input_norm_check(const mg_input_norm *n, uint32_t channels, mg_err *err) {
  if (n->n_mean > 1 && n->n_mean != channels)
    return mg_fail(err, MG_ERR_FORMAT, "input.mean has %u values but the model takes %u channels",
                   n->n_mean, channels);
  if (n->n_std > 1 && n->n_std != channels)
    return mg_fail(err, MG_ERR_FORMAT, "input.std has %u values but the model takes %u channels",
                   n->n_std, channels);
  if (!isfinite(n->scale) || n->scale == 0.0f)
    return mg_fail(err, MG_ERR_FORMAT, "input.scale must be finite and non-zero");
  for (uint32_t c = 0; c < n->n_std; c++)
    if (!isfinite(n->std[c]) || n->std[c] == 0.0f)
      return mg_fail(err, MG_ERR_FORMAT, "input.std[%u] must be finite and non-zero", c);
  for (uint32_t c = 0; c < n->n_mean; c++)
    if (!isfinite(n->mean[c]))
      return mg_fail(err, MG_ERR_FORMAT, "input.mean[%u] must be finite", c);
  return MG_OK;
}

void mg_input_norm_apply(const mg_input_norm *n, uint32_t channels, uint64_t plane, const float *in,
                         float *out, size_t rows) {
  for (size_t r = 0; r < rows; r++)
    for (uint32_t c = 0; c < channels; c++) {
      const float m = mean_of(n, c), inv = 1.0f / std_of(n, c);
      const float *src = in + (r * channels + c) * plane;
      float *dst = out + (r * channels + c) * plane;
      for (uint64_t i = 0; i < plane; i++)
        dst[i] = (src[i] - m) * inv;
    }
}

void mg_input_norm_backward(const mg_input_norm *n, uint32_t channels, uint64_t plane,
                            const float *grad_norm, float *grad_img, size_t rows) {
  for (size_t r = 0; r < rows; r++)
    for (uint32_t c = 0; c < channels; c++) {
      const float inv = 1.0f / std_of(n, c);
      const float *src = grad_norm + (r * channels + c) * plane;
      float *dst = grad_img + (r * channels + c) * plane;
      for (uint64_t i = 0; i < plane; i++)
        dst[i] = src[i] * inv;
    }
}

int mg_input_norm_parse_list(const char *text, float *values, uint32_t *count, const char *what,
                             mg_err *err) {
  uint32_t n = 0;
  const char *p = text;
  while (*p) {
    if (n == MG_MAX_CHANNELS)
      return mg_fail(err, MG_ERR_ARGS, "%s: more than %d values", what, MG_MAX_CHANNELS);
    char *end;
    errno = 0;
    double v = strtod(p, &end);
    if (end == p || errno || !isfinite(v) || (*end && *end != ','))
      return mg_fail(err, MG_ERR_ARGS, "%s: expected numbers separated by commas, got '%s'", what,
                     text);
    values[n++] = (float)v;
    p = *end ? end + 1 : end;
  }
  if (!n)
    return mg_fail(err, MG_ERR_ARGS, "%s: no value given", what);
  *count = n;
  return MG_OK;
}
