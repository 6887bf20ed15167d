/* Pad, constant mode (pads/value attributes before opset 11; pads,
 * constant_value and, from 18, axes as inputs). Negative pads crop. */
#include "config.h"

#include "runtime/ops/ops.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct pad_geom {
  int64_t pb[RT_MAX_RANK], pe[RT_MAX_RANK];
  float value;
} pad_geom;

static int pad_parse(rt_graph *g, rt_node *n, mg_err *err) {
  (void)g;
  const char *mode;
  int rc = rt_attr_string(n, "mode", "constant", &mode, err);
  if (rc)
    return rc;
  if (strcmp(mode, "constant") != 0)
    return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "mode '%s' is not supported (only constant)",
                        mode);
  return MG_OK;
}

static int pad_geometry(rt_exec *e, const rt_node *n, pad_geom *pg, mg_err *err) {
  rt_tensor *x = rt_in(e, n, 0);
  uint32_t r = x->shape.rank;
  memset(pg, 0, sizeof *pg);
  const int64_t *pads;
  size_t np;
  int rc;
  int64_t axes[RT_MAX_RANK];
  size_t na = r;
  for (uint32_t i = 0; i < r; i++)
    axes[i] = i;
  if (n->opset < 11) {
    if ((rc = rt_attr_ints(n, "pads", &pads, &np, err)) ||
        (rc = rt_attr_float(n, "value", 0.0f, &pg->value, err)))
      return rc;
    if (!pads)
      return rt_node_fail(n, MG_ERR_FORMAT, err, "attribute 'pads' is required");
  } else {
    if ((rc = rt_in_known(e, n, 1, RT_I64, err)))
      return rc;
    rt_tensor *pt = rt_in(e, n, 1);
    pads = pt->data;
    np = (size_t)pt->count;
    rt_tensor *cv = rt_in(e, n, 2);
    if (cv) {
      /* May be an activation: read once its data exists (forward). */
      if ((rc = rt_need_dtype(n, cv, 2, RT_F32, err)))
        return rc;
      if (cv->count != 1)
        return rt_node_fail(n, MG_ERR_FORMAT, err, "constant_value must be a scalar");
      if (cv->data)
        pg->value = ((const float *)cv->data)[0];
    }
    rt_tensor *at = rt_in(e, n, 3);
    if (at) {
      if (n->opset < 18)
        return rt_node_fail(n, MG_ERR_FORMAT, err, "axes input needs opset 18");
      if ((rc = rt_in_known(e, n, 3, RT_I64, err)))
        return rc;
      if (at->count > r)
        return rt_node_fail(n, MG_ERR_FORMAT, err, "too many axes");
      na = (size_t)at->count;
      for (size_t i = 0; i < na; i++) {
        uint32_t a;
        if ((rc = rt_axis(n, ((const int64_t *)at->data)[i], r, &a, err)))
          return rc;
        axes[i] = a;
      }
    }
  }
  if (np != 2 * na)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "pads has %zu values for %zu axes", np, na);
  for (size_t i = 0; i < na; i++) {
    int64_t b = pads[i], en = pads[i + na];
    if (b < -(INT64_C(1) << 40) || b > (INT64_C(1) << 40) || en < -(INT64_C(1) << 40) ||
        en > (INT64_C(1) << 40))
      return rt_node_fail(n, MG_ERR_FORMAT, err, "pad value out of range");
    pg->pb[axes[i]] = b;
    pg->pe[axes[i]] = en;
  }
  return MG_OK;
}

static int pad_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  if (n->n_in < 1 || n->in[0] < 0 || n->n_out != 1 || n->n_in > (n->opset < 11 ? 1u : 4u))
    return rt_node_fail(n, MG_ERR_FORMAT, err, "wrong number of inputs");
  rt_tensor *x = rt_in(e, n, 0);
  int rc = rt_need_dtype(n, x, 0, RT_F32, err);
  pad_geom pg;
  if (rc || (rc = pad_geometry(e, n, &pg, err)))
    return rc;
  rt_shape s = x->shape;
  for (uint32_t i = 0; i < s.rank; i++) {
    s.d[i] = x->shape.d[i] + pg.pb[i] + pg.pe[i];
    if (s.d[i] < 0)
      return rt_node_fail(n, MG_ERR_FORMAT, err, "pads make axis %u negative", i);
  }
  if (s.rank && (pg.pb[0] || pg.pe[0]))
    e->mixes_batch = 1;
  return rt_set_out(e, n, 0, RT_F32, &s, err);
}

static int pad_run(rt_exec *e, const rt_node *n, int backward, mg_err *err) {
  pad_geom pg;
  int rc = pad_geometry(e, n, &pg, err);
  if (rc)
    return rc;
  rt_tensor *x = rt_in(e, n, 0), *y = rt_out(e, n, 0);
  const float *xs = x->data, *gy = backward ? rt_gout(e, n, 0) : NULL;
  float *ys = y->data, *gx = backward ? rt_gin(e, n, 0) : NULL;
  if ((backward && !gx) || !y->count)
    return MG_OK;
  uint32_t r = y->shape.rank;
  if (r == 0) {
    if (backward)
      gx[0] += gy[0];
    else
      ys[0] = xs[0];
    return MG_OK;
  }
  int64_t xstr[RT_MAX_RANK], s = 1;
  for (int i = (int)r - 1; i >= 0; i--) {
    xstr[i] = s;
    s *= x->shape.d[i];
  }
  int64_t last = y->shape.d[r - 1], xl = x->shape.d[r - 1], pb = pg.pb[r - 1];
  int64_t rows = y->count / last;
  int64_t idx[RT_MAX_RANK] = {0};
  for (int64_t row = 0; row < rows; row++) {
    int inside = 1;
    int64_t xoff = 0;
    for (uint32_t i = 0; i + 1 < r; i++) {
      int64_t xi = idx[i] - pg.pb[i];
      if (xi < 0 || xi >= x->shape.d[i])
        inside = 0;
      xoff += xi * xstr[i];
    }
    float *yr = backward ? NULL : ys + row * last;
    const float *gr = backward ? gy + row * last : NULL;
    for (int64_t j = 0; j < last; j++) {
      int64_t xj = j - pb;
      int ok = inside && xj >= 0 && xj < xl;
      if (backward) {
        if (ok)
          gx[xoff + xj] += gr[j];
      } else {
        yr[j] = ok ? xs[xoff + xj] : pg.value;
      }
    }
    for (int i = (int)r - 2; i >= 0; i--) {
      if (++idx[i] < y->shape.d[i])
        break;
      idx[i] = 0;
    }
  }
  return MG_OK;
}

static int pad_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  return pad_run(e, n, 0, err);
}
static int pad_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  return pad_run(e, n, 1, err);
}

const rt_op rt_op_pad = {
    .name = "Pad", .parse = pad_parse, .infer = pad_infer, .forward = pad_fwd, .vjp = pad_vjp};
