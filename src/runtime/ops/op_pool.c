/* MaxPool, AveragePool (count_include_pad, ceil_mode, dilations) and
 * GlobalAveragePool over 1 to 3 spatial axes. The max VJP recomputes the
 * arg-max of each window instead of storing indices. */
#include "config.h"

#include "runtime/ops/maxpool2.h"
#include "runtime/ops/ops.h"
#include "runtime/ops/simd.h"
#include "runtime/ops/window.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct pool_params {
  rt_win_attrs win;
  int64_t include_pad;
} pool_params;

static int pool_parse(rt_graph *g, rt_node *n, int avg, mg_err *err) {
  (void)g;
  pool_params *p = calloc(1, sizeof *p);
  if (!p)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  n->p = p;
  int rc = rt_win_parse(n, 1, &p->win, err);
  if (!rc && avg)
    rc = rt_attr_int(n, "count_include_pad", 0, &p->include_pad, err);
  if (!rc && !avg) {
    int64_t so;
    rc = rt_attr_int(n, "storage_order", 0, &so, err);
  }
  if (!rc && avg && n->opset < 19 && p->win.n_dil)
    rc = rt_node_fail(n, MG_ERR_FORMAT, err, "dilations need opset 19");
  return rc;
}

static int maxpool_parse(rt_graph *g, rt_node *n, mg_err *err) {
  return pool_parse(g, n, 0, err);
}
static int avgpool_parse(rt_graph *g, rt_node *n, mg_err *err) {
  return pool_parse(g, n, 1, err);
}

static int pool_geometry(rt_exec *e, const rt_node *n, rt_win *w, mg_err *err) {
  const pool_params *p = n->p;
  return rt_win_geometry(n, &p->win, &rt_in(e, n, 0)->shape, NULL, w, err);
}

static int pool_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  if (n->n_in != 1 || n->in[0] < 0 || n->n_out < 1 || n->out[0] < 0)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "needs 1 input and an output");
  if (n->n_out > 1 && n->out[1] >= 0)
    return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "the Indices output is not supported");
  rt_tensor *x = rt_in(e, n, 0);
  int rc = rt_need_dtype(n, x, 0, RT_F32, err);
  if (rc)
    return rc;
  rt_win w;
  if ((rc = pool_geometry(e, n, &w, err)))
    return rc;
  rt_shape s = x->shape;
  for (uint32_t i = 0; i < w.nsp; i++)
    s.d[2 + i] = w.out[RT_WIN_MAX - w.nsp + i];
  return rt_set_out(e, n, 0, RT_F32, &s, err);
}

/* Per spatial axis and output index: the first and last input index the
 * window touches (clipped to the input, step dil; lo > hi when none) and
 * how many taps fall inside the padded extent (count_include_pad). Tables
 * are built once per call so the inner loops do no window arithmetic. */
typedef struct pool_tab {
  int64_t *lo[RT_WIN_MAX], *hi[RT_WIN_MAX], *padded[RT_WIN_MAX];
  int64_t *mem;
} pool_tab;

static int pool_tables(const rt_node *n, const rt_win *w, pool_tab *t, mg_err *err) {
  int64_t total = 0;
  for (int j = 0; j < RT_WIN_MAX; j++)
    total += w->out[j];
  t->mem = malloc((size_t)total * 3 * sizeof(int64_t) + 1);
  if (!t->mem)
    return rt_node_fail(n, MG_ERR_NOMEM, err, "out of memory");
  int64_t *p = t->mem;
  for (int j = 0; j < RT_WIN_MAX; j++) {
    t->lo[j] = p;
    t->hi[j] = p + w->out[j];
    t->padded[j] = p + 2 * w->out[j];
    p += 3 * w->out[j];
    for (int64_t o = 0; o < w->out[j]; o++) {
      int64_t start = o * w->s[j] - w->pb[j], lo = -1, hi = -2, cnt = 0;
      for (int64_t k = 0; k < w->k[j]; k++) {
        int64_t i = start + k * w->dil[j];
        if (i >= -w->pb[j] && i < w->in[j] + w->pe[j])
          cnt++;
        if (i >= 0 && i < w->in[j]) {
          if (lo < 0)
            lo = i;
          hi = i;
        }
      }
      t->lo[j][o] = lo < 0 ? 0 : lo;
      t->hi[j][o] = lo < 0 ? -1 : hi;
      t->padded[j][o] = cnt;
    }
  }
  return MG_OK;
}

/* Whether the windows are 2-D and all lie inside the input (no padding, no
 * partial window from ceil_mode): the common case, run without tables. */
