/* Ops that only change how the same elements are indexed: Flatten,
 * Reshape (allowzero from 14), Squeeze/Unsqueeze (axes attribute before
 * opset 13, input from 13), Identity and Dropout (inference: identity;
 * the mask, when asked for, is all ones). Forward copies, VJP adds back. */
#include "config.h"

#include "runtime/ops/ops.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static int copy_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  (void)err;
  rt_tensor *x = rt_in(e, n, 0), *y = rt_out(e, n, 0);
  if (y->count)
    memcpy(y->data, x->data, (size_t)y->count * rt_dtype_size(y->dtype));
  return MG_OK;
}

static int copy_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  (void)err;
  const float *g = rt_gout(e, n, 0);
  float *gx = rt_gin(e, n, 0);
  int64_t c = rt_out(e, n, 0)->count;
  if (gx)
    for (int64_t i = 0; i < c; i++)
      gx[i] += g[i];
  return MG_OK;
}

static int need_io(const rt_node *n, uint32_t min_in, uint32_t max_in, mg_err *err) {
  if (n->n_in < min_in || n->n_in > max_in || n->in[0] < 0 || n->n_out < 1 || n->out[0] < 0)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "needs %u to %u inputs and an output", min_in,
                        max_in);
  return MG_OK;
}

/* ---- Identity ---- */
static int identity_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  int rc = need_io(n, 1, 1, err);
  return rc ? rc : rt_set_out(e, n, 0, rt_in(e, n, 0)->dtype, &rt_in(e, n, 0)->shape, err);
}
const rt_op rt_op_identity = {
    .name = "Identity", .infer = identity_infer, .forward = copy_fwd, .vjp = copy_vjp};

/* ---- Dropout ---- */
static int dropout_parse(rt_graph *g, rt_node *n, mg_err *err) {
  (void)g;
  int64_t is_test = 1;
  if (n->opset < 7 && rt_attr_int(n, "is_test", 0, &is_test, err))
    return err->code;
  if (!is_test)
    return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "training-mode dropout is not supported");
  if (n->n_out > 2)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "has at most 2 outputs");
  return MG_OK;
}

static int dropout_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  int rc = need_io(n, 1, n->opset >= 12 ? 3 : 1, err);
  if (rc)
    return rc;
  rt_tensor *tm = rt_in(e, n, 2);
  if (tm) {
    if ((rc = rt_in_known(e, n, 2, RT_I64, err)))
      return rc;
    if (tm->count != 1)
      return rt_node_fail(n, MG_ERR_FORMAT, err, "training_mode must be a scalar");
    if (((const int64_t *)tm->data)[0])
      return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "training-mode dropout is not supported");
  }
  rt_tensor *x = rt_in(e, n, 0);
  if ((rc = rt_set_out(e, n, 0, x->dtype, &x->shape, err)))
    return rc;
  if (n->n_out > 1 && n->out[1] >= 0)
    rc = rt_set_out(e, n, 1, RT_I64, &x->shape, err);
  return rc;
}

static int dropout_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  copy_fwd(e, n, err);
  if (n->n_out > 1 && n->out[1] >= 0) {
    rt_tensor *m = rt_out(e, n, 1);
    int64_t *d = m->data;
    for (int64_t i = 0; i < m->count; i++)
      d[i] = 1;
  }
  return MG_OK;
}
const rt_op rt_op_dropout = {.name = "Dropout",
                             .parse = dropout_parse,
                             .infer = dropout_infer,
                             .forward = dropout_fwd,
                             .vjp = copy_vjp};

/* ---- Flatten ---- */
static int flatten_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  int rc = need_io(n, 1, 1, err);
  if (rc)
    return rc;
  rt_tensor *x = rt_in(e, n, 0);
  int64_t axis;
  if ((rc = rt_attr_int(n, "axis", 1, &axis, err)))
    return rc;
  uint32_t r = x->shape.rank;
  if (axis < -(int64_t)r || axis > (int64_t)r)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "axis %" PRId64 " out of range", axis);
  if (axis < 0)
    axis += r;
  rt_shape s = {2, {1, 1}};
  for (uint32_t i = 0; i < r; i++)
    s.d[i < axis ? 0 : 1] *= x->shape.d[i];
  if (axis == 0 && x->shape.rank > 0)
    e->mixes_batch = 1;
  return rt_set_out(e, n, 0, x->dtype, &s, err);
}
const rt_op rt_op_flatten = {
    .name = "Flatten", .infer = flatten_infer, .forward = copy_fwd, .vjp = copy_vjp};

