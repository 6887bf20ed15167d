/* Conv (1 to 3 spatial axes, groups, dilations, strides, pads, auto_pad)
 * as im2col + cblas_sgemm. Small feature maps are batched: the columns of
 * several samples sit side by side so one GEMM covers them. The VJP uses
 * the same layout: dcol = W^T dY then col2im, and dW = dY col^T when the
 * weights themselves are an activation. Stride-1 2-D convolutions with
 * few taps run the direct kernel instead (conv_direct.h), forward and for
 * the input gradient. */
#include "config.h"

#include "runtime/ops/conv_direct.h"
#include "runtime/ops/ops.h"
#include "runtime/ops/window.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

typedef struct conv_params {
  rt_win_attrs win;
  int64_t group;
} conv_params;

typedef struct conv_geom {
  rt_win w;
  int64_t n, c, m, g, cg, mg, k; /* batch, channels, maps, groups, per group, rows of col */
} conv_geom;

static int conv_parse(rt_graph *gr, rt_node *n, mg_err *err) {
  (void)gr;
  conv_params *p = calloc(1, sizeof *p);
  if (!p)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  n->p = p;
  int rc = rt_win_parse(n, 0, &p->win, err);
  if (!rc)
    rc = rt_attr_int(n, "group", 1, &p->group, err);
  if (!rc && (p->group <= 0 || p->group > (1 << 24)))
    rc = rt_node_fail(n, MG_ERR_FORMAT, err, "group must be positive");
  return rc;
}

static int conv_geometry(rt_exec *e, const rt_node *n, conv_geom *cg, mg_err *err) {
  const conv_params *p = n->p;
  rt_tensor *x = rt_in(e, n, 0), *w = rt_in(e, n, 1);
  if (x->shape.rank != w->shape.rank)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "weights rank %u differs from input rank %u",
                        w->shape.rank, x->shape.rank);
  if (x->shape.rank < 3)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "input rank must be at least 3");
  int64_t kernel[RT_WIN_MAX];
  for (uint32_t i = 2; i < w->shape.rank && i - 2 < RT_WIN_MAX; i++)
    kernel[i - 2] = w->shape.d[i];
  for (uint32_t i = 0; i + 2 < w->shape.rank && i < RT_WIN_MAX; i++)
    if (kernel[i] <= 0)
      return rt_node_fail(n, MG_ERR_FORMAT, err, "empty kernel");
  int rc = rt_win_geometry(n, &p->win, &x->shape, kernel, &cg->w, err);
  if (rc)
    return rc;
  cg->n = x->shape.d[0];
  cg->c = x->shape.d[1];
  cg->m = w->shape.d[0];
  cg->g = p->group;
  if (cg->c % cg->g || cg->m % cg->g || w->shape.d[1] * cg->g != cg->c)
    return rt_node_fail(
        n, MG_ERR_FORMAT, err, "channels (%lld) / groups (%lld) / weights (%lld x %lld) disagree",
        (long long)cg->c, (long long)cg->g, (long long)cg->m, (long long)w->shape.d[1]);
  cg->cg = cg->c / cg->g;
  cg->mg = cg->m / cg->g;
  cg->k = cg->cg * cg->w.k_size;
  if (cg->k > INT32_MAX / 4 || cg->w.out_size > INT32_MAX / 4 || cg->m > INT32_MAX / 4 ||
      cg->k * cg->w.out_size > (int64_t)1 << 34)
    return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "convolution too large");
  return MG_OK;
}

static int conv_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  if (n->n_in < 2 || n->n_in > 3 || n->in[0] < 0 || n->in[1] < 0 || n->n_out != 1)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "needs inputs X, W[, B] and 1 output");
  rt_tensor *x = rt_in(e, n, 0), *w = rt_in(e, n, 1), *b = rt_in(e, n, 2);
  int rc = rt_need_dtype(n, x, 0, RT_F32, err);
  if (!rc)
    rc = rt_need_dtype(n, w, 1, RT_F32, err);
  if (!rc && b)
    rc = rt_need_dtype(n, b, 2, RT_F32, err);
  if (rc)
    return rc;
  conv_geom cg;
  if ((rc = conv_geometry(e, n, &cg, err)))
    return rc;
  if (b && (b->shape.rank != 1 || b->shape.d[0] != cg.m))
    return rt_node_fail(n, MG_ERR_FORMAT, err, "bias must have %lld values", (long long)cg.m);
  rt_shape s = x->shape;
  s.d[1] = cg.m;
  for (uint32_t i = 0; i < cg.w.nsp; i++)
    s.d[2 + i] = cg.w.out[RT_WIN_MAX - cg.w.nsp + i];
  return rt_set_out(e, n, 0, RT_F32, &s, err);
}

