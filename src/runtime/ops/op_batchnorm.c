/* BatchNormalization in inference mode: y = (x - mean) / sqrt(var + eps)
 * * scale + B per channel (or per element with opset 7-8 spatial=0).
 * Training mode and the running-statistics outputs are refused. A gain
 * (rt_batchnorm_set_gain, 1 as loaded) multiplies scale and B, which
 * multiplies y: IBD-PSC's amplified models (docs/detectors/ibd-psc.md). */
#include "config.h"

#include "runtime/ops/ops.h"

#include <math.h>
#include <stdlib.h>

typedef struct bn_params {
  float eps;
  float gain; /* scale and B multiplied by it */
  /* With constant parameters (prepare): y = x * scale + shift, per
   * parameter index, in n values after the struct, gain included (the
   * loaded map kept in base_*); else n = 0. */
  int64_t n;
  float *scale, *shift, *base_scale, *base_shift;
  float mem[];
} bn_params;

static int bn_parse(rt_graph *g, rt_node *n, mg_err *err) {
  (void)g;
  bn_params *p = calloc(1, sizeof *p);
  if (!p)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  n->p = p;
  p->gain = 1.0f;
  int rc = rt_attr_float(n, "epsilon", 1e-5f, &p->eps, err);
  int64_t tm = 0, spatial = 1;
  if (!rc && n->opset >= 14)
    rc = rt_attr_int(n, "training_mode", 0, &tm, err);
  if (!rc && n->opset < 9)
    rc = rt_attr_int(n, "spatial", 1, &spatial, err);
  if (!rc && n->opset < 7) {
    int64_t is_test;
    rc = rt_attr_int(n, "is_test", 0, &is_test, err);
    tm = !is_test;
  }
  if (rc)
    return rc;
  if (tm)
    return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "training_mode is not supported");
  if (!(p->eps >= 0))
    return rt_node_fail(n, MG_ERR_FORMAT, err, "epsilon must be non-negative");
  for (uint32_t o = 1; o < n->n_out; o++)
    if (n->out[o] >= 0)
      return rt_node_fail(n, MG_ERR_UNSUPPORTED, err,
                          "training outputs (running mean/variance) are not supported");
  return MG_OK;
}

/* Per-row layout: channels c, each `inner` contiguous elements; params
 * have c (spatial) or c * inner (per element) values. */
static int bn_geometry(rt_exec *e, const rt_node *n, int64_t *rows, int64_t *c, int64_t *inner,
                       int64_t *pcount, mg_err *err) {
  rt_tensor *x = rt_in(e, n, 0);
  if (x->shape.rank < 2)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "input rank must be at least 2");
  *rows = x->shape.d[0];
  *c = x->shape.d[1];
  *inner = 1;
  for (uint32_t i = 2; i < x->shape.rank; i++)
    *inner *= x->shape.d[i];
  *pcount = rt_in(e, n, 1)->count;
  for (uint32_t i = 1; i < 5; i++) {
    rt_tensor *t = rt_in(e, n, i);
    if (t->count != *pcount)
      return rt_node_fail(n, MG_ERR_FORMAT, err, "scale/B/mean/var sizes differ");
  }
  if (*pcount != *c && *pcount != *c * *inner)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "parameters have %lld values for %lld channels",
                        (long long)*pcount, (long long)*c);
  return MG_OK;
}

static int bn_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  if (n->n_in != 5 || n->n_out < 1 || n->out[0] < 0)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "needs 5 inputs");
  for (uint32_t i = 0; i < 5; i++) {
    if (n->in[i] < 0)
      return rt_node_fail(n, MG_ERR_FORMAT, err, "input %u is missing", i);
    int rc = rt_need_dtype(n, rt_in(e, n, i), i, RT_F32, err);
    if (rc)
      return rc;
  }
  int64_t rows, c, inner, pc;
  int rc = bn_geometry(e, n, &rows, &c, &inner, &pc, err);
  return rc ? rc : rt_set_out(e, n, 0, RT_F32, &rt_in(e, n, 0)->shape, err);
}

#define P(i) ((const float *)rt_in(e, n, i)->data)

static int bn_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  const bn_params *p = n->p;
  int64_t rows, c, inner, pc;
  int rc = bn_geometry(e, n, &rows, &c, &inner, &pc, err);
  if (rc)
    return rc;
  const float *x = P(0), *sc = P(1), *bb = P(2), *mu = P(3), *var = P(4);
  float *y = rt_out(e, n, 0)->data;
  int per_elem = pc != c;
  for (int64_t r = 0; r < rows; r++)
    for (int64_t ch = 0; ch < c; ch++) {
      const float *xi = x + (r * c + ch) * inner;
      float *yi = y + (r * c + ch) * inner;
      if (!per_elem) {
        float a = sc[ch] / sqrtf(var[ch] + p->eps), b = (bb[ch] - mu[ch] * a) * p->gain;
        a *= p->gain;
        for (int64_t i = 0; i < inner; i++)
          yi[i] = xi[i] * a + b;
      } else {
        for (int64_t i = 0; i < inner; i++) {
          int64_t k = ch * inner + i;
          yi[i] = ((xi[i] - mu[k]) / sqrtf(var[k] + p->eps) * sc[k] + bb[k]) * p->gain;
        }
      }
    }
  return MG_OK;
}