/* ---- Reshape ---- */
static int reshape_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  int rc = need_io(n, 2, 2, err);
  if (rc)
    return rc;
  if ((rc = rt_in_known(e, n, 1, RT_I64, err)))
    return rc;
  int64_t allowzero = 0;
  if (n->opset >= 14 && (rc = rt_attr_int(n, "allowzero", 0, &allowzero, err)))
    return rc;
  rt_tensor *x = rt_in(e, n, 0), *st = rt_in(e, n, 1);
  if (st->shape.rank != 1 || st->count > RT_MAX_RANK)
    return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "shape must be 1-D with at most %d values",
                        RT_MAX_RANK);
  const int64_t *sv = st->data;
  rt_shape s = {(uint32_t)st->count, {0}};
  int infer = -1;
  int64_t known = 1;
  for (uint32_t i = 0; i < s.rank; i++) {
    int64_t v = sv[i];
    /* A model exported with a fixed batch size reshapes to that size: map
     * it to the batch actually run (see rt_model.c). */
    if (i == 0 && e->batch_to > 0 && e->g->values[n->in[1]].cls == RT_CONST && v == e->batch_from &&
        x->shape.rank > 0 && x->shape.d[0] == e->batch_to)
      v = e->batch_to;
    if (v == 0 && !allowzero) {
      if (i >= x->shape.rank)
        return rt_node_fail(n, MG_ERR_FORMAT, err, "0 in shape at axis %u beyond input rank", i);
      v = x->shape.d[i];
    }
    if (v == -1) {
      if (infer >= 0)
        return rt_node_fail(n, MG_ERR_FORMAT, err, "more than one -1 in shape");
      infer = (int)i;
      continue;
    }
    if (v < 0)
      return rt_node_fail(n, MG_ERR_FORMAT, err, "invalid dimension %" PRId64, v);
    if (v && known > INT64_MAX / v)
      return rt_node_fail(n, MG_ERR_FORMAT, err, "shape overflows");
    s.d[i] = v;
    known *= v;
  }
  if (infer >= 0) {
    if (known == 0 || x->count % known)
      return rt_node_fail(n, MG_ERR_FORMAT, err,
                          "cannot infer -1: %" PRId64 " elements into blocks of %" PRId64, x->count,
                          known);
    s.d[infer] = x->count / known;
    known *= s.d[infer];
  }
  if (known != x->count) {
    char a[128], b[128];
    rt_shape_str(&x->shape, a, sizeof a);
    rt_shape_str(&s, b, sizeof b);
    return rt_node_fail(n, MG_ERR_FORMAT, err, "cannot reshape %s to %s", a, b);
  }
  return rt_set_out(e, n, 0, x->dtype, &s, err);
}
const rt_op rt_op_reshape = {
    .name = "Reshape", .infer = reshape_infer, .forward = copy_fwd, .vjp = copy_vjp};

/* ---- Squeeze / Unsqueeze ---- */
static int read_axes(rt_exec *e, const rt_node *n, const int64_t **axes, size_t *count,
                     mg_err *err) {
  if (n->opset < 13)
    return rt_attr_ints(n, "axes", axes, count, err);
  *axes = NULL;
  *count = 0;
  if (rt_attr_get(n, "axes"))
    return rt_node_fail(n, MG_ERR_FORMAT, err, "axes is an input from opset 13");
  rt_tensor *t = rt_in(e, n, 1);
  if (!t)
    return MG_OK;
  int rc = rt_in_known(e, n, 1, RT_I64, err);
  if (rc)
    return rc;
  if (t->shape.rank > 1)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "axes must be 1-D");
  *axes = t->data;
  *count = (size_t)t->count;
  return MG_OK;
}

static int squeeze_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  int rc = need_io(n, 1, n->opset >= 13 ? 2 : 1, err);
  if (rc)
    return rc;
  rt_tensor *x = rt_in(e, n, 0);
  const int64_t *axes;
  size_t na;
  if ((rc = read_axes(e, n, &axes, &na, err)))
    return rc;
  uint8_t drop[RT_MAX_RANK] = {0};
  for (size_t i = 0; i < na; i++) {
    uint32_t a;
    if ((rc = rt_axis(n, axes[i], x->shape.rank, &a, err)))
      return rc;
    if (x->shape.d[a] != 1)
      return rt_node_fail(n, MG_ERR_FORMAT, err, "cannot squeeze axis %u of size %" PRId64, a,
                          x->shape.d[a]);
    if (a == 0)
      e->mixes_batch = 1;
    drop[a] = 1;
  }
  rt_shape s = {0, {0}};
  for (uint32_t i = 0; i < x->shape.rank; i++)
    if (!(na ? drop[i] : x->shape.d[i] == 1))
      s.d[s.rank++] = x->shape.d[i];
  return rt_set_out(e, n, 0, x->dtype, &s, err);
}
const rt_op rt_op_squeeze = {
    .name = "Squeeze", .infer = squeeze_infer, .forward = copy_fwd, .vjp = copy_vjp};

static int unsqueeze_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  int rc = need_io(n, n->opset >= 13 ? 2 : 1, n->opset >= 13 ? 2 : 1, err);
  if (rc)
    return rc;
  rt_tensor *x = rt_in(e, n, 0);
  const int64_t *axes;
  size_t na;
  if ((rc = read_axes(e, n, &axes, &na, err)))
    return rc;
  if (!na)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "axes is required");
  uint32_t r = x->shape.rank + (uint32_t)(na > RT_MAX_RANK ? RT_MAX_RANK + 1 : na);
  if (r > RT_MAX_RANK)
    return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "output rank exceeds %d", RT_MAX_RANK);
  uint8_t ins[RT_MAX_RANK] = {0};
  for (size_t i = 0; i < na; i++) {
    uint32_t a;
    if ((rc = rt_axis(n, axes[i], r, &a, err)))
      return rc;
    if (ins[a])
      return rt_node_fail(n, MG_ERR_FORMAT, err, "axis %u repeated", a);
    if (a == 0 && x->shape.rank > 0)
      e->mixes_batch = 1;
    ins[a] = 1;
  }
  rt_shape s = {r, {0}};
  for (uint32_t i = 0, k = 0; i < r; i++)
    s.d[i] = ins[i] ? 1 : x->shape.d[k++];
  return rt_set_out(e, n, 0, x->dtype, &s, err);
}
const rt_op rt_op_unsqueeze = {
    .name = "Unsqueeze", .infer = unsqueeze_infer, .forward = copy_fwd, .vjp = copy_vjp};