/* Stride-1 rows: the output columns [*lo, *hi) read input columns iw + ow
 * inside the row; the others fall in the padding (an empty run when none
 * is inside). */
static void inrow_run(const rt_win *w, int64_t iw, int64_t *lo, int64_t *hi) {
  *lo = iw < 0 ? -iw : 0;
  *hi = w->in[2] - iw;
  if (*hi > w->out[2])
    *hi = w->out[2];
  if (*lo > *hi)
    *lo = *hi = w->out[2];
}

/* col rows (c, kd, kh, kw), columns (od, oh, ow), row stride ld. */
static void im2col(const float *x, const conv_geom *g, float *col, int64_t ld) {
  const rt_win *w = &g->w;
  int64_t row = 0;
  for (int64_t c = 0; c < g->cg; c++) {
    const float *xc = x + c * w->in_size;
    for (int64_t kd = 0; kd < w->k[0]; kd++)
      for (int64_t kh = 0; kh < w->k[1]; kh++)
        for (int64_t kw = 0; kw < w->k[2]; kw++, row++) {
          float *dst = col + row * ld;
          for (int64_t od = 0; od < w->out[0]; od++) {
            int64_t id = od * w->s[0] - w->pb[0] + kd * w->dil[0];
            for (int64_t oh = 0; oh < w->out[1]; oh++) {
              float *d = dst + (od * w->out[1] + oh) * w->out[2];
              int64_t ih = oh * w->s[1] - w->pb[1] + kh * w->dil[1];
              if (id < 0 || id >= w->in[0] || ih < 0 || ih >= w->in[1]) {
                memset(d, 0, (size_t)w->out[2] * sizeof(float));
                continue;
              }
              const float *src = xc + (id * w->in[1] + ih) * w->in[2];
              int64_t iw = -w->pb[2] + kw * w->dil[2];
              if (w->s[2] == 1) { /* zeros, a run of the row, zeros: no test per element */
                int64_t lo, hi;
                inrow_run(w, iw, &lo, &hi);
                for (int64_t ow = 0; ow < lo; ow++)
                  d[ow] = 0.0f;
                for (int64_t ow = lo; ow < hi; ow++)
                  d[ow] = src[iw + ow];
                for (int64_t ow = hi; ow < w->out[2]; ow++)
                  d[ow] = 0.0f;
                continue;
              }
              for (int64_t ow = 0; ow < w->out[2]; ow++, iw += w->s[2])
                d[ow] = iw >= 0 && iw < w->in[2] ? src[iw] : 0.0f;
            }
          }
        }
  }
}

static void col2im_add(const float *col, const conv_geom *g, float *x, int64_t ld) {
  const rt_win *w = &g->w;
  int64_t row = 0;
  for (int64_t c = 0; c < g->cg; c++) {
    float *xc = x + c * w->in_size;
    for (int64_t kd = 0; kd < w->k[0]; kd++)
      for (int64_t kh = 0; kh < w->k[1]; kh++)
        for (int64_t kw = 0; kw < w->k[2]; kw++, row++) {
          const float *srcrow = col + row * ld;
          for (int64_t od = 0; od < w->out[0]; od++) {
            int64_t id = od * w->s[0] - w->pb[0] + kd * w->dil[0];
            if (id < 0 || id >= w->in[0])
              continue;
            for (int64_t oh = 0; oh < w->out[1]; oh++) {
              int64_t ih = oh * w->s[1] - w->pb[1] + kh * w->dil[1];
              if (ih < 0 || ih >= w->in[1])
                continue;
              const float *s = srcrow + (od * w->out[1] + oh) * w->out[2];
              float *dst = xc + (id * w->in[1] + ih) * w->in[2];
              int64_t iw = -w->pb[2] + kw * w->dil[2];
              if (w->s[2] == 1) { /* the in-row run only, no test per element */
                int64_t lo, hi;
                inrow_run(w, iw, &lo, &hi);
                for (int64_t ow = lo; ow < hi; ow++)
                  dst[iw + ow] += s[ow];
                continue;
              }
              for (int64_t ow = 0; ow < w->out[2]; ow++, iw += w->s[2])
                if (iw >= 0 && iw < w->in[2])
                  dst[iw] += s[ow];
            }
          }
        }
  }
}

