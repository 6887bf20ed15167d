/* Sum of any number of inputs with numpy broadcasting (same shapes before
 * opset 8); each input's VJP is the output gradient reduced to its shape.
 * Found in exported ResNets and ShuffleNets for residual connections. */
#include "config.h"

#include "runtime/ops/ops.h"

#include <string.h>

int rt_broadcast_many_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  if (n->n_in < 1 || n->n_out != 1)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "needs inputs and 1 output");
  rt_shape s;
  for (uint32_t i = 0; i < n->n_in; i++) {
    rt_tensor *x = rt_in(e, n, i);
    if (!x)
      return rt_node_fail(n, MG_ERR_FORMAT, err, "input %u is missing", i);
    int rc = rt_need_dtype(n, x, i, RT_F32, err);
    if (rc)
      return rc;
    if (i == 0) {
      s = x->shape;
      continue;
    }
    if (n->opset < 8 && !rt_shape_equal(&s, &x->shape))
      return rt_node_fail(n, MG_ERR_FORMAT, err, "inputs must have the same shape before opset 8");
    rt_shape o;
    if ((rc = rt_bcast_shape(n, &s, &x->shape, &o, err)))
      return rc;
    s = o;
  }
  return rt_set_out(e, n, 0, RT_F32, &s, err);
}

struct acc_ctx {
  float *y;
  const float *x;
};

static void acc_run(void *ctx, int64_t o, int64_t a, int64_t b, int64_t len, int64_t sa,
                    int64_t sb) {
  (void)a;
  (void)sa;
  struct acc_ctx *c = ctx;
  for (int64_t i = 0; i < len; i++)
    c->y[o + i] += c->x[b + i * sb];
}

static int sum_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  (void)err;
  rt_tensor *y = rt_out(e, n, 0);
  memset(y->data, 0, (size_t)y->count * sizeof(float));
  for (uint32_t i = 0; i < n->n_in; i++) {
    rt_tensor *x = rt_in(e, n, i);
    struct acc_ctx c = {y->data, x->data};
    rt_bcast_walk(&y->shape, &y->shape, &x->shape, acc_run, &c);
  }
  return MG_OK;
}

static int sum_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  (void)err;
  rt_tensor *y = rt_out(e, n, 0);
  for (uint32_t i = 0; i < n->n_in; i++) {
    float *gx = rt_gin(e, n, i);
    if (gx)
      rt_bcast_reduce_add(rt_gout(e, n, 0), &y->shape, &rt_in(e, n, i)->shape, gx);
  }
  return MG_OK;
}

const rt_op rt_op_sum = {
    .name = "Sum", .infer = rt_broadcast_many_infer, .forward = sum_fwd, .vjp = sum_vjp};
