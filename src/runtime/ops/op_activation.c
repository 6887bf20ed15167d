/* Pointwise activations: Relu, LeakyRelu, Elu, Sigmoid, Tanh and Clip
 * (min/max attributes before opset 11, optional inputs from 11). */
#include "config.h"

#include "runtime/ops/pointwise.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int rt_unary_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  if (n->n_in < 1 || n->in[0] < 0 || n->n_out < 1 || n->out[0] < 0)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "needs an input and an output");
  rt_tensor *x = rt_in(e, n, 0);
  int rc = rt_need_dtype(n, x, 0, RT_F32, err);
  return rc ? rc : rt_set_out(e, n, 0, RT_F32, &x->shape, err);
}

static int parse_alpha(rt_node *n, float def, mg_err *err) {
  rt_pw_params *p = calloc(1, sizeof *p);
  if (!p)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  n->p = p;
  return rt_attr_float(n, "alpha", def, &p->alpha, err);
}

static int leaky_parse(rt_graph *g, rt_node *n, mg_err *err) {
  (void)g;
  return parse_alpha(n, 0.01f, err);
}

static int elu_parse(rt_graph *g, rt_node *n, mg_err *err) {
  (void)g;
  return parse_alpha(n, 1.0f, err);
}

RT_PW_FWD(relu, x > 0 ? x : 0.0f)
RT_PW_VJP(relu, x > 0 ? gy : 0.0f)
RT_PW_FWD(leaky, x > 0 ? x : alpha * x)
RT_PW_VJP(leaky, x > 0 ? gy : alpha * gy)
RT_PW_VJP(elu, x > 0 ? gy : gy * (y + alpha))
RT_PW_VJP(sigmoid, gy *y *(1.0f - y))
RT_PW_VJP(tanh, gy *(1.0f - y * y))

/* The transcendental activations: a pass of glibc's vector math (libmvec)
 * when there is one, four lanes at a time, then a pointwise pass. libm's
 * scalar tanhf took a sixth of a small MLP's forward pass. */
#ifdef HAVE_LIBMVEC
typedef float v4sf __attribute__((vector_size(16)));
/* The x86-64 vector ABI's SSE variants (any x86-64 runs them). */
v4sf _ZGVbN4v_tanhf(v4sf);
v4sf _ZGVbN4v_expf(v4sf);
v4sf _ZGVbN4v_expm1f(v4sf);
typedef v4sf (*vec_fn)(v4sf);
#define VECTOR_MATH(f) _ZGVbN4v_##f
#else
typedef const void *vec_fn;
#define VECTOR_MATH(f) NULL
#endif

/* v[i] = f(v[i]). Every element goes through the same function, the tail
 * too, so a row's values do not depend on where it sat in the batch. */
static void map_math(float (*scalar)(float), vec_fn vec, float *v, int64_t n) {
#ifdef HAVE_LIBMVEC
  (void)scalar;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v4sf t;
    memcpy(&t, v + i, sizeof t);
    t = vec(t);
    memcpy(v + i, &t, sizeof t);
  }
  if (i < n) {
    v4sf t = {0, 0, 0, 0};
    memcpy(&t, v + i, (size_t)(n - i) * sizeof(float));
    t = vec(t);
    memcpy(v + i, &t, (size_t)(n - i) * sizeof(float));
  }
#else
  (void)vec;
  for (int64_t i = 0; i < n; i++)
    v[i] = scalar(v[i]);
#endif
}

static int tanh_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  (void)err;
  rt_tensor *tx = rt_in(e, n, 0);
  float *ys = rt_out(e, n, 0)->data;
  memcpy(ys, tx->data, (size_t)tx->count * sizeof(float));
  map_math(tanhf, VECTOR_MATH(tanhf), ys, tx->count);
  return MG_OK;
}

/* With e = exp(-|x|), which cannot overflow: 1/(1+e) for x >= 0, e/(1+e)
 * below. */
static int sigmoid_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  (void)err;
  rt_tensor *tx = rt_in(e, n, 0);
  const float *restrict xs = tx->data;
  float *restrict ys = rt_out(e, n, 0)->data;
  for (int64_t i = 0; i < tx->count; i++)
    ys[i] = -fabsf(xs[i]);
  map_math(expf, VECTOR_MATH(expf), ys, tx->count);
  for (int64_t i = 0; i < tx->count; i++)
    ys[i] = (xs[i] >= 0 ? 1.0f : ys[i]) / (1.0f + ys[i]);
  return MG_OK;
}

/* alpha * expm1(x) below 0, of min(x, 0) so that no exponential of a large
 * x is computed only to be dropped (NaN stays NaN). */
