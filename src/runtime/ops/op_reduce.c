/* ReduceMean (axes attribute before opset 18, input from 18; keepdims;
 * noop_with_empty_axes). The VJP spreads dy / count over each group. */
#include "config.h"

#include "runtime/ops/ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct red_geom {
  uint8_t red[RT_MAX_RANK];
  int noop;
  int64_t count;      /* elements averaged per output */
  rt_shape out, kept; /* output shape, and with reduced axes kept as 1 */
} red_geom;

static int red_geometry(rt_exec *e, const rt_node *n, red_geom *g, mg_err *err) {
  rt_tensor *x = rt_in(e, n, 0);
  memset(g, 0, sizeof *g);
  int64_t keep, noop = 0;
  int rc = rt_attr_int(n, "keepdims", 1, &keep, err);
  if (rc)
    return rc;
  const int64_t *axes = NULL;
  size_t na = 0;
  if (n->opset < 18) {
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
  if (n->n_in < 1 || n->in[0] < 0 || n->n_out != 1 || n->n_in > (n->opset < 18 ? 1u : 2u))
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

static int red_run(rt_exec *e, const rt_node *n, int backward, mg_err *err) {
  red_geom g;
  int rc = red_geometry(e, n, &g, err);
  if (rc)
    return rc;
  rt_tensor *x = rt_in(e, n, 0), *y = rt_out(e, n, 0);
  const float *xs = x->data, *gy = backward ? rt_gout(e, n, 0) : NULL;
  float *ys = y->data, *gx = backward ? rt_gin(e, n, 0) : NULL;
  if (backward && !gx)
    return MG_OK;
  if (g.noop) {
    for (int64_t i = 0; i < x->count; i++) {
      if (backward)
        gx[i] += gy[i];
      else
        ys[i] = xs[i];
    }
    return MG_OK;
  }
  if (!backward)
    memset(ys, 0, (size_t)y->count * sizeof(float));
  if (!x->count) {
    if (!backward)
      for (int64_t i = 0; i < y->count; i++)
        ys[i] = NAN;
    return MG_OK;
  }
  int64_t ostr[RT_MAX_RANK];
  rt_bcast_strides(&g.kept, &x->shape, ostr);
  uint32_t r = x->shape.rank;
  int64_t idx[RT_MAX_RANK] = {0}, off = 0;
  float inv = 1.0f / (float)g.count;
  for (int64_t i = 0; i < x->count; i++) {
    if (backward)
      gx[i] += gy[off] * inv;
    else
      ys[off] += xs[i];
    for (int k = (int)r - 1; k >= 0; k--) {
      off += ostr[k];
      if (++idx[k] < x->shape.d[k])
        break;
      off -= ostr[k] * x->shape.d[k];
      idx[k] = 0;
    }
  }
  if (!backward)
    for (int64_t i = 0; i < y->count; i++)
      ys[i] *= inv;
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
