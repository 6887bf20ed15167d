/* Feature-layer verification of the reversed triggers (nc_featverify.h).
 *
 * For class t, u_t is the shift its reversed trigger causes in the feature
 * layer: mean of the triggered search rows of the other classes minus the
 * mean of t's own clean search rows. A row's score is its projection on
 * u_t. Null hypothesis for t: its training rows and its held-out clean
 * reference rows (never used by the search, so independent of u_t) are
 * exchangeable; then the count of the n training rows scoring above the
 * largest of the m held-out scores is BetaBinomial(n, 1, m) exactly. A
 * shift of the whole training set against the reference set would raise
 * every class, so the class must also exceed the other classes' pooled
 * rate (one-sided Fisher test, intersection-union), and the classes share
 * the level by norm rank (weighted Bonferroni), as in nc_verify.c, whose
 * test functions are reused. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mgd.h"
#include "nc_featverify.h"
#include "nc_verify.h"

#define NC_FVERIFY_CHUNK 128

typedef struct fpass {
  nc_fverify *v;
  const double *dir;
  uint64_t dim;
  int train;     /* 0: held-out reference rows, 1: training rows */
  uint64_t *cap; /* per class: capacity of v->rows */
  int nomem;
} fpass;

static void score_row(fpass *a, uint64_t row, size_t l, const float *f) {
  nc_fverify *v = a->v;
  const double *u = a->dir + l * a->dim;
  double s = 0;
  for (uint64_t d = 0; d < a->dim; d++)
    s += u[d] * (double)f[d];
  if (!a->train) {
    if (!v->n_ref[l]++ || s > v->cut[l])
      v->cut[l] = s;
    return;
  }
  v->n_train[l]++;
  if (!v->n_ref[l] || !(s > v->cut[l]))
    return;
  if (v->above[l] >= a->cap[l]) {
    uint64_t c = a->cap[l] ? 2 * a->cap[l] : 64;
    uint64_t *b = realloc(v->rows[l], c * sizeof *b);
    if (!b) {
      a->nomem = 1;
      return;
    }
    v->rows[l] = b;
    a->cap[l] = c;
  }
  v->rows[l][v->above[l]++] = row;
}

/* Features of every (used) row of one dataset, scored against its own
 * label's direction. */
static int pass(const nc_problem *pb, const char *name, uint64_t count, const uint8_t *use,
                fpass *a) {
  size_t chw = (size_t)pb->channels * pb->height * pb->width;
  float *x = malloc(NC_FVERIFY_CHUNK * chw * sizeof *x);
  float *f = malloc(NC_FVERIFY_CHUNK * a->dim * sizeof *f);
  int32_t *lab = malloc(NC_FVERIFY_CHUNK * sizeof *lab);
  uint64_t *idx = malloc(NC_FVERIFY_CHUNK * sizeof *idx);
  int rc = x && f && lab && idx ? MG_OK : MG_ERR_NOMEM;
  uint64_t i = 0;
  while (!rc && i < count) {
    /* gather up to a chunk of used rows (reads of runs of rows) */
    size_t n = 0;
    while (!rc && i < count && n < NC_FVERIFY_CHUNK) {
      if (use && !use[i]) {
        i++;
        continue;
      }
      uint64_t run = 1;
      while (i + run < count && n + run < NC_FVERIFY_CHUNK && (!use || use[i + run]))
        run++;
      rc = pb->svc->dataset_read(pb->ctx, name, i, run, x + n * chw, lab + n);
      for (uint64_t r = 0; r < run; r++)
        idx[n + r] = i + r;
      n += (size_t)run;
      i += run;
    }
    if (rc || !n)
      break;
    rc = pb->svc->model_forward(pb->ctx, x, n, NULL, NULL, f);
    for (size_t r = 0; !rc && r < n; r++)
      if (lab[r] >= 0 && (size_t)lab[r] < a->v->k)
        score_row(a, idx[r], (size_t)lab[r], f + r * a->dim);
    if (a->nomem)
      rc = MG_ERR_NOMEM;
  }
  free(x);
  free(f);
  free(lab);
  free(idx);
  return rc;
}

static int alloc(nc_fverify *v, size_t k) {
  memset(v, 0, sizeof *v);
  v->k = k;
  v->n_train = calloc(k, sizeof *v->n_train);
  v->n_ref = calloc(k, sizeof *v->n_ref);
  v->above = calloc(k, sizeof *v->above);
  v->cut = calloc(k, sizeof *v->cut);
  v->p_exceed = calloc(k, sizeof *v->p_exceed);
  v->p_others = calloc(k, sizeof *v->p_others);
  v->p = calloc(k, sizeof *v->p);
  v->weight = calloc(k, sizeof *v->weight);
  v->p_adj = calloc(k, sizeof *v->p_adj);
  v->rows = calloc(k, sizeof *v->rows);
  return v->n_train && v->n_ref && v->above && v->cut && v->p_exceed && v->p_others && v->p &&
                 v->weight && v->p_adj && v->rows
             ? MG_OK
             : MG_ERR_NOMEM;
}

int nc_fverify_run(const nc_problem *pb, const nc_result *res, size_t k, const size_t *order,
                   const uint8_t *heldout, const double *dir, uint64_t dim, nc_fverify *v) {
  const mg_services *svc = pb->svc;
  int rc = alloc(v, k);
  if (rc || k != pb->classes)
    return rc ? rc : MG_ERR_ARGS;
  mg_dataset_info ti = {.struct_size = sizeof ti}, ri = {.struct_size = sizeof ri};
  if (!dir || !dim || svc->dataset_info(pb->ctx, MG_DATASET_TRAIN, &ti) != MG_OK ||
      !ti.has_labels || ti.row_floats != (uint64_t)pb->channels * pb->height * pb->width ||
      !ti.count)
    return MG_OK; /* nothing to verify against */
  if ((rc = svc->dataset_info(pb->ctx, MG_DATASET_REFERENCE, &ri)) || !ri.has_labels)
    return rc;
  fpass a = {.v = v, .dir = dir, .dim = dim, .cap = calloc(k, sizeof(uint64_t))};
  rc = a.cap ? pass(pb, MG_DATASET_REFERENCE, ri.count, heldout, &a) : MG_ERR_NOMEM;
  a.train = 1;
  if (!rc)
    rc = pass(pb, MG_DATASET_TRAIN, ti.count, NULL, &a);
  free(a.cap);
  if (rc)
    return rc;
  nc_verify_classes(k, res, order, v->above, v->n_train, v->n_ref, v->p_exceed, v->p_others, v->p,
                    v->weight, v->p_adj);
  v->available = 1;
  return MG_OK;
}

void nc_fverify_free(nc_fverify *v) {
  for (size_t l = 0; v->rows && l < v->k; l++)
    free(v->rows[l]);
  free(v->rows);
  free(v->n_train);
  free(v->n_ref);
  free(v->above);
  free(v->cut);
  free(v->p_exceed);
  free(v->p_others);
  free(v->p);
  free(v->weight);
  free(v->p_adj);
  free(v->restart_norm);
  free(v->from_restart);
  memset(v, 0, sizeof *v);
}
