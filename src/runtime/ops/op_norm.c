/* Normalisation over groups of elements, each group's statistics from the
 * group itself (not running statistics, as BatchNormalization's):
 * LayerNormalization (opset 17: nn.LayerNorm; all axes from `axis` on,
 * scale and bias broadcast to them; optional Mean and InvStdDev outputs)
 * and InstanceNormalization (nn.InstanceNorm2d, and nn.GroupNorm which
 * PyTorch exports as Reshape to N x G x -1, InstanceNormalization with unit
 * scale, Reshape back, Mul, Add; per channel scale and bias). Statistics
 * in double; the variance is the population one. */
#include "config.h"

#include "runtime/ops/ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct norm_params {
  float eps;
  int64_t axis; /* LayerNormalization */
} norm_params;

static int norm_parse(rt_graph *g, rt_node *n, int layer, mg_err *err) {
  (void)g;
  norm_params *p = calloc(1, sizeof *p);
  if (!p)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  n->p = p;
  int rc = rt_attr_float(n, "epsilon", 1e-5f, &p->eps, err);
  if (!rc && layer)
    rc = rt_attr_int(n, "axis", -1, &p->axis, err);
  if (rc)
    return rc;
  if (!(p->eps >= 0) || !isfinite(p->eps))
    return rt_node_fail(n, MG_ERR_FORMAT, err, "epsilon must be finite and non-negative");
  if (n->n_in < (layer ? 2u : 3u) || n->n_in > 3 || n->in[0] < 0 || n->in[1] < 0 ||
      (!layer && n->in[2] < 0))
    return rt_node_fail(n, MG_ERR_FORMAT, err, "wrong number of inputs");
  if (n->n_out < 1 || n->out[0] < 0 || n->n_out > (layer ? 3u : 1u))
    return rt_node_fail(n, MG_ERR_FORMAT, err, "wrong number of outputs");
  return MG_OK;
}

static int layer_parse(rt_graph *g, rt_node *n, mg_err *err) {
  return norm_parse(g, n, 1, err);
}
static int instance_parse(rt_graph *g, rt_node *n, mg_err *err) {
  return norm_parse(g, n, 0, err);
}

/* rows groups of d contiguous elements; LayerNormalization's parameters
 * have the shape `inner` (the normalised axes, broadcast from theirs),
 * InstanceNormalization's c values, one per channel (row % c). */
typedef struct norm_geom {
  int layer;
  uint32_t axis;
  int64_t rows, d, c;
  rt_shape inner, stat; /* LayerNormalization: parameter and Mean/InvStdDev shapes */
} norm_geom;

static int norm_geometry(rt_exec *e, const rt_node *n, int layer, norm_geom *g, mg_err *err) {
  const norm_params *p = n->p;
  rt_tensor *x = rt_in(e, n, 0);
  memset(g, 0, sizeof *g);
  g->layer = layer;
  uint32_t r = x->shape.rank;
  if (layer) {
    if (r < 1)
      return rt_node_fail(n, MG_ERR_FORMAT, err, "input must have a rank of at least 1");
    int rc = rt_axis(n, p->axis, r, &g->axis, err);
    if (rc)
      return rc;
  } else {
    if (r < 2)
      return rt_node_fail(n, MG_ERR_FORMAT, err, "input must have a rank of at least 2");
    g->axis = 2;
    g->c = x->shape.d[1];
  }
  g->rows = 1;
  g->d = 1;
  g->stat.rank = r;
  for (uint32_t i = 0; i < r; i++) {
    if (i < g->axis)
      g->rows *= x->shape.d[i];
    else {
      g->d *= x->shape.d[i];
      g->inner.d[g->inner.rank++] = x->shape.d[i];
    }
    g->stat.d[i] = i < g->axis ? x->shape.d[i] : 1;
  }
  for (uint32_t i = 1; i < n->n_in; i++) {
    rt_tensor *t = rt_in(e, n, i);
    if (!t)
      continue;
    int rc = rt_need_dtype(n, t, i, RT_F32, err);
    if (rc)
      return rc;
    if (!layer) {
      if (t->shape.rank != 1 || t->count != g->c)
        return rt_node_fail(n, MG_ERR_FORMAT, err, "input %u must have one value per channel", i);
      continue;
    }
    rt_shape o;
    if ((rc = rt_bcast_shape(n, &g->inner, &t->shape, &o, err)))
      return rc;
    if (!rt_shape_equal(&o, &g->inner))
      return rt_node_fail(n, MG_ERR_FORMAT, err,
                          "input %u does not broadcast to the normalised axes", i);
  }
  return MG_OK;
}

