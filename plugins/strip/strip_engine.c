/* Batched superimposition: each forward pass holds up to `round` overlays
 * of as many rows as fit; rows stopping early make room for waiting ones,
 * so the model sees full batches. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mgd.h"
#include "strip_engine.h"

/* Overlays per row per pass: small enough that stopped rows waste little,
 * large enough that a pass is a useful batch for few rows. */
#define STRIP_ROUND 8
/* Forward batches stay under this many bytes of input. */
#define STRIP_BATCH_BYTES (32u << 20)
#define STRIP_BATCH_ROWS 256

int strip_engine_init(strip_engine *e, const mg_services *svc, mg_plugin_ctx *ctx,
                      const float *pool, size_t pool_n, size_t row_floats, size_t classes,
                      uint32_t n, uint64_t seed) {
  memset(e, 0, sizeof *e);
  if (pool_n < 2 || !row_floats || !classes || !n)
    return MG_ERR_ARGS;
  e->svc = svc;
  e->ctx = ctx;
  e->pool = pool;
  e->pool_n = pool_n;
  e->row_floats = row_floats;
  e->classes = classes;
  e->n = n;
  e->seed = seed;
  size_t fit = STRIP_BATCH_BYTES / (row_floats * sizeof(float));
  e->batch = fit < 1 ? 1 : fit > STRIP_BATCH_ROWS ? STRIP_BATCH_ROWS : fit;
  e->xb = malloc(e->batch * row_floats * sizeof *e->xb);
  e->logits = malloc(e->batch * classes * sizeof *e->logits);
  if (!e->xb || !e->logits) {
    strip_engine_free(e);
    return MG_ERR_NOMEM;
  }
  return MG_OK;
}

void strip_engine_free(strip_engine *e) {
  free(e->xb);
  free(e->logits);
  e->xb = NULL;
  e->logits = NULL;
}

/* One overlay index for a row: uniform over the pool minus the row itself. */
static size_t draw(mgd_rng *r, size_t pool_n, size_t self) {
  if (self >= pool_n)
    return (size_t)mgd_rng_below(r, pool_n);
  size_t k = (size_t)mgd_rng_below(r, pool_n - 1);
  return k >= self ? k + 1 : k;
}

typedef struct row_state {
  mgd_rng rng;
  double sum, stop_sum;
  uint32_t used;
} row_state;

static int row_done(const strip_engine *e, const row_state *r) {
  return r->used >= e->n || r->sum >= r->stop_sum;
}

/* Continuous batching: a pass gives each active row up to `round` overlays
 * and admits waiting rows into the slots that rows stopping early leave, so
 * passes stay full and of one size (the runtime then reuses its buffers). */
int strip_engine_run(strip_engine *e, const float *x, size_t m, const uint64_t *ids,
                     const size_t *self, const char *stream, const double *stop_at, double *mean,
                     uint32_t *used) {
  const size_t rf = e->row_floats, k = e->classes;
  size_t round = e->n < STRIP_ROUND ? e->n : STRIP_ROUND;
  row_state *st = malloc((m ? m : 1) * sizeof *st);
  size_t *act = malloc((m ? m : 1) * sizeof *act);
  size_t *slot_row = malloc(e->batch * sizeof *slot_row);
  int rc = st && act && slot_row ? MG_OK : MG_ERR_NOMEM;
  size_t n_act = 0, next = 0;
  while (!rc) {
    size_t filled = 0;
    for (size_t a = 0; a <= n_act && filled < e->batch; a++) {
      if (a == n_act) { /* room left: admit the next waiting row */
        if (next >= m)
          break;
        row_state *r = &st[next];
        /* The row's stream depends on its id only: batching never changes it. */
        mgd_rng_seed(&r->rng, e->seed ^ (ids[next] * 0x9e3779b97f4a7c15ULL), stream);
        r->sum = 0;
        r->stop_sum = stop_at ? stop_at[next] * (double)e->n : INFINITY;
        r->used = 0;
        act[n_act++] = next++;
      }
      size_t i = act[a];
      row_state *r = &st[i];
      uint32_t left = e->n - r->used;
      size_t take = left < round ? left : round;
      if (take > e->batch - filled)
        take = e->batch - filled;
      const float *src = x + i * rf;
      for (size_t t = 0; t < take; t++) {
        size_t o = draw(&r->rng, e->pool_n, self ? self[i] : SIZE_MAX);
        const float *ov = e->pool + o * rf;
        float *dst = e->xb + filled * rf;
        for (size_t j = 0; j < rf; j++)
          dst[j] = 0.5f * src[j] + 0.5f * ov[j];
        slot_row[filled++] = i;
      }
    }
    if (!filled)
      break;
    rc = e->svc->model_forward(e->ctx, e->xb, filled, e->logits, NULL, NULL);
    if (rc)
      break;
    e->passes += filled;
    for (size_t sl = 0; sl < filled; sl++) {
      float *row = e->logits + sl * k;
      mgd_softmax(row, k);
      double h = mgd_entropy(row, k);
      if (!isfinite(h)) {
        rc = MG_ERR_NUMERIC;
        break;
      }
      st[slot_row[sl]].sum += h;
      st[slot_row[sl]].used++;
    }
    size_t kept = 0;
    for (size_t a = 0; a < n_act; a++)
      if (!row_done(e, &st[act[a]]))
        act[kept++] = act[a];
    n_act = kept;
  }
  for (size_t i = 0; !rc && i < m; i++) {
    mean[i] = st[i].used ? st[i].sum / st[i].used : NAN;
    if (used)
      used[i] = st[i].used;
  }
  free(st);
  free(act);
  free(slot_row);
  return rc;
}
