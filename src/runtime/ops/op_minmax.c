/* Max and Min of any number of float inputs with numpy broadcasting (same
 * shapes before opset 8, which Sum's shape inference checks), NaN carried
 * through as numpy's maximum/minimum do. The VJP gives the output gradient
 * to the inputs that equal the output, split evenly between ties (for two
 * inputs that is PyTorch's torch.maximum/minimum gradient). */
#include "config.h"

#include "runtime/ops/ops.h"

#include <stdlib.h>
#include <string.h>

/* pass 0: copy, 1: combine, 2: count ties, 3: gradient share */
struct mm_ctx {
  int max, pass;
  float *y, *out;
  const float *x, *g, *ties;
};

static void mm_run(void *ctx, int64_t o, int64_t a, int64_t b, int64_t len, int64_t sa,
                   int64_t sb) {
  struct mm_ctx *c = ctx;
  (void)a, (void)sa;
  float *y = c->y + o;
  const float *x = c->x + b;
  for (int64_t i = 0; i < len; i++) {
    float v = x[i * sb];
    switch (c->pass) {
    case 0:
      y[i] = v;
      break;
    case 1: /* take v when it wins or is NaN; a NaN y stays */
      if ((c->max ? v > y[i] : v < y[i]) || v != v)
        y[i] = v;
      break;
    case 2:
      c->out[o + i] += v == y[i];
      break;
    default:
      c->out[o + i] = v == y[i] ? c->g[o + i] / c->ties[o + i] : 0.0f;
      break;
    }
  }
}

static int mm_fwd(rt_exec *e, const rt_node *n, int max) {
  rt_tensor *y = rt_out(e, n, 0);
  struct mm_ctx c = {max, 0, y->data, NULL, NULL, NULL, NULL};
  for (uint32_t i = 0; i < n->n_in; i++) {
    rt_tensor *x = rt_in(e, n, i);
    c.x = x->data;
    c.pass = i ? 1 : 0;
    rt_bcast_walk(&y->shape, &y->shape, &x->shape, mm_run, &c);
  }
  return MG_OK;
}

static int mm_vjp(rt_exec *e, const rt_node *n, int max, mg_err *err) {
  rt_tensor *y = rt_out(e, n, 0);
  size_t cnt = (size_t)(y->count ? y->count : 1);
  float *ties = calloc(cnt, sizeof *ties), *share = malloc(cnt * sizeof *share);
  if (!ties || !share) {
    free(ties);
    free(share);
    return rt_node_fail(n, MG_ERR_NOMEM, err, "out of memory");
  }
  struct mm_ctx c = {max, 2, y->data, ties, NULL, rt_gout(e, n, 0), ties};
  for (uint32_t i = 0; i < n->n_in; i++) {
    c.x = rt_in(e, n, i)->data;
    rt_bcast_walk(&y->shape, &y->shape, &rt_in(e, n, i)->shape, mm_run, &c);
  }
  c.pass = 3;
  c.out = share;
  for (uint32_t i = 0; i < n->n_in; i++) {
    float *gx = rt_gin(e, n, i);
    if (!gx)
      continue;
    rt_tensor *x = rt_in(e, n, i);
    c.x = x->data;
    rt_bcast_walk(&y->shape, &y->shape, &x->shape, mm_run, &c);
    rt_bcast_reduce_add(share, &y->shape, &x->shape, gx);
  }
  free(ties);
  free(share);
  return MG_OK;
}

static int max_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  (void)err;
  return mm_fwd(e, n, 1);
}
static int min_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  (void)err;
  return mm_fwd(e, n, 0);
}
static int max_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  return mm_vjp(e, n, 1, err);
}
static int min_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  return mm_vjp(e, n, 0, err);
}

const rt_op rt_op_max = {
    .name = "Max", .infer = rt_broadcast_many_infer, .forward = max_fwd, .vjp = max_vjp};
const rt_op rt_op_min = {
    .name = "Min", .infer = rt_broadcast_many_infer, .forward = min_fwd, .vjp = min_vjp};