static int is_pointwise(const conv_geom *g) {
  const rt_win *w = &g->w;
  for (int j = 0; j < RT_WIN_MAX; j++)
    if (w->k[j] != 1 || w->s[j] != 1 || w->pb[j] || w->pe[j])
      return 0;
  return 1;
}

/* Samples per GEMM: enough columns to keep the GEMM efficient. */
static int64_t conv_chunk(const conv_geom *g) {
  int64_t p = g->w.out_size;
  if (p >= 1024 || g->n <= 1)
    return 1;
  int64_t nb = 2048 / p;
  if (nb < 1)
    nb = 1;
  if (nb > g->n)
    nb = g->n;
  while (nb > 1 && g->k * nb * p > ((int64_t)16 << 20))
    nb /= 2;
  return nb;
}

static void swap64(int64_t *a, int64_t *b) {
  int64_t t = *a;
  *a = *b;
  *b = t;
}

/* The direct kernel's geometry for this convolution, or with transpose
 * for its input gradient when the stride is 1 (a convolution of dY by the
 * flipped kernel, leading pads (k - 1) * dilation - p). Returns whether
 * the direct kernel applies and is worth it. */
static int direct_geometry(const conv_geom *g, int transpose, conv_direct *d) {
  const rt_win *w = &g->w;
  if (g->g != 1 || w->k[0] != 1 || w->in[0] != 1 || w->out[0] != 1 || w->pb[0])
    return 0;
  *d = (conv_direct){.c = g->c,
                     .h = w->in[1],
                     .w = w->in[2],
                     .m = g->m,
                     .kh = w->k[1],
                     .kw = w->k[2],
                     .sh = w->s[1],
                     .sw = w->s[2],
                     .dh = w->dil[1],
                     .dw = w->dil[2],
                     .pt = w->pb[1],
                     .pl = w->pb[2],
                     .oh = w->out[1],
                     .ow = w->out[2]};
  if (transpose) {
    if (d->sh != 1 || d->sw != 1)
      return 0;
    /* Inputs and outputs trade places, channels and sizes alike. */
    swap64(&d->c, &d->m);
    swap64(&d->h, &d->oh);
    swap64(&d->w, &d->ow);
    d->pt = (d->kh - 1) * d->dh - d->pt;
    d->pl = (d->kw - 1) * d->dw - d->pl;
  }
  return conv_direct_worth(d);
}

/* What a packing in scratch was made for. */
typedef struct pack_key {
  conv_direct d;
  const float *w, *bias, *scale, *shift;
  uint64_t epoch; /* the graph's param_epoch: an amplified BatchNorm repacks */
} pack_key;
#define KEY_FLOATS ((sizeof(pack_key) + sizeof(float) - 1) / sizeof(float))

static int constant(const rt_exec *e, const rt_node *n, uint32_t i) {
  return e->g->values[n->in[i]].cls == RT_CONST;
}

