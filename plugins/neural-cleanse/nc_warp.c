/* Warp reverse-engineering (nc_warp.h). Classes run side by side, one
 * slot each, and every step sends all slots' warped mini-batches through
 * the model in one input-gradient call, as the mask search does. The
 * gradient reaches the control grid by the chain rule through the
 * sampling: d loss / d displacement at a pixel is the input gradient
 * times the image's bilinear slope at the sampled point, and the
 * upsampling's transpose sums those onto the control points. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgd.h"
#include "nc_rows.h"
#include "nc_sched.h"
#include "nc_warp.h"

#define NC_WARP_ADAM_B1 0.9
#define NC_WARP_ADAM_B2 0.999

void nc_warp_params_default(nc_warp_params *p) {
  memset(p, 0, sizeof *p);
  p->grid = 4;
  p->steps = 40;
  p->tail = 20;
  p->batch = 32;
  p->group = 10;
  p->lr = 0.05;
  p->max_disp = 1.0;
}

/* One image axis's bilinear upsampling from k control points (aligned
 * corners): pixel d reads points lo[d] and lo[d] + 1 (clamped) with
 * weight w[d] on the second. */
typedef struct axis {
  unsigned *lo, *hi;
  float *w;
} axis;

static int axis_make(axis *a, size_t n, unsigned k) {
  a->lo = malloc(n * sizeof *a->lo);
  a->hi = malloc(n * sizeof *a->hi);
  a->w = malloc(n * sizeof *a->w);
  if (!a->lo || !a->hi || !a->w)
    return MG_ERR_NOMEM;
  for (size_t d = 0; d < n; d++) {
    double src = n > 1 ? (double)d * (k - 1) / (double)(n - 1) : 0;
    unsigned i0 = (unsigned)floor(src);
    if (i0 >= k - 1)
      i0 = k > 1 ? k - 2 : 0;
    a->lo[d] = i0;
    a->hi[d] = k > 1 ? i0 + 1 : 0;
    a->w[d] = k > 1 ? (float)(src - i0) : 0.0f;
  }
  return MG_OK;
}

static void axis_free(axis *a) {
  free(a->lo);
  free(a->hi);
  free(a->w);
}

/* The dense field (2 x h x w) of a control grid (2 x k x k). */
static void upsample(const axis *ry, const axis *rx, unsigned k, size_t h, size_t w,
                     const float *theta, float *field) {
  for (size_t c = 0; c < 2; c++) {
    const float *t = theta + c * k * k;
    for (size_t i = 0; i < h; i++)
      for (size_t j = 0; j < w; j++) {
        float a = ry->w[i], b = rx->w[j];
        size_t r0 = ry->lo[i] * k, r1 = ry->hi[i] * k, c0 = rx->lo[j], c1 = rx->hi[j];
        field[c * h * w + i * w + j] = (1 - a) * ((1 - b) * t[r0 + c0] + b * t[r0 + c1]) +
                                       a * ((1 - b) * t[r1 + c0] + b * t[r1 + c1]);
      }
  }
}

/* Where pixel p samples: corner offsets and weights; zero slopes where
 * the displacement is clamped at the image border. */
typedef struct sample {
  size_t y0, y1, x0, x1;
  float wy, wx;
  int free_y, free_x;
} sample;

static void sample_points(size_t h, size_t w, const float *field, sample *sp) {
  for (size_t i = 0; i < h; i++)
    for (size_t j = 0; j < w; j++) {
      size_t p = i * w + j;
      double y = (double)i + field[p], x = (double)j + field[h * w + p];
      sample *s = &sp[p];
      s->free_y = y > 0 && y < (double)(h - 1);
      s->free_x = x > 0 && x < (double)(w - 1);
      y = y < 0 ? 0 : y > (double)(h - 1) ? (double)(h - 1) : y;
      x = x < 0 ? 0 : x > (double)(w - 1) ? (double)(w - 1) : x;
      s->y0 = (size_t)floor(y);
      s->x0 = (size_t)floor(x);
      s->y1 = s->y0 + 1 < h ? s->y0 + 1 : s->y0;
      s->x1 = s->x0 + 1 < w ? s->x0 + 1 : s->x0;
      s->wy = (float)(y - (double)s->y0);
      s->wx = (float)(x - (double)s->x0);
    }
}