static int bn_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  const bn_params *p = n->p;
  int64_t rows, c, inner, pc;
  int rc = bn_geometry(e, n, &rows, &c, &inner, &pc, err);
  if (rc)
    return rc;
  const float *x = P(0), *sc = P(1), *mu = P(3), *var = P(4), *gy = rt_gout(e, n, 0);
  float *gx = rt_gin(e, n, 0), *gs = rt_gin(e, n, 1), *gbb = rt_gin(e, n, 2), *gm = rt_gin(e, n, 3),
        *gv = rt_gin(e, n, 4);
  int per_elem = pc != c;
  if (gx && !gs && !gbb && !gm && !gv && p->n == c && !per_elem) {
    /* constant parameters (the usual case): only dL/dx, one multiply per
     * element by the prepared scale, which the compiler vectorises */
    for (int64_t r = 0; r < rows; r++)
      for (int64_t ch = 0; ch < c; ch++) {
        const float s = p->scale[ch], *g = gy + (r * c + ch) * inner;
        float *o = gx + (r * c + ch) * inner;
        for (int64_t i = 0; i < inner; i++)
          o[i] += g[i] * s;
      }
    return MG_OK;
  }
  for (int64_t r = 0; r < rows; r++)
    for (int64_t ch = 0; ch < c; ch++)
      for (int64_t i = 0; i < inner; i++) {
        int64_t xi = (r * c + ch) * inner + i, k = per_elem ? ch * inner + i : ch;
        /* y = gain * (scale * (x - mean) * inv + B): every partial has the gain */
        float inv = 1.0f / sqrtf(var[k] + p->eps), g = gy[xi] * p->gain, xm = x[xi] - mu[k];
        if (gx)
          gx[xi] += g * sc[k] * inv;
        if (gs)
          gs[k] += g * xm * inv;
        if (gbb)
          gbb[k] += g;
        if (gm)
          gm[k] -= g * sc[k] * inv;
        if (gv)
          gv[k] += g * sc[k] * xm * -0.5f * inv * inv * inv;
      }
  return MG_OK;
}

/* Constant parameters: the affine map, once, so that a producer may fold
 * it into its own work (rt_epilogue). */
static int bn_prepare(rt_graph *g, rt_node *n, mg_err *err) {
  if (n->n_in != 5)
    return MG_OK; /* refused by bn_infer at planning */
  const rt_tensor *t[5];
  for (uint32_t i = 1; i < 5; i++) {
    if (n->in[i] < 0 || g->values[n->in[i]].cls != RT_CONST)
      return MG_OK;
    t[i] = &g->values[n->in[i]].konst;
    if (t[i]->dtype != RT_F32 || t[i]->count != t[1]->count || t[i]->count < 1)
      return MG_OK;
  }
  int64_t c = t[1]->count;
  bn_params *p = realloc(n->p, sizeof *p + 4 * (size_t)c * sizeof(float));
  if (!p)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  n->p = p;
  p->n = c;
  p->scale = p->mem;
  p->shift = p->mem + c;
  p->base_scale = p->mem + 2 * c;
  p->base_shift = p->mem + 3 * c;
  const float *sc = t[1]->data, *bb = t[2]->data, *mu = t[3]->data, *var = t[4]->data;
  for (int64_t k = 0; k < c; k++) {
    p->base_scale[k] = sc[k] / sqrtf(var[k] + p->eps);
    p->base_shift[k] = bb[k] - mu[k] * p->base_scale[k];
  }
  rt_batchnorm_set_gain(n, p->gain);
  return MG_OK;
}

void rt_batchnorm_set_gain(rt_node *n, float gain) {
  bn_params *p = n->p;
  p->gain = gain;
  for (int64_t k = 0; k < p->n; k++) {
    p->scale[k] = p->base_scale[k] * gain;
    p->shift[k] = p->base_shift[k] * gain;
  }
}

/* bn_vjp reads x only for the gradients of the parameters, which have
 * none when they are constants. */
static int64_t bn_channel_affine(const rt_node *n, const float **scale, const float **shift) {
  const bn_params *p = n->p;
  *scale = p->scale;
  *shift = p->shift;
  return p->n;
}

const rt_op rt_op_batchnorm = {.name = "BatchNormalization",
                               .parse = bn_parse,
                               .infer = bn_infer,
                               .forward = bn_fwd,
                               .vjp = bn_vjp,
                               .prepare = bn_prepare,
                               .channel_affine = bn_channel_affine};
