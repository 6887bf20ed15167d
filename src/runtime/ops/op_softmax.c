/* Softmax and LogSoftmax. Before opset 13 the input is coerced to 2-D at
 * `axis` (default 1) and normalised over everything after it; from 13 the
 * normalisation runs along the one axis (default -1). */
#include "config.h"

#include "runtime/ops/ops.h"

#include <math.h>
#include <stdlib.h>

typedef struct sm_params {
  int64_t axis;
} sm_params;

/* outer x len x inner view of the input. */
typedef struct sm_geom {
  int64_t outer, len, inner;
} sm_geom;

static int sm_parse(rt_graph *g, rt_node *n, mg_err *err) {
  (void)g;
  sm_params *p = calloc(1, sizeof *p);
  if (!p)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  n->p = p;
  return rt_attr_int(n, "axis", n->opset >= 13 ? -1 : 1, &p->axis, err);
}

static int sm_geometry(const rt_node *n, const rt_shape *s, sm_geom *g, uint32_t *axis,
                       mg_err *err) {
  const sm_params *p = n->p;
  uint32_t r = s->rank;
  if (r == 0)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "input must have rank >= 1");
  int rc = rt_axis(n, p->axis, r, axis, err);
  if (rc)
    return rc;
  g->outer = 1;
  g->len = 1;
  g->inner = 1;
  for (uint32_t i = 0; i < *axis; i++)
    g->outer *= s->d[i];
  if (n->opset < 13) {
    for (uint32_t i = *axis; i < r; i++)
      g->len *= s->d[i];
  } else {
    g->len = s->d[*axis];
    for (uint32_t i = *axis + 1; i < r; i++)
      g->inner *= s->d[i];
  }
  return MG_OK;
}

static int sm_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  if (n->n_in != 1 || n->in[0] < 0 || n->n_out != 1)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "needs 1 input and 1 output");
  rt_tensor *x = rt_in(e, n, 0);
  int rc = rt_need_dtype(n, x, 0, RT_F32, err);
  if (rc)
    return rc;
  sm_geom g;
  uint32_t axis;
  if ((rc = sm_geometry(n, &x->shape, &g, &axis, err)))
    return rc;
  if (axis == 0)
    e->mixes_batch = 1;
  return rt_set_out(e, n, 0, RT_F32, &x->shape, err);
}

static int sm_forward(rt_exec *e, const rt_node *n, int logsm, mg_err *err) {
  rt_tensor *x = rt_in(e, n, 0);
  sm_geom g;
  uint32_t axis;
  int rc = sm_geometry(n, &x->shape, &g, &axis, err);
  if (rc)
    return rc;
  const float *xs = x->data;
  float *ys = rt_out(e, n, 0)->data;
  for (int64_t o = 0; o < g.outer; o++)
    for (int64_t in = 0; in < g.inner; in++) {
      const float *xv = xs + o * g.len * g.inner + in;
      float *yv = ys + o * g.len * g.inner + in;
      float m = -INFINITY;
      for (int64_t k = 0; k < g.len; k++)
        m = xv[k * g.inner] > m ? xv[k * g.inner] : m;
      double s = 0;
      for (int64_t k = 0; k < g.len; k++) {
        float v = expf(xv[k * g.inner] - m);
        s += v;
        if (!logsm)
          yv[k * g.inner] = v;
      }
      if (logsm) {
        float ls = (float)log(s);
        for (int64_t k = 0; k < g.len; k++)
          yv[k * g.inner] = (xv[k * g.inner] - m) - ls;
      } else {
        float inv = (float)(1.0 / s);
        for (int64_t k = 0; k < g.len; k++)
          yv[k * g.inner] *= inv;
      }
    }
  return MG_OK;
}

static int sm_vjp(rt_exec *e, const rt_node *n, int logsm, mg_err *err) {
  rt_tensor *x = rt_in(e, n, 0);
  sm_geom g;
  uint32_t axis;
  int rc = sm_geometry(n, &x->shape, &g, &axis, err);
  if (rc)
    return rc;
  const float *ys = rt_out(e, n, 0)->data, *gy = rt_gout(e, n, 0);
  float *gx = rt_gin(e, n, 0);
  if (!gx)
    return MG_OK;
  for (int64_t o = 0; o < g.outer; o++)
    for (int64_t in = 0; in < g.inner; in++) {
      int64_t base = o * g.len * g.inner + in;
      double s = 0;
      if (logsm) {
        for (int64_t k = 0; k < g.len; k++)
          s += gy[base + k * g.inner];
        for (int64_t k = 0; k < g.len; k++) {
          int64_t i = base + k * g.inner;
          gx[i] += gy[i] - expf(ys[i]) * (float)s;
        }
      } else {
        for (int64_t k = 0; k < g.len; k++)
          s += gy[base + k * g.inner] * ys[base + k * g.inner];
        for (int64_t k = 0; k < g.len; k++) {
          int64_t i = base + k * g.inner;
          gx[i] += ys[i] * (gy[i] - (float)s);
        }
      }
    }
  return MG_OK;
}

static int softmax_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  return sm_forward(e, n, 0, err);
}
static int softmax_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  return sm_vjp(e, n, 0, err);
}
static int logsoftmax_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  return sm_forward(e, n, 1, err);
}
static int logsoftmax_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  return sm_vjp(e, n, 1, err);
}

const rt_op rt_op_softmax = {.name = "Softmax",
                             .parse = sm_parse,
                             .infer = sm_infer,
                             .forward = softmax_fwd,
                             .vjp = softmax_vjp};
const rt_op rt_op_logsoftmax = {.name = "LogSoftmax",
                                .parse = sm_parse,
                                .infer = sm_infer,
                                .forward = logsoftmax_fwd,
                                .vjp = logsoftmax_vjp};
