/* Pointwise math beyond the classic activations, as PyTorch exports the
 * layers of newer classifiers: Erf (nn.GELU below opset 20), Gelu (opset
 * 20), Sqrt (LayerNorm decomposed at opset < 17), Exp, Neg, Abs, Softplus
 * (nn.Softplus, nn.Mish), Mish (opset 18), Selu, HardSigmoid and
 * HardSwish. Neg and Abs also take int64 (shape arithmetic). VJPs as PyTorch's autograd defines
 * them at the kinks (HardSigmoid/HardSwish, Abs at 0). */
#include "config.h"

#include "runtime/ops/pointwise.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SQRT_2_OVER_PI 0.7978845608028654f
#define TWO_OVER_SQRT_PI 1.1283791670955126f
#define INV_SQRT_2PI 0.3989422804014327f
#define GELU_CUBIC 0.044715f

static rt_pw_params *params_new(rt_node *n, mg_err *err) {
  rt_pw_params *p = calloc(1, sizeof *p);
  if (!p) {
    mg_fail(err, MG_ERR_NOMEM, "out of memory");
    return NULL;
  }
  n->p = p;
  return p;
}

/* Attributes read as floats must be finite: an infinite slope or offset
 * would turn every output into NaN or infinity. */
static int finite_attr(rt_node *n, const char *name, float def, float *v, mg_err *err) {
  int rc = rt_attr_float(n, name, def, v, err);
  if (!rc && !isfinite(*v))
    rc = rt_node_fail(n, MG_ERR_FORMAT, err, "attribute '%s' must be finite", name);
  return rc;
}

/* Two finite float attributes into alpha and beta (gamma for Selu). */
static int two_attrs(rt_node *n, const char *a, float da, const char *b, float db, int b_is_gamma,
                     mg_err *err) {
  rt_pw_params *p = params_new(n, err);
  if (!p)
    return err->code;
  int rc = finite_attr(n, a, da, &p->alpha, err);
  return rc ? rc : finite_attr(n, b, db, b_is_gamma ? &p->gamma : &p->beta, err);
}

static int selu_parse(rt_graph *g, rt_node *n, mg_err *err) {
  (void)g;
  return two_attrs(n, "alpha", 1.67326319217681884765625f, "gamma", 1.05070102214813232421875f, 1,
                   err);
}

static int hardsigmoid_parse(rt_graph *g, rt_node *n, mg_err *err) {
  (void)g;
  return two_attrs(n, "alpha", 0.2f, "beta", 0.5f, 0, err);
}

/* HardSwish is HardSigmoid with alpha 1/6 and beta 1/2, times x. */
static int hardswish_parse(rt_graph *g, rt_node *n, mg_err *err) {
  (void)g;
  rt_pw_params *p = params_new(n, err);
  if (!p)
    return err->code;
  p->alpha = 1.0f / 6.0f;
  p->beta = 0.5f;
  return MG_OK;
}

static int gelu_parse(rt_graph *g, rt_node *n, mg_err *err) {
  (void)g;
  rt_pw_params *p = params_new(n, err);
  if (!p)
    return err->code;
  const char *a;
  int rc = rt_attr_string(n, "approximate", "none", &a, err);
  if (rc)
    return rc;
  if (strcmp(a, "none") != 0 && strcmp(a, "tanh") != 0)
    return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "approximate='%.32s' is not supported", a);
  p->mode = !strcmp(a, "tanh");
  return MG_OK;
}

/* Float or int64 input (Neg, Abs). */
static int signed_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  if (n->n_in != 1 || n->in[0] < 0 || n->n_out != 1 || n->out[0] < 0)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "needs 1 input and 1 output");
  rt_tensor *x = rt_in(e, n, 0);
  if (x->dtype != RT_F32 && x->dtype != RT_I64)
    return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "input 0 must be float or integer");
  return rt_set_out(e, n, 0, x->dtype, &x->shape, err);
}

#define UNARY(NAME, OPNAME, PARSE, INFER)                                                          \
  const rt_op rt_op_##NAME = {                                                                     \
      .name = OPNAME, .parse = PARSE, .infer = INFER, .forward = NAME##_fwd, .vjp = NAME##_vjp};

RT_PW_FWD(erf, erff(x))
RT_PW_VJP(erf, gy *TWO_OVER_SQRT_PI *expf(-x *x))
UNARY(erf, "Erf", NULL, rt_unary_infer)

RT_PW_FWD(sqrt, sqrtf(x))
RT_PW_VJP(sqrt, gy * 0.5f / y)
UNARY(sqrt, "Sqrt", NULL, rt_unary_infer)

RT_PW_FWD(exp, expf(x))
RT_PW_VJP(exp, gy *y)
UNARY(exp, "Exp", NULL, rt_unary_infer)

/* log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|). */
static inline float softplus(float x) {
  return (x > 0 ? x : 0.0f) + log1pf(expf(-fabsf(x)));
}
RT_PW_FWD(softplus, softplus(x))
RT_PW_VJP(softplus, gy / (1.0f + expf(-x)))
UNARY(softplus, "Softplus", NULL, rt_unary_infer)

/* Mish (opset 18) is x * tanh(softplus(x)); PyTorch 1.13 exports nn.Mish
 * as those three ops, newer exporters as this one. */