static int norm_infer(rt_exec *e, const rt_node *n, int layer, mg_err *err) {
  rt_tensor *x = rt_in(e, n, 0);
  int rc = rt_need_dtype(n, x, 0, RT_F32, err);
  norm_geom g;
  if (rc || (rc = norm_geometry(e, n, layer, &g, err)))
    return rc;
  if (layer && g.axis == 0)
    e->mixes_batch = 1; /* statistics over the whole batch */
  rc = rt_set_out(e, n, 0, RT_F32, &x->shape, err);
  for (uint32_t o = 1; !rc && o < n->n_out; o++)
    if (n->out[o] >= 0)
      rc = rt_set_out(e, n, o, RT_F32, &g.stat, err);
  return rc;
}

static int layer_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  return norm_infer(e, n, 1, err);
}
static int instance_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  return norm_infer(e, n, 0, err);
}

static void copy_run(void *ctx, int64_t o, int64_t a, int64_t b, int64_t len, int64_t sa,
                     int64_t sb) {
  (void)a;
  (void)sa;
  const float *const *src = ctx;
  float *dst = (float *)src[1];
  for (int64_t i = 0; i < len; i++)
    dst[o + i] = src[0][b + i * sb];
}

/* Per-element scale and bias of a LayerNormalization (bias 0 when
 * absent) in par[0..d) and par[d..2d), or per channel of an
 * InstanceNormalization in par[0..c) and par[c..2c). */
static float *norm_params_expand(rt_exec *e, const rt_node *n, const norm_geom *g, mg_err *err) {
  int64_t k = g->layer ? g->d : g->c;
  float *par = malloc((size_t)(2 * k + 1) * sizeof(float));
  if (!par) {
    rt_node_fail(n, MG_ERR_NOMEM, err, "out of memory");
    return NULL;
  }
  for (uint32_t i = 1; i < 3; i++) {
    rt_tensor *t = rt_in(e, n, i);
    float *dst = par + (i - 1) * k;
    if (!t)
      memset(dst, 0, (size_t)k * sizeof(float));
    else if (!g->layer)
      memcpy(dst, t->data, (size_t)k * sizeof(float));
    else {
      const void *ctx[2] = {t->data, dst};
      rt_bcast_walk(&g->inner, &g->inner, &t->shape, copy_run, ctx);
    }
  }
  return par;
}

/* Mean and 1 / sqrt(var + eps) of one group. */
static void group_stats(const float *x, int64_t d, double eps, double *mean, double *inv) {
  double s = 0, q = 0;
  for (int64_t i = 0; i < d; i++)
    s += x[i];
  *mean = d ? s / (double)d : NAN;
  for (int64_t i = 0; i < d; i++)
    q += (x[i] - *mean) * (x[i] - *mean);
  *inv = 1.0 / sqrt((d ? q / (double)d : NAN) + eps);
}

static int norm_fwd(rt_exec *e, const rt_node *n, int layer, mg_err *err) {
  const norm_params *p = n->p;
  norm_geom g;
  int rc = norm_geometry(e, n, layer, &g, err);
  if (rc)
    return rc;
  float *par = norm_params_expand(e, n, &g, err);
  if (!par)
    return err->code;
  const float *x = rt_in(e, n, 0)->data;
  float *y = rt_out(e, n, 0)->data;
  float *mo = n->n_out > 1 && n->out[1] >= 0 ? rt_out(e, n, 1)->data : NULL;
  float *io = n->n_out > 2 && n->out[2] >= 0 ? rt_out(e, n, 2)->data : NULL;
  int64_t k = layer ? g.d : g.c;
  for (int64_t r = 0; r < g.rows; r++) {
    const float *xr = x + r * g.d;
    float *yr = y + r * g.d;
    double mean, inv;
    group_stats(xr, g.d, p->eps, &mean, &inv);
    if (mo)
      mo[r] = (float)mean;
    if (io)
      io[r] = (float)inv;
    if (layer)
      for (int64_t i = 0; i < g.d; i++)
        yr[i] = (float)((xr[i] - mean) * inv * par[i] + par[k + i]);
    else {
      int64_t ch = r % g.c;
      double a = inv * par[ch], b = par[k + ch] - mean * a;
      for (int64_t i = 0; i < g.d; i++)
        yr[i] = (float)(xr[i] * a + b);
    }
  }
  free(par);
  return MG_OK;
}

