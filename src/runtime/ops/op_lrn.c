/* LRN, local response normalisation across channels (AlexNet, ZFNet,
 * Inception v1): y = x / (bias + alpha / size * sum of x^2 over the
 * channel window) ^ beta. The VJP includes the cross-channel terms. */
#include "config.h"

#include "runtime/ops/ops.h"

#include <math.h>
#include <stdlib.h>

typedef struct lrn_params {
  float alpha, beta, bias;
  int64_t size;
} lrn_params;

static int lrn_parse(rt_graph *g, rt_node *n, mg_err *err) {
  (void)g;
  lrn_params *p = calloc(1, sizeof *p);
  if (!p)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  n->p = p;
  int rc;
  if ((rc = rt_attr_float(n, "alpha", 1e-4f, &p->alpha, err)) ||
      (rc = rt_attr_float(n, "beta", 0.75f, &p->beta, err)) ||
      (rc = rt_attr_float(n, "bias", 1.0f, &p->bias, err)) ||
      (rc = rt_attr_int(n, "size", 0, &p->size, err)))
    return rc;
  if (p->size <= 0 || p->size > (1 << 16))
    return rt_node_fail(n, MG_ERR_FORMAT, err, "attribute 'size' must be positive");
  return MG_OK;
}

static int lrn_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  if (n->n_in != 1 || n->in[0] < 0 || n->n_out != 1)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "needs 1 input and 1 output");
  rt_tensor *x = rt_in(e, n, 0);
  int rc = rt_need_dtype(n, x, 0, RT_F32, err);
  if (!rc && x->shape.rank < 2)
    rc = rt_node_fail(n, MG_ERR_FORMAT, err, "input rank must be at least 2");
  return rc ? rc : rt_set_out(e, n, 0, RT_F32, &x->shape, err);
}

/* s = bias + alpha/size * window sum of squares, for every element. */
static void lrn_scale(const lrn_params *p, const float *x, int64_t rows, int64_t c, int64_t sp,
                      float *s) {
  int64_t lo = (p->size - 1) / 2, hi = p->size - 1 - lo;
  float k = p->alpha / (float)p->size;
  for (int64_t r = 0; r < rows; r++)
    for (int64_t ch = 0; ch < c; ch++) {
      int64_t a = ch - lo < 0 ? 0 : ch - lo, b = ch + hi >= c ? c - 1 : ch + hi;
      float *sr = s + (r * c + ch) * sp;
      for (int64_t i = 0; i < sp; i++)
        sr[i] = 0;
      for (int64_t cc = a; cc <= b; cc++) {
        const float *xr = x + (r * c + cc) * sp;
        for (int64_t i = 0; i < sp; i++)
          sr[i] += xr[i] * xr[i];
      }
      for (int64_t i = 0; i < sp; i++)
        sr[i] = p->bias + k * sr[i];
    }
}

static int lrn_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  const lrn_params *p = n->p;
  rt_tensor *x = rt_in(e, n, 0);
  int64_t rows = x->shape.d[0], c = x->shape.d[1], sp = rows && c ? x->count / rows / c : 0;
  float *s = rt_scratch(e, (size_t)x->count + 1, err);
  if (!s)
    return err->code;
  const float *xs = x->data;
  float *y = rt_out(e, n, 0)->data;
  lrn_scale(p, xs, rows, c, sp, s);
  for (int64_t i = 0; i < x->count; i++)
    y[i] = xs[i] * powf(s[i], -p->beta);
  return MG_OK;
}

static int lrn_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  const lrn_params *p = n->p;
  rt_tensor *x = rt_in(e, n, 0);
  float *gx = rt_gin(e, n, 0);
  if (!gx)
    return MG_OK;
  int64_t rows = x->shape.d[0], c = x->shape.d[1], sp = rows && c ? x->count / rows / c : 0;
  float *s = rt_scratch(e, 2 * (size_t)x->count + 1, err);
  if (!s)
    return err->code;
  float *t = s + x->count; /* g * x * s^(-beta-1) */
  const float *xs = x->data, *g = rt_gout(e, n, 0);
  lrn_scale(p, xs, rows, c, sp, s);
  for (int64_t i = 0; i < x->count; i++)
    t[i] = g[i] * xs[i] * powf(s[i], -p->beta - 1.0f);
  int64_t lo = (p->size - 1) / 2, hi = p->size - 1 - lo;
  float k = -2.0f * p->beta * p->alpha / (float)p->size;
  for (int64_t r = 0; r < rows; r++)
    for (int64_t ch = 0; ch < c; ch++) {
      /* channels whose window contains ch: [ch - hi, ch + lo] */
      int64_t a = ch - hi < 0 ? 0 : ch - hi, b = ch + lo >= c ? c - 1 : ch + lo;
      int64_t base = (r * c + ch) * sp;
      for (int64_t i = 0; i < sp; i++) {
        float acc = 0;
        for (int64_t cc = a; cc <= b; cc++)
          acc += t[(r * c + cc) * sp + i];
        gx[base + i] += g[base + i] * powf(s[base + i], -p->beta) + k * xs[base + i] * acc;
      }
    }
  return MG_OK;
}

const rt_op rt_op_lrn = {
    .name = "LRN", .parse = lrn_parse, .infer = lrn_infer, .forward = lrn_fwd, .vjp = lrn_vjp};