RT_PW_FWD(mish, x *tanhf(softplus(x)))
/* d/dx = tanh(sp) + x * sigmoid(x) * (1 - tanh(sp)^2), sp = softplus(x). */
static inline float mish_slope(float x) {
  float t = tanhf(softplus(x));
  return t + x * (1.0f - t * t) / (1.0f + expf(-x));
}
RT_PW_VJP(mish, gy *mish_slope(x))
UNARY(mish, "Mish", NULL, rt_unary_infer)

/* gamma * alpha * expm1(x) below 0, of min(x, 0) as Elu does. */
RT_PW_FWD(selu, x > 0 ? gamma * x : gamma * alpha * expm1f(x > 0 ? 0.0f : x))
RT_PW_VJP(selu, x > 0 ? gamma * gy : gy * (y + gamma * alpha))
UNARY(selu, "Selu", selu_parse, rt_unary_infer)

/* Written as selects so that NaN stays NaN (fminf/fmaxf would drop it). */
static inline float hard_sigmoid(float v) {
  v = v > 1.0f ? 1.0f : v;
  return v < 0.0f ? 0.0f : v;
}

RT_PW_FWD(hardsigmoid, hard_sigmoid(alpha *x + beta))
RT_PW_VJP(hardsigmoid, alpha *x + beta > 0.0f && alpha * x + beta < 1.0f ? gy * alpha : 0.0f)
UNARY(hardsigmoid, "HardSigmoid", hardsigmoid_parse, rt_unary_infer)

/* d/dx x * hs(x) = hs(x) + x * alpha on the ramp; PyTorch's convention at
 * the ends: 0 at x = -3, the ramp's value at x = 3. */
RT_PW_FWD(hardswish, x *hard_sigmoid(alpha *x + beta))
RT_PW_VJP(hardswish, alpha *x + beta < 0.0f     ? 0.0f
                     : alpha * x + beta <= 1.0f ? gy * (2.0f * alpha * x + beta)
                                                : gy)
UNARY(hardswish, "HardSwish", hardswish_parse, rt_unary_infer)

/* ---- Gelu (opset 20): exact or tanh approximation ---- */
/* The normal CDF as erfc(-x / sqrt 2) / 2: 1 + erf(x / sqrt 2) loses the
 * negative tail to cancellation. */
static int gelu_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  (void)err;
  const rt_pw_params *p = n->p;
  rt_tensor *tx = rt_in(e, n, 0);
  const float *restrict xs = tx->data;
  float *restrict ys = rt_out(e, n, 0)->data;
  for (int64_t i = 0; i < tx->count; i++) {
    float x = xs[i];
    if (p->mode)
      ys[i] = 0.5f * x * (1.0f + tanhf(SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x)));
    else
      ys[i] = 0.5f * x * erfcf(-x * (float)M_SQRT1_2);
  }
  return MG_OK;
}

static int gelu_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  (void)err;
  const rt_pw_params *p = n->p;
  rt_tensor *tx = rt_in(e, n, 0);
  const float *restrict xs = tx->data, *restrict g = rt_gout(e, n, 0);
  float *restrict gx = rt_gin(e, n, 0);
  if (!gx)
    return MG_OK;
  for (int64_t i = 0; i < tx->count; i++) {
    float x = xs[i], d;
    if (p->mode) {
      float t = tanhf(SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x));
      d = 0.5f * (1.0f + t) +
          0.5f * x * (1.0f - t * t) * SQRT_2_OVER_PI * (1.0f + 3.0f * GELU_CUBIC * x * x);
    } else {
      d = 0.5f * erfcf(-x * (float)M_SQRT1_2) + x * INV_SQRT_2PI * expf(-0.5f * x * x);
    }
    gx[i] += g[i] * d;
  }
  return MG_OK;
}
UNARY(gelu, "Gelu", gelu_parse, rt_unary_infer)

/* ---- Neg, Abs: float or int64 (wrapping like two's-complement hardware) ---- */
static int neg_abs_fwd(rt_exec *e, const rt_node *n, int abs) {
  rt_tensor *tx = rt_in(e, n, 0);
  void *y = rt_out(e, n, 0)->data;
  if (tx->dtype == RT_I64) {
    const int64_t *xs = tx->data;
    int64_t *ys = y;
    for (int64_t i = 0; i < tx->count; i++)
      ys[i] = abs && xs[i] >= 0 ? xs[i] : (int64_t)(0 - (uint64_t)xs[i]);
    return MG_OK;
  }
  const float *xs = tx->data;
  float *ys = y;
  for (int64_t i = 0; i < tx->count; i++)
    ys[i] = abs ? fabsf(xs[i]) : -xs[i];
  return MG_OK;
}

static int neg_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  (void)err;
  return neg_abs_fwd(e, n, 0);
}
static int abs_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  (void)err;
  return neg_abs_fwd(e, n, 1);
}
RT_PW_VJP(neg, -gy)
RT_PW_VJP(abs, x > 0 ? gy : x < 0 ? -gy : 0.0f)
UNARY(neg, "Neg", NULL, signed_infer)
UNARY(abs, "Abs", NULL, signed_infer)
