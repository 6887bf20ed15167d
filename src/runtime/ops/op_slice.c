/* Slice: starts, ends, axes and steps as attributes before opset 10 (no
 * steps) and as constant inputs from 10. Out-of-range bounds are clamped as
 * the specification says (INT64_MAX and INT64_MIN are the usual "to the
 * end" values); a zero step or a repeated axis is an error. Runs on float
 * activations (VJP: scatter-add) and on integer shape tensors. */
#include "config.h"

#include "runtime/ops/ops.h"

#include <inttypes.h>
#include <string.h>

typedef struct slice_geom {
  int64_t start[RT_MAX_RANK], step[RT_MAX_RANK];
  rt_shape out;
  int touches_axis0; /* axis 0 is sliced: rows are dropped or reordered */
} slice_geom;

/* One of starts/ends/axes/steps: an attribute before opset 10, else the
 * constant input at index in (absent: *v = NULL). */
static int slice_list(rt_exec *e, const rt_node *n, const char *attr, uint32_t in,
                      const int64_t **v, size_t *count, mg_err *err) {
  *v = NULL;
  *count = 0;
  if (n->opset < 10)
    return rt_attr_ints(n, attr, v, count, err);
  if (in >= n->n_in || n->in[in] < 0)
    return MG_OK;
  int rc = rt_in_known(e, n, in, RT_I64, err);
  if (rc)
    return rc;
  rt_tensor *t = rt_in(e, n, in);
  if (t->shape.rank != 1)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "'%s' must be a 1-D tensor", attr);
  *v = t->data;
  *count = (size_t)t->count;
  return MG_OK;
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

static int slice_geometry(rt_exec *e, const rt_node *n, slice_geom *g, mg_err *err) {
  rt_tensor *x = rt_in(e, n, 0);
  uint32_t r = x->shape.rank;
  const int64_t *starts, *ends, *axes, *steps;
  size_t ns, ne, na, nst;
  int rc = slice_list(e, n, "starts", 1, &starts, &ns, err);
  if (!rc)
    rc = slice_list(e, n, "ends", 2, &ends, &ne, err);
  if (!rc)
    rc = slice_list(e, n, "axes", 3, &axes, &na, err);
  if (!rc && n->opset >= 10)
    rc = slice_list(e, n, "steps", 4, &steps, &nst, err);
  else
    steps = NULL, nst = 0;
  if (rc)
    return rc;
  if (!starts || !ends || ns != ne || (axes && na != ns) || (steps && nst != ns) || ns > r)
    return rt_node_fail(n, MG_ERR_FORMAT, err,
                        "starts, ends, axes and steps must have one entry per sliced axis");
  memset(g, 0, sizeof *g);
  g->out = x->shape;
  uint8_t seen[RT_MAX_RANK] = {0};
  for (uint32_t i = 0; i < r; i++)
    g->step[i] = 1;
  for (size_t i = 0; i < ns; i++) {
    uint32_t a = (uint32_t)i;
    if (axes && (rc = rt_axis(n, axes[i], r, &a, err)))
      return rc;
    if (seen[a]++)
      return rt_node_fail(n, MG_ERR_FORMAT, err, "axis %u is sliced twice", a);
    int64_t d = x->shape.d[a], step = steps ? steps[i] : 1, s = starts[i], t = ends[i];
    if (step == 0)
      return rt_node_fail(n, MG_ERR_FORMAT, err, "step 0 on axis %u", a);
    if (s < 0)
      s += d; /* no overflow: s < 0 and d >= 0 */
    if (t < 0)
      t += d;
    int64_t len;
    if (step > 0) {
      s = clamp64(s, 0, d);
      t = clamp64(t, 0, d);
      len = t > s ? (t - s - 1) / step + 1 : 0;
    } else {
      s = clamp64(s, 0, d - 1);
      t = clamp64(t, -1, d - 1);
      len = s > t ? (s - t - 1) / (step == INT64_MIN ? INT64_MAX : -step) + 1 : 0;
    }
    g->start[a] = s;
    /* a single element: the step is never taken (and step * stride could
     * overflow for a huge one); two or more: |step| < d keeps it small */
    g->step[a] = len > 1 ? step : 1;
    g->out.d[a] = len;
    if (a == 0)
      g->touches_axis0 = 1;
  }
  return MG_OK;
}

static int slice_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  if (n->n_in < 1 || n->in[0] < 0 || n->n_out != 1 || n->n_in > (n->opset < 10 ? 1u : 5u) ||
      (n->opset >= 10 && n->n_in < 3))
    return rt_node_fail(n, MG_ERR_FORMAT, err, "wrong number of inputs");
  rt_tensor *x = rt_in(e, n, 0);
  if (x->dtype != RT_F32 && x->dtype != RT_I64)
    return rt_need_dtype(n, x, 0, RT_F32, err);
  slice_geom g;
  int rc = slice_geometry(e, n, &g, err);
  if (rc)
    return rc;
  if (g.touches_axis0 && e->g->values[n->in[0]].cls == RT_DYN)
    e->mixes_batch = 1;
  return rt_set_out(e, n, 0, x->dtype, &g.out, err);
}

static int slice_run(rt_exec *e, const rt_node *n, int backward, mg_err *err) {
  slice_geom g;
  int rc = slice_geometry(e, n, &g, err);
  if (rc)
    return rc;
  rt_tensor *x = rt_in(e, n, 0), *y = rt_out(e, n, 0);
  const float *gy = backward ? rt_gout(e, n, 0) : NULL;
  float *gx = backward ? rt_gin(e, n, 0) : NULL;
  if ((backward && !gx) || !y->count)
    return MG_OK;
  uint32_t r = x->shape.rank;
  int64_t xstr[RT_MAX_RANK], idx[RT_MAX_RANK] = {0}, base = 0, stride = 1;
  for (int k = (int)r - 1; k >= 0; k--) {
    xstr[k] = stride;
    stride *= x->shape.d[k];
  }
  for (uint32_t k = 0; k < r; k++)
    base += g.start[k] * xstr[k];
  size_t es = rt_dtype_size(x->dtype);
  int64_t src = base;
  for (int64_t i = 0; i < y->count; i++) {
    if (backward)
      gx[src] += gy[i];
    else
      memcpy((char *)y->data + (size_t)i * es, (const char *)x->data + (size_t)src * es, es);
    for (int k = (int)r - 1; k >= 0; k--) {
      src += g.step[k] * xstr[k];
      if (++idx[k] < g.out.d[k])
        break;
      src -= g.step[k] * xstr[k] * g.out.d[k];
      idx[k] = 0;
    }
  }
  return MG_OK;
}

static int slice_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  return slice_run(e, n, 0, err);
}
static int slice_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  return slice_run(e, n, 1, err);
}

const rt_op rt_op_slice = {
    .name = "Slice", .infer = slice_infer, .forward = slice_fwd, .vjp = slice_vjp};