static int layer_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  return norm_fwd(e, n, 1, err);
}
static int instance_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  return norm_fwd(e, n, 0, err);
}

/* With xh = (x - mean) * inv and h = dy * scale per element:
 * dx = inv * (h - mean(h) - xh * mean(h * xh)), plus the gradients that
 * reach the Mean output (1/d each) and InvStdDev (-inv^2 xh / d);
 * dscale = sum dy * xh, dbias = sum dy over the groups. */
static int norm_vjp(rt_exec *e, const rt_node *n, int layer, mg_err *err) {
  const norm_params *p = n->p;
  norm_geom g;
  int rc = norm_geometry(e, n, layer, &g, err);
  if (rc)
    return rc;
  float *gx = rt_gin(e, n, 0), *gs = rt_gin(e, n, 1), *gb = rt_gin(e, n, 2);
  if (!gx && !gs && !gb)
    return MG_OK;
  int64_t k = layer ? g.d : g.c;
  float *par = norm_params_expand(e, n, &g, err);
  if (!par)
    return err->code;
  double *acc = calloc((size_t)(2 * k + 1), sizeof *acc); /* dscale, dbias per parameter */
  float *tmp = malloc((size_t)(k + 1) * sizeof *tmp);
  if (!acc || !tmp) {
    free(par);
    free(acc);
    free(tmp);
    return rt_node_fail(n, MG_ERR_NOMEM, err, "out of memory");
  }
  const float *x = rt_in(e, n, 0)->data, *gy = rt_gout(e, n, 0);
  const float *gm = n->n_out > 1 && n->out[1] >= 0 ? rt_gout(e, n, 1) : NULL;
  const float *gi = n->n_out > 2 && n->out[2] >= 0 ? rt_gout(e, n, 2) : NULL;
  for (int64_t r = 0; r < g.rows; r++) {
    const float *xr = x + r * g.d, *gr = gy + r * g.d;
    int64_t ch = layer ? 0 : r % g.c;
    double mean, inv, m1 = 0, m2 = 0;
    group_stats(xr, g.d, p->eps, &mean, &inv);
    for (int64_t i = 0; i < g.d; i++) {
      double xh = (xr[i] - mean) * inv, h = gr[i] * (double)par[layer ? i : ch];
      m1 += h;
      m2 += h * xh;
      acc[layer ? i : ch] += gr[i] * xh;
      acc[k + (layer ? i : ch)] += gr[i];
    }
    if (!gx || !g.d)
      continue;
    m1 /= (double)g.d;
    m2 /= (double)g.d;
    double dm = gm ? gm[r] / (double)g.d : 0, di = gi ? -gi[r] * inv * inv / (double)g.d : 0;
    float *gxr = gx + r * g.d;
    for (int64_t i = 0; i < g.d; i++) {
      double xh = (xr[i] - mean) * inv, h = gr[i] * (double)par[layer ? i : ch];
      gxr[i] += (float)(inv * (h - m1 - xh * m2) + dm + di * xh);
    }
  }
  for (int j = 0; j < 2; j++) {
    float *gp = j ? gb : gs;
    if (!gp)
      continue;
    for (int64_t i = 0; i < k; i++)
      tmp[i] = (float)acc[j * k + i];
    if (layer)
      rt_bcast_reduce_add(tmp, &g.inner, &rt_in(e, n, 1 + (uint32_t)j)->shape, gp);
    else
      for (int64_t i = 0; i < k; i++)
        gp[i] += tmp[i];
  }
  free(par);
  free(acc);
  free(tmp);
  return MG_OK;
}

static int layer_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  return norm_vjp(e, n, 1, err);
}
static int instance_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  return norm_vjp(e, n, 0, err);
}

const rt_op rt_op_layernorm = {.name = "LayerNormalization",
                               .parse = layer_parse,
                               .infer = layer_infer,
                               .forward = layer_fwd,
                               .vjp = layer_vjp};
const rt_op rt_op_instancenorm = {.name = "InstanceNormalization",
                                  .parse = instance_parse,
                                  .infer = instance_infer,
                                  .forward = instance_fwd,
                                  .vjp = instance_vjp};