static int conv_fwd_direct(rt_exec *e, const rt_node *n, const conv_geom *g, const conv_direct *d,
                           mg_err *err) {
  const float *x = rt_in(e, n, 0)->data, *w = rt_in(e, n, 1)->data;
  rt_tensor *bt = rt_in(e, n, 2);
  /* Take whatever the planner offers: a per-channel affine map (a
   * BatchNormalization) folded into the weights and bias, then the Add
   * and Relu in the kernel's finish. */
  const rt_epilogue ep = e->epilogue;
  const size_t need = conv_direct_scratch(d), total = KEY_FLOATS + need + (size_t)g->m;
  const float *bias = bt ? bt->data : NULL;
  /* Constant weights are packed once into the node's own scratch and kept
   * for as long as what they were packed for stays the same. */
  pack_key key;
  memset(&key, 0, sizeof key);
  key.d = *d;
  key.w = w;
  key.bias = bias;
  key.scale = ep.scale;
  key.shift = ep.shift;
  key.epoch = e->g->param_epoch;
  float *buf = NULL;
  int fresh = 1, rc;
  if (constant(e, n, 1) && (!bt || constant(e, n, 2)) &&
      (rc = rt_node_scratch(e, n, total, &buf, &fresh, err)))
    return rc;
  if (!buf) { /* shared with other nodes: always packed again */
    if (!(buf = rt_scratch(e, total, err)))
      return err->code;
    fresh = 1;
  }
  float *scratch = buf + KEY_FLOATS, *fb = scratch + need;
  if (fresh || memcmp(buf, &key, sizeof key)) {
    conv_direct_pack(d, w, 0, ep.scale, scratch);
    for (int64_t m = 0; ep.scale && m < g->m; m++)
      fb[m] = (bias ? bias[m] * ep.scale[m] : 0.0f) + ep.shift[m];
    memcpy(buf, &key, sizeof key);
  }
  if (ep.scale)
    bias = fb;
  e->epilogue.taken = 1;
  float *y = rt_out(e, n, 0)->data;
  const int64_t per_y = g->m * g->w.out_size;
  for (int64_t b = 0; b < g->n; b++)
    conv_direct_run(d, x + b * g->c * g->w.in_size, bias, ep.add ? ep.add + b * per_y : NULL,
                    ep.relu, ep.slope, y + b * per_y, scratch);
  return MG_OK;
}

static int conv_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  conv_geom g;
  int rc = conv_geometry(e, n, &g, err);
  if (rc)
    return rc;
  conv_direct d;
  if (direct_geometry(&g, 0, &d))
    return conv_fwd_direct(e, n, &g, &d, err);
  const float *x = rt_in(e, n, 0)->data, *w = rt_in(e, n, 1)->data;
  rt_tensor *bt = rt_in(e, n, 2);
  float *y = rt_out(e, n, 0)->data;
  int64_t p = g.w.out_size, in = g.w.in_size;
  int64_t nb = conv_chunk(&g);
  int point = is_pointwise(&g);
  size_t need = (size_t)(g.k * nb * p + (nb > 1 ? g.mg * nb * p : 0));
  float *col = NULL, *yb = NULL;
  if (!(point && nb == 1)) {
    if (!(col = rt_scratch(e, need, err)))
      return err->code;
    yb = col + g.k * nb * p;
  }
  for (int64_t n0 = 0; n0 < g.n; n0 += nb) {
    int64_t cnt = g.n - n0 < nb ? g.n - n0 : nb;
    int64_t ld = cnt * p;
    for (int64_t gi = 0; gi < g.g; gi++) {
      const float *wg = w + gi * g.mg * g.k;
      const float *src;
      if (point && nb == 1) {
        src = x + (n0 * g.c + gi * g.cg) * in;
      } else {
        for (int64_t b = 0; b < cnt; b++)
          im2col(x + ((n0 + b) * g.c + gi * g.cg) * in, &g, col + b * p, ld);
        src = col;
      }
      if (cnt == 1) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)g.mg, (int)p, (int)g.k, 1.0f,
                    wg, (int)g.k, src, (int)ld, 0.0f, y + (n0 * g.m + gi * g.mg) * p, (int)p);
      } else {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)g.mg, (int)ld, (int)g.k, 1.0f,
                    wg, (int)g.k, src, (int)ld, 0.0f, yb, (int)ld);
        for (int64_t b = 0; b < cnt; b++)
          for (int64_t m = 0; m < g.mg; m++)
            memcpy(y + ((n0 + b) * g.m + gi * g.mg + m) * p, yb + m * ld + b * p,
                   (size_t)p * sizeof(float));
      }
    }
  }
  if (bt) {
    const float *bias = bt->data;
    for (int64_t b = 0; b < g.n; b++)
      for (int64_t m = 0; m < g.m; m++) {
        float *row = y + (b * g.m + m) * p, v = bias[m];
        for (int64_t i = 0; i < p; i++)
          row[i] += v;
      }
  }
  return MG_OK;
}