static int plain_2d(const rt_win *w) {
  if (w->k[0] != 1 || w->in[0] != 1 || w->out[0] != 1)
    return 0;
  for (int j = 1; j < RT_WIN_MAX; j++)
    if (w->pb[j] || (w->out[j] - 1) * w->s[j] + (w->k[j] - 1) * w->dil[j] >= w->in[j])
      return 0;
  return 1;
}

/* Four lanes: the width of the baseline instruction set the runtime is
 * built for, where wider GCC vectors are split clumsily. */
typedef int32_t v4i __attribute__((vector_size(16)));

/* *v = x[0], x[s], x[2s], x[3s]; end bounds what may be read. */
static inline void load_strided(v4f *v, const float *x, int64_t s, const float *end) {
  if (s == 1) {
    memcpy(v, x, sizeof *v);
  } else if (s == 2 && end - x >= 8) {
    v8f t;
    memcpy(&t, x, sizeof t);
    *v = __builtin_shufflevector(t, t, 0, 2, 4, 6);
  } else {
    v4f t = {x[0], x[s], x[2 * s], x[3 * s]};
    *v = t;
  }
}

/* One output row of a plain 2-D max pool, four outputs at a time and
 * without branches: the data-dependent branch of a scalar arg-max
 * mispredicts half the time. sw is a constant where inlined. */
static inline void maxpool_row(const rt_win *w, const float *xr, int64_t sw, const float *end,
                               float *yr) {
  const int64_t ow = w->out[2], wd = w->in[2];
  int64_t o = 0;
  for (; o + 4 <= ow; o += 4) {
    v4f m = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
    for (int64_t a = 0; a < w->k[1]; a++)
      for (int64_t b = 0; b < w->k[2]; b++) {
        v4f v;
        load_strided(&v, xr + a * w->dil[1] * wd + b * w->dil[2] + o * sw, sw, end);
        v4i take = ~(v <= m) & (m == m);
        m = (v4f)((take & (v4i)v) | (~take & (v4i)m));
      }
    memcpy(yr + o, &m, sizeof m);
  }
  for (; o < ow; o++) {
    float m = -INFINITY;
    for (int64_t a = 0; a < w->k[1]; a++)
      for (int64_t b = 0; b < w->k[2]; b++) {
        float v = xr[a * w->dil[1] * wd + b * w->dil[2] + o * sw];
        m = MAX_TAKES(v, m) ? v : m;
      }
    yr[o] = m;
  }
}

static void maxpool_plain_fwd(const rt_win *w, int64_t planes, const float *xs, float *ys) {
  const float *end = xs + planes * w->in_size;
  if (w->k[1] == 2 && w->k[2] == 2 && w->s[1] == 2 && w->s[2] == 2 && w->dil[1] == 1 &&
      w->dil[2] == 1) {
    const int v = rt_simd_best();
    for (int64_t pl = 0; pl < planes; pl++)
      for (int64_t o1 = 0; o1 < w->out[1]; o1++) {
        const float *r0 = xs + pl * w->in_size + 2 * o1 * w->in[2];
        maxpool2_row_variant(v, r0, r0 + w->in[2], w->out[2], end - (r0 + w->in[2]),
                             ys + pl * w->out_size + o1 * w->out[2]);
      }
    return;
  }
  for (int64_t pl = 0; pl < planes; pl++)
    for (int64_t o1 = 0; o1 < w->out[1]; o1++) {
      const float *xr = xs + pl * w->in_size + o1 * w->s[1] * w->in[2];
      float *yr = ys + pl * w->out_size + o1 * w->out[2];
      if (w->s[2] == 1)
        maxpool_row(w, xr, 1, end, yr);
      else if (w->s[2] == 2)
        maxpool_row(w, xr, 2, end, yr);
      else
        maxpool_row(w, xr, w->s[2], end, yr);
    }
}

/* Each output's gradient to the first arg-max of its window, rows then
 * columns, as the table-driven loop below does it. */
