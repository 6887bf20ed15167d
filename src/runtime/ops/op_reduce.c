/* ReduceMean, ReduceSum, ReduceSumSquare, ReduceMax and ReduceMin (axes an
 * attribute before opset 18, an input from 18, ReduceSum from 13;
 * keepdims; noop_with_empty_axes). The VJP of the mean and the sums spreads
 * dy over each group; that of max and min sends it to the first element
 * that attains the extreme, as a subgradient must pick one. */
#include "config.h"

#include "runtime/ops/ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct red_geom {
  uint8_t red[RT_MAX_RANK];
  int noop;
  int64_t count;      /* elements folded into each output */
  rt_shape out, kept; /* output shape, and with reduced axes kept as 1 */
} red_geom;

enum red_kind { RED_MEAN, RED_SUM, RED_SUMSQ, RED_MAX, RED_MIN };

static enum red_kind red_kind_of(const rt_node *n) {
  if (n->op == &rt_op_reducesum)
    return RED_SUM;
  if (n->op == &rt_op_reducesumsquare)
    return RED_SUMSQ;
  if (n->op == &rt_op_reducemax)
    return RED_MAX;
  if (n->op == &rt_op_reducemin)
    return RED_MIN;
  return RED_MEAN;
}

/* The opset from which the axes are the second input, not an attribute. */
static int red_axes_input_from(const rt_node *n) {
  return red_kind_of(n) == RED_SUM ? 13 : 18;
}

static int red_geometry(rt_exec *e, const rt_node *n, red_geom *g, mg_err *err) {
  rt_tensor *x = rt_in(e, n, 0);
  memset(g, 0, sizeof *g);
  int64_t keep, noop = 0;
  int rc = rt_attr_int(n, "keepdims", 1, &keep, err);
  if (rc)
    return rc;
  const int64_t *axes = NULL;
  size_t na = 0;
  if (n->opset < red_axes_input_from(n)) {
    if ((rc = rt_attr_ints(n, "axes", &axes, &na, err)))
      return rc;
  } else {
    if ((rc = rt_attr_int(n, "noop_with_empty_axes", 0, &noop, err)))
      return rc;
    rt_tensor *at = rt_in(e, n, 1);
    if (at) {
      if ((rc = rt_in_known(e, n, 1, RT_I64, err)))
        return rc;
      axes = at->data;
      na = (size_t)at->count;
    }
  }
  uint32_t r = x->shape.rank;
  if (!na && noop) {
    g->noop = 1;
  } else if (!na) {
    for (uint32_t i = 0; i < r; i++)
      g->red[i] = 1;
  }
  for (size_t i = 0; i < na; i++) {
    uint32_t a;
    if ((rc = rt_axis(n, axes[i], r, &a, err)))
      return rc;
    g->red[a] = 1;
  }
  g->count = 1;
  g->kept.rank = r;
  for (uint32_t i = 0; i < r; i++) {
    g->kept.d[i] = g->red[i] ? 1 : x->shape.d[i];
    if (g->red[i])
      g->count *= x->shape.d[i];
    if (!g->red[i] || keep)
      g->out.d[g->out.rank++] = g->kept.d[i];
  }
  if (g->noop)
    g->out = x->shape;
  return MG_OK;
}

static int red_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  if (n->n_in < 1 || n->in[0] < 0 || n->n_out != 1 ||
      n->n_in > (n->opset < red_axes_input_from(n) ? 1u : 2u))
    return rt_node_fail(n, MG_ERR_FORMAT, err, "wrong number of inputs");
  rt_tensor *x = rt_in(e, n, 0);
  int rc = rt_need_dtype(n, x, 0, RT_F32, err);
  red_geom g;
  if (rc || (rc = red_geometry(e, n, &g, err)))
    return rc;
  if (x->shape.rank && g.red[0] && !g.noop)
    e->mixes_batch = 1;
  return rt_set_out(e, n, 0, RT_F32, &g.out, err);
}

/* The value each output starts from before its group is folded in. */
static float red_identity(enum red_kind k) {
  if (k == RED_MAX)
    return -INFINITY;
  if (k == RED_MIN)
    return INFINITY;
  return 0.0f;
}