static int conv_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  conv_geom g;
  int rc = conv_geometry(e, n, &g, err);
  if (rc)
    return rc;
  const float *x = rt_in(e, n, 0)->data, *w = rt_in(e, n, 1)->data, *gy = rt_gout(e, n, 0);
  float *gx = rt_gin(e, n, 0), *gw = rt_gin(e, n, 1), *gb = rt_gin(e, n, 2);
  int64_t p = g.w.out_size, in = g.w.in_size;
  if (gb)
    for (int64_t b = 0; b < g.n; b++)
      for (int64_t m = 0; m < g.m; m++) {
        const float *row = gy + (b * g.m + m) * p;
        float s = 0;
        for (int64_t i = 0; i < p; i++)
          s += row[i];
        gb[m] += s;
      }
  if (!gx && !gw)
    return MG_OK;
  conv_direct d;
  if (!gw && direct_geometry(&g, 1, &d)) {
    float *scratch = rt_scratch(e, conv_direct_scratch(&d), err);
    if (!scratch)
      return err->code;
    conv_direct_pack(&d, w, 1, NULL, scratch);
    for (int64_t b = 0; b < g.n; b++)
      conv_direct_run(&d, gy + b * g.m * p, NULL, gx + b * g.c * in, 0, 0.0f, gx + b * g.c * in,
                      scratch);
    return MG_OK;
  }
  int64_t nb = conv_chunk(&g);
  int point = is_pointwise(&g);
  /* dcol, then dy gathered (batched only), then col (for dW only) */
  int64_t cols = g.k * nb * p;
  size_t need = (size_t)(cols + (nb > 1 ? g.mg * nb * p : 0) + (gw ? cols : 0));
  float *dcol = rt_scratch(e, need, err);
  if (!dcol)
    return err->code;
  float *dyb = dcol + cols, *col = dyb + (nb > 1 ? g.mg * nb * p : 0);
  for (int64_t n0 = 0; n0 < g.n; n0 += nb) {
    int64_t cnt = g.n - n0 < nb ? g.n - n0 : nb;
    int64_t ld = cnt * p;
    for (int64_t gi = 0; gi < g.g; gi++) {
      const float *wg = w + gi * g.mg * g.k;
      const float *dy;
      if (cnt == 1) {
        dy = gy + (n0 * g.m + gi * g.mg) * p;
      } else {
        for (int64_t b = 0; b < cnt; b++)
          for (int64_t m = 0; m < g.mg; m++)
            memcpy(dyb + m * ld + b * p, gy + ((n0 + b) * g.m + gi * g.mg + m) * p,
                   (size_t)p * sizeof(float));
        dy = dyb;
      }
      if (gw) {
        const float *src;
        if (point && cnt == 1) {
          src = x + (n0 * g.c + gi * g.cg) * in;
        } else {
          for (int64_t b = 0; b < cnt; b++)
            im2col(x + ((n0 + b) * g.c + gi * g.cg) * in, &g, col + b * p, ld);
          src = col;
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)g.mg, (int)g.k, (int)ld, 1.0f, dy,
                    (int)ld, src, (int)ld, 1.0f, gw + gi * g.mg * g.k, (int)g.k);
      }
      if (!gx)
        continue;
      if (point && cnt == 1) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)g.k, (int)p, (int)g.mg, 1.0f, wg,
                    (int)g.k, dy, (int)p, 1.0f, gx + (n0 * g.c + gi * g.cg) * in, (int)p);
        continue;
      }
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)g.k, (int)ld, (int)g.mg, 1.0f, wg,
                  (int)g.k, dy, (int)ld, 0.0f, dcol, (int)ld);
      for (int64_t b = 0; b < cnt; b++)
        col2im_add(dcol + b * p, &g, gx + ((n0 + b) * g.c + gi * g.cg) * in, ld);
    }
  }
  return MG_OK;
}

const rt_op rt_op_conv = {
    .name = "Conv", .parse = conv_parse, .infer = conv_infer, .forward = conv_fwd, .vjp = conv_vjp};