static void maxpool_plain_vjp(const rt_win *w, int64_t planes, const float *xs, const float *gy,
                              float *gx) {
  const int64_t wd = w->in[2];
  if (w->k[1] == 2 && w->k[2] == 2 && w->s[1] == 2 && w->s[2] == 2 && w->dil[1] == 1 &&
      w->dil[2] == 1) { /* the common 2x2 stride 2 window, unrolled: same order, same ties */
    for (int64_t pl = 0; pl < planes; pl++)
      for (int64_t o1 = 0; o1 < w->out[1]; o1++) {
        const float *r0 = xs + pl * w->in_size + 2 * o1 * wd, *r1 = r0 + wd;
        float *g0 = gx + pl * w->in_size + 2 * o1 * wd, *g1 = g0 + wd;
        const float *gr = gy + pl * w->out_size + o1 * w->out[2];
        for (int64_t o2 = 0; o2 < w->out[2]; o2++) {
          int64_t c = 2 * o2;
          float m = r0[c];
          float *at = g0 + c;
          if (MAX_TAKES(r0[c + 1], m))
            m = r0[c + 1], at = g0 + c + 1;
          if (MAX_TAKES(r1[c], m))
            m = r1[c], at = g1 + c;
          if (MAX_TAKES(r1[c + 1], m))
            at = g1 + c + 1;
          *at += gr[o2];
        }
      }
    return;
  }
  for (int64_t pl = 0; pl < planes; pl++) {
    const float *xp = xs + pl * w->in_size;
    float *gp = gx + pl * w->in_size;
    for (int64_t o1 = 0, oi = pl * w->out_size; o1 < w->out[1]; o1++)
      for (int64_t o2 = 0; o2 < w->out[2]; o2++, oi++) {
        int64_t first = o1 * w->s[1] * wd + o2 * w->s[2], arg = first;
        float m = -INFINITY;
        for (int64_t a = 0; a < w->k[1]; a++)
          for (int64_t b = 0; b < w->k[2]; b++) {
            int64_t at = first + a * w->dil[1] * wd + b * w->dil[2];
            float v = xp[at];
            int takes = MAX_TAKES(v, m);
            m = takes ? v : m;
            arg = takes ? at : arg;
          }
        gp[arg] += gy[oi];
      }
  }
}

static int maxpool_run(rt_exec *e, const rt_node *n, int backward, mg_err *err) {
  rt_win w;
  pool_tab t;
  int rc = pool_geometry(e, n, &w, err);
  if (rc)
    return rc;
  rt_tensor *x = rt_in(e, n, 0);
  const float *xs = x->data, *gy = backward ? rt_gout(e, n, 0) : NULL;
  float *ys = rt_out(e, n, 0)->data, *gx = backward ? rt_gin(e, n, 0) : NULL;
  int64_t planes = x->shape.d[0] * x->shape.d[1];
  if (backward && !gx)
    return MG_OK;
  if (plain_2d(&w)) {
    if (backward)
      maxpool_plain_vjp(&w, planes, xs, gy, gx);
    else
      maxpool_plain_fwd(&w, planes, xs, ys);
    return MG_OK;
  }
  if ((rc = pool_tables(n, &w, &t, err)))
    return rc;
  for (int64_t pl = 0; pl < planes; pl++) {
    const float *xp = xs + pl * w.in_size;
    int64_t oi = pl * w.out_size;
    for (int64_t o0 = 0; o0 < w.out[0]; o0++)
      for (int64_t o1 = 0; o1 < w.out[1]; o1++)
        for (int64_t o2 = 0; o2 < w.out[2]; o2++, oi++) {
          float m = -INFINITY;
          int64_t arg = -1;
          for (int64_t a = t.lo[0][o0]; a <= t.hi[0][o0]; a += w.dil[0])
            for (int64_t b = t.lo[1][o1]; b <= t.hi[1][o1]; b += w.dil[1]) {
              int64_t base = (a * w.in[1] + b) * w.in[2];
              for (int64_t c = t.lo[2][o2]; c <= t.hi[2][o2]; c += w.dil[2]) {
                float v = xp[base + c];
                if (arg < 0 || MAX_TAKES(v, m)) {
                  m = v;
                  arg = base + c;
                }
              }
            }
          if (!backward)
            ys[oi] = m;
          else if (arg >= 0)
            gx[pl * w.in_size + arg] += gy[oi];
        }
  }
  free(t.mem);
  return MG_OK;
}

static int maxpool_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  return maxpool_run(e, n, 0, err);
}
static int maxpool_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  return maxpool_run(e, n, 1, err);
}