static float red_fold(enum red_kind k, float acc, float x) {
  switch (k) {
  case RED_SUMSQ:
    return acc + x * x;
  case RED_MAX:
    return x > acc || isnan(x) ? x : acc;
  case RED_MIN:
    return x < acc || isnan(x) ? x : acc;
  default:
    return acc + x;
  }
}

static int red_run(rt_exec *e, const rt_node *n, int backward, mg_err *err) {
  red_geom g;
  int rc = red_geometry(e, n, &g, err);
  if (rc)
    return rc;
  enum red_kind kind = red_kind_of(n);
  rt_tensor *x = rt_in(e, n, 0), *y = rt_out(e, n, 0);
  const float *xs = x->data, *gy = backward ? rt_gout(e, n, 0) : NULL;
  float *ys = y->data, *gx = backward ? rt_gin(e, n, 0) : NULL;
  if (backward && !gx)
    return MG_OK;
  if (g.noop) { /* SumSquare squares even when it reduces nothing */
    for (int64_t i = 0; i < x->count; i++) {
      if (backward)
        gx[i] += kind == RED_SUMSQ ? 2.0f * xs[i] * gy[i] : gy[i];
      else
        ys[i] = kind == RED_SUMSQ ? xs[i] * xs[i] : xs[i];
    }
    return MG_OK;
  }
  if (!backward)
    for (int64_t i = 0; i < y->count; i++)
      ys[i] = red_identity(kind);
  if (!x->count) {
    if (!backward && kind == RED_MEAN)
      for (int64_t i = 0; i < y->count; i++)
        ys[i] = NAN;
    return MG_OK;
  }
  /* max/min: which outputs have already passed their gradient on */
  uint8_t *taken = NULL;
  if (backward && (kind == RED_MAX || kind == RED_MIN)) {
    taken = calloc((size_t)y->count, 1);
    if (!taken)
      return rt_node_fail(n, MG_ERR_NOMEM, err, "out of memory");
  }
  int64_t ostr[RT_MAX_RANK];
  rt_bcast_strides(&g.kept, &x->shape, ostr);
  uint32_t r = x->shape.rank;
  int64_t idx[RT_MAX_RANK] = {0}, off = 0;
  float scale = kind == RED_MEAN ? 1.0f / (float)g.count : 1.0f;
  for (int64_t i = 0; i < x->count; i++) {
    if (!backward) {
      ys[off] = red_fold(kind, ys[off], xs[i]);
    } else if (taken) {
      if (!taken[off] && (xs[i] == ys[off] || (isnan(xs[i]) && isnan(ys[off])))) {
        gx[i] += gy[off];
        taken[off] = 1;
      }
    } else {
      gx[i] += kind == RED_SUMSQ ? 2.0f * xs[i] * gy[off] : gy[off] * scale;
    }
    for (int k = (int)r - 1; k >= 0; k--) {
      off += ostr[k];
      if (++idx[k] < x->shape.d[k])
        break;
      off -= ostr[k] * x->shape.d[k];
      idx[k] = 0;
    }
  }
  free(taken);
  if (!backward && kind == RED_MEAN)
    for (int64_t i = 0; i < y->count; i++)
      ys[i] *= scale;
  return MG_OK;
}

static int red_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  return red_run(e, n, 0, err);
}
static int red_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  return red_run(e, n, 1, err);
}

const rt_op rt_op_reducemean = {
    .name = "ReduceMean", .infer = red_infer, .forward = red_fwd, .vjp = red_vjp};
const rt_op rt_op_reducesum = {
    .name = "ReduceSum", .infer = red_infer, .forward = red_fwd, .vjp = red_vjp};
const rt_op rt_op_reducesumsquare = {
    .name = "ReduceSumSquare", .infer = red_infer, .forward = red_fwd, .vjp = red_vjp};
const rt_op rt_op_reducemax = {
    .name = "ReduceMax", .infer = red_infer, .forward = red_fwd, .vjp = red_vjp};
const rt_op rt_op_reducemin = {
    .name = "ReduceMin", .infer = red_infer, .forward = red_fwd, .vjp = red_vjp};