static void warp_rows(size_t c, size_t h, size_t w, const sample *sp, const float *x, size_t n,
                      float *out) {
  size_t hw = h * w;
  for (size_t r = 0; r < n; r++)
    for (size_t ch = 0; ch < c; ch++) {
      const float *src = x + (r * c + ch) * hw;
      float *o = out + (r * c + ch) * hw;
      for (size_t p = 0; p < hw; p++) {
        const sample *s = &sp[p];
        float a = src[s->y0 * w + s->x0], b = src[s->y0 * w + s->x1];
        float d = src[s->y1 * w + s->x0], e = src[s->y1 * w + s->x1];
        o[p] = (1 - s->wy) * ((1 - s->wx) * a + s->wx * b) + s->wy * ((1 - s->wx) * d + s->wx * e);
      }
    }
}

void nc_warp_apply(const nc_problem *pb, unsigned grid, const float *theta, const float *x,
                   size_t n, float *out) {
  size_t h = pb->height, w = pb->width;
  axis ry = {0}, rx = {0};
  float *field = malloc(2 * h * w * sizeof *field);
  sample *sp = malloc(h * w * sizeof *sp);
  if (field && sp && !axis_make(&ry, h, grid) && !axis_make(&rx, w, grid)) {
    upsample(&ry, &rx, grid, h, w, theta, field);
    sample_points(h, w, field, sp);
    warp_rows(pb->channels, h, w, sp, x, n, out);
  } else { /* no memory: the rows unwarped */
    memcpy(out, x, n * pb->channels * h * w * sizeof *out);
  }
  axis_free(&ry);
  axis_free(&rx);
  free(field);
  free(sp);
}

typedef struct wslot {
  int active;
  int32_t target;
  float *theta, *m, *v, *g;
  double tail_ce;
  uint64_t tail_hits, tail_rows;
  unsigned steps, t;
  uint64_t *order;
  size_t n_order, cursor, *rows;
  mgd_rng rng;
} wslot;

typedef struct wengine {
  const nc_problem *pb;
  const nc_warp_params *wp;
  size_t h, w, hw, chw, np; /* np: control values, 2 k k */
  axis ry, rx;
  float *field, *gfield;
  sample *sp; /* per slot, hw each */
  wslot *slots;
  size_t n_slots;
  float *x, *grad, *logits, *loss;
  int32_t *tgt;
} wengine;

static int wslot_alloc(wslot *s, size_t np, size_t n, size_t batch) {
  s->theta = calloc(np, sizeof(float));
  s->m = calloc(np, sizeof(float));
  s->v = calloc(np, sizeof(float));
  s->g = calloc(np, sizeof(float));
  s->order = calloc(n ? n : 1, sizeof(uint64_t));
  s->rows = calloc(batch, sizeof(size_t));
  return s->theta && s->m && s->v && s->g && s->order && s->rows ? MG_OK : MG_ERR_NOMEM;
}

static void wslot_release(wslot *s) {
  free(s->theta);
  free(s->m);
  free(s->v);
  free(s->g);
  free(s->order);
  free(s->rows);
}

/* A fresh search for one class: the identity warp plus a little noise
 * (a zero field sits on the clamp's kink nowhere, but ties are broken). */
static void wslot_start(wengine *e, wslot *s, int32_t target) {
  const nc_problem *pb = e->pb;
  char stream[64];
  snprintf(stream, sizeof stream, "neural-cleanse/warp/%d", (int)target);
  mgd_rng_seed(&s->rng, pb->seed, stream);
  s->active = 1;
  s->target = target;
  for (size_t i = 0; i < e->np; i++)
    s->theta[i] = (float)(0.1 * (2.0 * mgd_rng_uniform(&s->rng) - 1.0));
  memset(s->m, 0, e->np * sizeof(float));
  memset(s->v, 0, e->np * sizeof(float));
  s->tail_ce = 0;
  s->tail_hits = s->tail_rows = 0;
  s->steps = s->t = 0;
  s->n_order = nc_rows_of_others(pb, target, &s->rng, s->order);
  s->cursor = 0;
}

static double grid_norm(const float *theta, size_t np) {
  double s = 0;
  for (size_t i = 0; i < np; i++)
    s += fabs((double)theta[i]);
  return s / (double)np;
}