static int avgpool_run(rt_exec *e, const rt_node *n, int backward, mg_err *err) {
  const pool_params *p = n->p;
  rt_win w;
  pool_tab t;
  int rc = pool_geometry(e, n, &w, err);
  if (rc || (rc = pool_tables(n, &w, &t, err)))
    return rc;
  rt_tensor *x = rt_in(e, n, 0);
  const float *xs = x->data, *gy = backward ? rt_gout(e, n, 0) : NULL;
  float *ys = rt_out(e, n, 0)->data, *gx = backward ? rt_gin(e, n, 0) : NULL;
  int64_t planes = x->shape.d[0] * x->shape.d[1];
  for (int64_t pl = 0; pl < planes && (!backward || gx); pl++) {
    int64_t oi = pl * w.out_size;
    for (int64_t o0 = 0; o0 < w.out[0]; o0++)
      for (int64_t o1 = 0; o1 < w.out[1]; o1++)
        for (int64_t o2 = 0; o2 < w.out[2]; o2++, oi++) {
          int64_t l0 = t.lo[0][o0], h0 = t.hi[0][o0], l1 = t.lo[1][o1], h1 = t.hi[1][o1];
          int64_t l2 = t.lo[2][o2], h2 = t.hi[2][o2];
          int inside = h0 >= l0 && h1 >= l1 && h2 >= l2;
          int64_t cnt = inside ? ((h0 - l0) / w.dil[0] + 1) * ((h1 - l1) / w.dil[1] + 1) *
                                     ((h2 - l2) / w.dil[2] + 1)
                               : 0;
          int64_t div = p->include_pad ? t.padded[0][o0] * t.padded[1][o1] * t.padded[2][o2] : cnt;
          if (!inside || div == 0) {
            if (!backward)
              ys[oi] = 0.0f;
            continue;
          }
          float scale = 1.0f / (float)div, s = 0.0f, gv = backward ? gy[oi] * scale : 0.0f;
          for (int64_t a = l0; a <= h0; a += w.dil[0])
            for (int64_t b = l1; b <= h1; b += w.dil[1]) {
              int64_t base = pl * w.in_size + (a * w.in[1] + b) * w.in[2];
              if (backward)
                for (int64_t c = l2; c <= h2; c += w.dil[2])
                  gx[base + c] += gv;
              else
                for (int64_t c = l2; c <= h2; c += w.dil[2])
                  s += xs[base + c];
            }
          if (!backward)
            ys[oi] = s * scale;
        }
  }
  free(t.mem);
  return MG_OK;
}

static int avgpool_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  return avgpool_run(e, n, 0, err);
}
static int avgpool_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  return avgpool_run(e, n, 1, err);
}

const rt_op rt_op_maxpool = {.name = "MaxPool",
                             .parse = maxpool_parse,
                             .infer = pool_infer,
                             .forward = maxpool_fwd,
                             .vjp = maxpool_vjp};
const rt_op rt_op_averagepool = {.name = "AveragePool",
                                 .parse = avgpool_parse,
                                 .infer = pool_infer,
                                 .forward = avgpool_fwd,
                                 .vjp = avgpool_vjp};

/* ---- GlobalAveragePool ---- */
static int gap_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  if (n->n_in != 1 || n->in[0] < 0 || n->n_out != 1)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "needs 1 input and 1 output");
  rt_tensor *x = rt_in(e, n, 0);
  int rc = rt_need_dtype(n, x, 0, RT_F32, err);
  if (rc)
    return rc;
  if (x->shape.rank < 2)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "input rank must be at least 2");
  rt_shape s = x->shape;
  for (uint32_t i = 2; i < s.rank; i++)
    s.d[i] = 1;
  return rt_set_out(e, n, 0, RT_F32, &s, err);
}

static int gap_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  (void)err;
  rt_tensor *x = rt_in(e, n, 0);
  int64_t planes = x->shape.d[0] * x->shape.d[1], sp = planes ? x->count / planes : 0;
  const float *xs = x->data;
  float *y = rt_out(e, n, 0)->data;
  for (int64_t p = 0; p < planes; p++) {
    /* Eight partial sums in double: as exact as one, but vectorisable. */
    double part[8] = {0, 0, 0, 0, 0, 0, 0, 0}, s = 0;
    const float *row = xs + p * sp;
    int64_t i = 0;
    for (; i + 8 <= sp; i += 8)
      for (int k = 0; k < 8; k++)
        part[k] += row[i + k];
    for (; i < sp; i++)
      s += row[i];
    for (int k = 0; k < 8; k++)
      s += part[k];
    y[p] = sp ? (float)(s / (double)sp) : 0.0f;
  }
  return MG_OK;
}

static int gap_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  (void)err;
  rt_tensor *x = rt_in(e, n, 0);
  int64_t planes = x->shape.d[0] * x->shape.d[1], sp = planes ? x->count / planes : 0;
  const float *gy = rt_gout(e, n, 0);
  float *gx = rt_gin(e, n, 0);
  if (!gx || !sp)
    return MG_OK;
  for (int64_t p = 0; p < planes; p++) {
    float v = gy[p] / (float)sp;
    for (int64_t i = 0; i < sp; i++)
      gx[p * sp + i] += v;
  }
  return MG_OK;
}

const rt_op rt_op_globalaveragepool = {
    .name = "GlobalAveragePool", .infer = gap_infer, .forward = gap_fwd, .vjp = gap_vjp};