static int elu_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  (void)err;
  const float alpha = ((const rt_pw_params *)n->p)->alpha;
  rt_tensor *tx = rt_in(e, n, 0);
  const float *restrict xs = tx->data;
  float *restrict ys = rt_out(e, n, 0)->data;
  for (int64_t i = 0; i < tx->count; i++)
    ys[i] = xs[i] > 0 ? 0.0f : xs[i];
  map_math(expm1f, VECTOR_MATH(expm1f), ys, tx->count);
  for (int64_t i = 0; i < tx->count; i++)
    ys[i] = xs[i] > 0 ? xs[i] : alpha * ys[i];
  return MG_OK;
}

/* Both read only the sign of x in their VJP (rectifier in rt_op); a
 * LeakyRelu of slope 0 (NaN and -inf to NaN) or a negative one (which
 * flips the sign) is not Relu-like enough to be fused. */
static int relu_rectifier(const rt_node *n, float *slope) {
  (void)n;
  *slope = 0.0f;
  return 1;
}

static int leaky_rectifier(const rt_node *n, float *slope) {
  *slope = ((const rt_pw_params *)n->p)->alpha;
  return *slope > 0 && *slope <= FLT_MAX;
}

const rt_op rt_op_relu = {.name = "Relu",
                          .infer = rt_unary_infer,
                          .forward = relu_fwd,
                          .vjp = relu_vjp,
                          .rectifier = relu_rectifier};
const rt_op rt_op_leakyrelu = {.name = "LeakyRelu",
                               .parse = leaky_parse,
                               .infer = rt_unary_infer,
                               .forward = leaky_fwd,
                               .vjp = leaky_vjp,
                               .rectifier = leaky_rectifier};
const rt_op rt_op_elu = {
    .name = "Elu", .parse = elu_parse, .infer = rt_unary_infer, .forward = elu_fwd, .vjp = elu_vjp};
const rt_op rt_op_sigmoid = {
    .name = "Sigmoid", .infer = rt_unary_infer, .forward = sigmoid_fwd, .vjp = sigmoid_vjp};
const rt_op rt_op_tanh = {
    .name = "Tanh", .infer = rt_unary_infer, .forward = tanh_fwd, .vjp = tanh_vjp};

/* ---- Clip ---- */
typedef struct clip_params {
  float lo, hi; /* opset < 11 */
} clip_params;

static int clip_parse(rt_graph *g, rt_node *n, mg_err *err) {
  (void)g;
  clip_params *p = calloc(1, sizeof *p);
  if (!p)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  n->p = p;
  p->lo = -FLT_MAX;
  p->hi = FLT_MAX;
  if (n->opset < 11) {
    int rc = rt_attr_float(n, "min", -FLT_MAX, &p->lo, err);
    if (!rc)
      rc = rt_attr_float(n, "max", FLT_MAX, &p->hi, err);
    return rc;
  }
  if (n->n_in > 3)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "takes at most 3 inputs");
  return MG_OK;
}

static int clip_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  int rc = rt_unary_infer(e, n, err);
  for (uint32_t i = 1; !rc && n->opset >= 11 && i < n->n_in; i++) {
    rt_tensor *t = rt_in(e, n, i);
    if (!t)
      continue;
    if ((rc = rt_need_dtype(n, t, i, RT_F32, err)))
      break;
    if (t->count != 1)
      rc = rt_node_fail(n, MG_ERR_FORMAT, err, "input %u must be a scalar", i);
  }
  return rc;
}

static void clip_bounds(rt_exec *e, const rt_node *n, float *lo, float *hi) {
  const clip_params *p = n->p;
  *lo = p->lo;
  *hi = p->hi;
  if (n->opset >= 11) {
    rt_tensor *a = rt_in(e, n, 1), *b = rt_in(e, n, 2);
    if (a)
      *lo = ((const float *)a->data)[0];
    if (b)
      *hi = ((const float *)b->data)[0];
  }
}

static int clip_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  (void)err;
  float lo, hi;
  clip_bounds(e, n, &lo, &hi);
  rt_tensor *x = rt_in(e, n, 0);
  const float *xs = x->data;
  float *y = rt_out(e, n, 0)->data;
  for (int64_t i = 0; i < x->count; i++) {
    float v = xs[i];
    v = v < lo ? lo : v;
    y[i] = v > hi ? hi : v;
  }
  return MG_OK;
}

static int clip_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  float lo, hi;
  clip_bounds(e, n, &lo, &hi);
  rt_tensor *x = rt_in(e, n, 0);
  const float *xs = x->data, *g = rt_gout(e, n, 0);
  float *gx = rt_gin(e, n, 0);
  if (rt_gin(e, n, 1) || rt_gin(e, n, 2))
    return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "no gradient with respect to min/max");
  if (gx)
    for (int64_t i = 0; i < x->count; i++)
      gx[i] += xs[i] >= lo && xs[i] <= hi ? g[i] : 0.0f;
  return MG_OK;
}

const rt_op rt_op_clip = {
    .name = "Clip", .parse = clip_parse, .infer = clip_infer, .forward = clip_fwd, .vjp = clip_vjp};