/* Writes slot k's warped mini-batch; its sampling points go to e->sp. */
static void wslot_compose(wengine *e, wslot *s, size_t k) {
  size_t B = e->wp->batch;
  sample *sp = e->sp + k * e->hw;
  upsample(&e->ry, &e->rx, e->wp->grid, e->h, e->w, s->theta, e->field);
  sample_points(e->h, e->w, e->field, sp);
  for (size_t r = 0; r < B; r++) {
    s->rows[r] = nc_rows_next(&s->rng, s->order, s->n_order, &s->cursor);
    warp_rows(e->pb->channels, e->h, e->w, sp, e->pb->x + s->rows[r] * e->chw, 1,
              e->x + (k * B + r) * e->chw);
    e->tgt[k * B + r] = s->target;
  }
}

/* Chains slot k's input gradients to its control grid and steps; nonzero
 * on a non-finite gradient. */
static int wslot_update(wengine *e, wslot *s, size_t k) {
  const nc_problem *pb = e->pb;
  size_t B = e->wp->batch, K = pb->classes, hw = e->hw, w = e->w, kk = e->wp->grid;
  const sample *sp = e->sp + k * hw;
  memset(e->gfield, 0, 2 * hw * sizeof(float));
  size_t hits = 0;
  double ce = 0;
  for (size_t r = 0; r < B; r++) {
    size_t row = k * B + r;
    const float *lg = e->logits + row * K;
    hits += nc_argmax(lg, K) == (size_t)s->target;
    if (!isfinite(e->loss[row]))
      return 1;
    ce += e->loss[row];
    for (size_t ch = 0; ch < pb->channels; ch++) {
      const float *src = pb->x + s->rows[r] * e->chw + ch * hw;
      const float *g = e->grad + row * e->chw + ch * hw;
      for (size_t p = 0; p < hw; p++) {
        const sample *q = &sp[p];
        float a = src[q->y0 * w + q->x0], b = src[q->y0 * w + q->x1];
        float d = src[q->y1 * w + q->x0], f = src[q->y1 * w + q->x1];
        if (q->free_y)
          e->gfield[p] += g[p] * ((1 - q->wx) * (d - a) + q->wx * (f - b));
        if (q->free_x)
          e->gfield[hw + p] += g[p] * ((1 - q->wy) * (b - a) + q->wy * (f - d));
      }
    }
  }
  /* the upsampling's transpose, the mean over the batch and the L1 cost */
  memset(s->g, 0, e->np * sizeof(float));
  for (size_t c = 0; c < 2; c++)
    for (size_t i = 0; i < e->h; i++)
      for (size_t j = 0; j < w; j++) {
        float gf = e->gfield[c * hw + i * w + j] / (float)B, a = e->ry.w[i], b = e->rx.w[j];
        float *g = s->g + c * kk * kk;
        size_t r0 = e->ry.lo[i] * kk, r1 = e->ry.hi[i] * kk, c0 = e->rx.lo[j], c1 = e->rx.hi[j];
        g[r0 + c0] += (1 - a) * (1 - b) * gf;
        g[r0 + c1] += (1 - a) * b * gf;
        g[r1 + c0] += a * (1 - b) * gf;
        g[r1 + c1] += a * b * gf;
      }
  s->t++;
  double c1 = 1.0 - pow(NC_WARP_ADAM_B1, s->t), c2 = 1.0 - pow(NC_WARP_ADAM_B2, s->t);
  for (size_t i = 0; i < e->np; i++) {
    double g = s->g[i];
    if (!isfinite(g))
      return 1;
    double step =
        mgd_adam_step(&s->m[i], &s->v[i], g, NC_WARP_ADAM_B1, NC_WARP_ADAM_B2, c1, c2, e->wp->lr);
    double t = s->theta[i] - step, lim = e->wp->max_disp;
    s->theta[i] = (float)(t < -lim ? -lim : t > lim ? lim : t);
  }
  s->steps++;
  if (s->steps + e->wp->tail > e->wp->steps) { /* the statistic's window */
    s->tail_hits += hits;
    s->tail_ce += ce;
    s->tail_rows += B;
  }
  return 0;
}

