/* Pow with numpy broadcasting: a float base, a float or integer exponent
 * (nn.LayerNorm decomposed at opset < 17 squares with Pow(x, 2)). The VJP
 * follows PyTorch's: no base gradient where the exponent is 0, no exponent
 * gradient where the base is 0 and the exponent non-negative. */
#include "config.h"

#include "runtime/ops/ops.h"

#include <math.h>
#include <stdlib.h>

static int pow_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  if (n->n_in != 2 || n->in[0] < 0 || n->in[1] < 0 || n->n_out != 1)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "needs 2 inputs and 1 output");
  rt_tensor *a = rt_in(e, n, 0), *b = rt_in(e, n, 1);
  int rc = rt_need_dtype(n, a, 0, RT_F32, err);
  if (rc)
    return rc;
  if (b->dtype != RT_F32 && b->dtype != RT_I64)
    return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "exponent must be float or integer");
  rt_shape s;
  if ((rc = rt_bcast_shape(n, &a->shape, &b->shape, &s, err)))
    return rc;
  /* Before opset 7 B broadcasts to A only (legacy rules): same result
   * when the shapes agree, which is all we accept there. */
  if (n->opset < 7 && !rt_shape_equal(&s, &a->shape))
    return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "legacy broadcasting is not supported");
  return rt_set_out(e, n, 0, RT_F32, &s, err);
}

/* The exponent as floats: the tensor's own data, or a converted copy
 * (integer exponents) the caller frees. */
static const float *exponent(const rt_node *n, const rt_tensor *b, float **copy, mg_err *err) {
  *copy = NULL;
  if (b->dtype == RT_F32)
    return b->data;
  *copy = malloc((size_t)(b->count ? b->count : 1) * sizeof(float));
  if (!*copy) {
    rt_node_fail(n, MG_ERR_NOMEM, err, "out of memory");
    return NULL;
  }
  for (int64_t i = 0; i < b->count; i++)
    (*copy)[i] = (float)((const int64_t *)b->data)[i];
  return *copy;
}

struct pow_ctx {
  int which; /* 0: forward, 1: d/dbase, 2: d/dexponent */
  const float *a, *b, *g, *y;
  float *out;
};

static void run_pow(void *ctx, int64_t o, int64_t ia, int64_t ib, int64_t len, int64_t sa,
                    int64_t sb) {
  struct pow_ctx *c = ctx;
  const float *a = c->a + ia, *b = c->b + ib;
  float *t = c->out + o;
  for (int64_t i = 0; i < len; i++) {
    float x = a[i * sa], p = b[i * sb];
    if (c->which == 0)
      t[i] = powf(x, p);
    else if (c->which == 1)
      t[i] = p == 0 ? 0.0f : c->g[o + i] * p * powf(x, p - 1.0f);
    else
      t[i] = x == 0 && p >= 0 ? 0.0f : c->g[o + i] * c->y[o + i] * logf(x);
  }
}

static int pow_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  rt_tensor *a = rt_in(e, n, 0), *b = rt_in(e, n, 1), *y = rt_out(e, n, 0);
  float *copy;
  const float *bf = exponent(n, b, &copy, err);
  if (!bf)
    return err->code;
  struct pow_ctx c = {0, a->data, bf, NULL, NULL, y->data};
  rt_bcast_walk(&y->shape, &a->shape, &b->shape, run_pow, &c);
  free(copy);
  return MG_OK;
}

static int pow_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  rt_tensor *a = rt_in(e, n, 0), *b = rt_in(e, n, 1), *y = rt_out(e, n, 0);
  float *ga = rt_gin(e, n, 0), *gb = b->dtype == RT_F32 ? rt_gin(e, n, 1) : NULL;
  if (!ga && !gb)
    return MG_OK;
  float *tmp = rt_scratch(e, (size_t)y->count, err), *copy;
  if (!tmp)
    return err->code;
  const float *bf = exponent(n, b, &copy, err);
  if (!bf)
    return err->code;
  struct pow_ctx c = {1, a->data, bf, rt_gout(e, n, 0), y->data, tmp};
  if (ga) {
    rt_bcast_walk(&y->shape, &a->shape, &b->shape, run_pow, &c);
    rt_bcast_reduce_add(tmp, &y->shape, &a->shape, ga);
  }
  if (gb) {
    c.which = 2;
    rt_bcast_walk(&y->shape, &a->shape, &b->shape, run_pow, &c);
    rt_bcast_reduce_add(tmp, &y->shape, &b->shape, gb);
  }
  free(copy);
  return MG_OK;
}

const rt_op rt_op_pow = {.name = "Pow", .infer = pow_infer, .forward = pow_fwd, .vjp = pow_vjp};
