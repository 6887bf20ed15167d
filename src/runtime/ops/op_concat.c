/* Concat along an axis (float, or int64 for shape vectors); the VJP hands
 * each input its slice of the output gradient. */
#include "config.h"

#include "runtime/ops/ops.h"

#include <string.h>

static int concat_geom(rt_exec *e, const rt_node *n, uint32_t *axis, int64_t *outer, int64_t *inner,
                       mg_err *err) {
  int64_t ax;
  int rc = rt_attr_int(n, "axis", INT64_MIN, &ax, err);
  if (rc)
    return rc;
  if (ax == INT64_MIN)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "attribute 'axis' is required");
  rt_tensor *x0 = rt_in(e, n, 0);
  if ((rc = rt_axis(n, ax, x0->shape.rank, axis, err)))
    return rc;
  *outer = 1;
  *inner = 1;
  for (uint32_t i = 0; i < *axis; i++)
    *outer *= x0->shape.d[i];
  for (uint32_t i = *axis + 1; i < x0->shape.rank; i++)
    *inner *= x0->shape.d[i];
  return MG_OK;
}

static int concat_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  if (n->n_in < 1 || n->n_out != 1)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "needs inputs and 1 output");
  for (uint32_t i = 0; i < n->n_in; i++)
    if (n->in[i] < 0)
      return rt_node_fail(n, MG_ERR_FORMAT, err, "input %u is missing", i);
  uint32_t axis;
  int64_t outer, inner;
  int rc = concat_geom(e, n, &axis, &outer, &inner, err);
  if (rc)
    return rc;
  rt_tensor *x0 = rt_in(e, n, 0);
  rt_shape s = x0->shape;
  s.d[axis] = 0;
  for (uint32_t i = 0; i < n->n_in; i++) {
    rt_tensor *x = rt_in(e, n, i);
    if (x->dtype != x0->dtype || x->shape.rank != x0->shape.rank)
      return rt_node_fail(n, MG_ERR_FORMAT, err, "input %u differs in type or rank", i);
    for (uint32_t d = 0; d < s.rank; d++)
      if (d != axis && x->shape.d[d] != x0->shape.d[d])
        return rt_node_fail(n, MG_ERR_FORMAT, err, "input %u differs on axis %u", i, d);
    if (s.d[axis] > INT64_MAX / 2 - x->shape.d[axis])
      return rt_node_fail(n, MG_ERR_FORMAT, err, "output too large");
    s.d[axis] += x->shape.d[axis];
  }
  if (axis == 0)
    e->mixes_batch = 1;
  return rt_set_out(e, n, 0, x0->dtype, &s, err);
}

static int concat_run(rt_exec *e, const rt_node *n, int backward, mg_err *err) {
  uint32_t axis;
  int64_t outer, inner;
  int rc = concat_geom(e, n, &axis, &outer, &inner, err);
  if (rc)
    return rc;
  rt_tensor *y = rt_out(e, n, 0);
  size_t es = rt_dtype_size(y->dtype);
  int64_t ylen = y->shape.d[axis] * inner, off = 0;
  const float *gy = backward ? rt_gout(e, n, 0) : NULL;
  for (uint32_t i = 0; i < n->n_in; i++) {
    rt_tensor *x = rt_in(e, n, i);
    int64_t xlen = x->shape.d[axis] * inner;
    float *gx = backward ? e->grad[n->in[i]] : NULL;
    if (backward && !gx) {
      off += xlen;
      continue;
    }
    for (int64_t o = 0; o < outer; o++) {
      if (!backward) {
        if (xlen)
          memcpy((char *)y->data + (size_t)(o * ylen + off) * es,
                 (const char *)x->data + (size_t)(o * xlen) * es, (size_t)xlen * es);
      } else {
        for (int64_t k = 0; k < xlen; k++)
          gx[o * xlen + k] += gy[o * ylen + off + k];
      }
    }
    off += xlen;
  }
  return MG_OK;
}

static int concat_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  return concat_run(e, n, 0, err);
}
static int concat_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  return concat_run(e, n, 1, err);
}

const rt_op rt_op_concat = {
    .name = "Concat", .infer = concat_infer, .forward = concat_fwd, .vjp = concat_vjp};