static int wslot_finish(wengine *e, wslot *s, nc_warp_result *r) {
  r->target = s->target;
  r->steps = s->steps;
  r->field = malloc(e->np * sizeof(float));
  if (!r->field)
    return MG_ERR_NOMEM;
  memcpy(r->field, s->theta, e->np * sizeof(float));
  r->norm = grid_norm(s->theta, e->np);
  r->ce = s->tail_rows ? s->tail_ce / (double)s->tail_rows : NAN;
  r->success = s->tail_rows ? (double)s->tail_hits / (double)s->tail_rows : 0;
  s->active = 0;
  return MG_OK;
}

/* The scheduler's callbacks (nc_sched.h) over this search's slots. */
typedef struct warp_run {
  wengine *e;
  nc_warp_result *out;
} warp_run;

static void warp_start(void *r, size_t i, size_t next) {
  wengine *e = ((warp_run *)r)->e;
  wslot_start(e, &e->slots[i], (int32_t)next);
}

static void warp_compose(void *r, size_t i, size_t k) {
  wengine *e = ((warp_run *)r)->e;
  wslot_compose(e, &e->slots[i], k);
}

static int warp_update(void *r, size_t i, size_t k) {
  wengine *e = ((warp_run *)r)->e;
  return wslot_update(e, &e->slots[i], k);
}

static int warp_finish(void *r, size_t i) {
  warp_run *u = r;
  wslot *s = &u->e->slots[i];
  return wslot_finish(u->e, s, &u->out[s->target]);
}

static const nc_sched_ops warp_ops = {warp_start, warp_compose, warp_update,
                                      NULL,       NULL,         warp_finish};

int nc_warp(const nc_problem *pb, const nc_warp_params *wp, nc_warp_result *out) {
  size_t K = pb->classes, B = wp->batch;
  wengine e = {.pb = pb, .wp = wp, .h = pb->height, .w = pb->width};
  e.hw = e.h * e.w;
  e.chw = e.hw * pb->channels;
  e.np = 2 * (size_t)wp->grid * wp->grid;
  size_t G = wp->group < K ? wp->group : K;
  if (!G || !B || !pb->n || e.h < 2 || e.w < 2 || wp->grid < 2 || !wp->steps)
    return MG_ERR_ARGS;
  while (G > 1 && (uint64_t)G * B * e.chw > NC_CALL_FLOATS)
    G--;
  memset(out, 0, K * sizeof *out);
  int rc = axis_make(&e.ry, e.h, wp->grid);
  if (!rc)
    rc = axis_make(&e.rx, e.w, wp->grid);
  e.field = malloc(2 * e.hw * sizeof(float));
  e.gfield = malloc(2 * e.hw * sizeof(float));
  e.sp = malloc(G * e.hw * sizeof *e.sp);
  e.slots = calloc(G, sizeof *e.slots);
  e.n_slots = G;
  e.x = malloc(G * B * e.chw * sizeof(float));
  e.grad = malloc(G * B * e.chw * sizeof(float));
  e.logits = malloc(G * B * K * sizeof(float));
  e.loss = malloc(G * B * sizeof(float));
  e.tgt = malloc(G * B * sizeof(int32_t));
  if (!rc && (!e.field || !e.gfield || !e.sp || !e.slots || !e.x || !e.grad || !e.logits ||
              !e.loss || !e.tgt))
    rc = MG_ERR_NOMEM;
  for (size_t i = 0; !rc && i < G; i++)
    rc = wslot_alloc(&e.slots[i], e.np, pb->n, B);
  warp_run run = {.e = &e, .out = out};
  nc_sched_io io = {e.x, e.grad, e.logits, e.loss, e.tgt};
  nc_sched sc =
      nc_sched_make(&run, &warp_ops, G, K, B, wp->steps, "reversing warps", "gradient", NULL, io);
  if (!rc)
    rc = nc_sched_run(pb, &sc);
  for (size_t i = 0; e.slots && i < G; i++)
    wslot_release(&e.slots[i]);
  axis_free(&e.ry);
  axis_free(&e.rx);
  free(e.field);
  free(e.gfield);
  free(e.sp);
  free(e.slots);
  free(e.x);
  free(e.grad);
  free(e.logits);
  free(e.loss);
  free(e.tgt);
  if (rc)
    for (size_t i = 0; i < K; i++)
      nc_warp_result_free(&out[i]);
  return rc;
}

void nc_warp_result_free(nc_warp_result *r) {
  free(r->field);
  r->field = NULL;
}
