/* The class-agnostic view of spectre's per-class verdicts: an all-to-all
 * attack (label y -> pi(y)) poisons a few rows of every class, each class
 * too mildly to stand out, and leaves no class for the cross-class test to
 * single out. Pooled over the classes, the rows beyond each class's
 * reference cut are many more than the reference sets allow (an exact test
 * on the sum of the per-class beta-binomial laws); and the flagged rows of
 * each class look most like one other clean class, the source of the
 * mapping. */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hyptest.h"
#include "spectre_pool.h"

int sp_pooled(const mgds_result *res, const size_t *rank, size_t k, sp_pool *out) {
  memset(out, 0, sizeof *out);
  out->p = 1;
  uint64_t *n = calloc(k ? k : 1, sizeof *n);
  double *a = calloc(k ? k : 1, sizeof *a), *b = calloc(k ? k : 1, sizeof *b);
  int rc = MG_ERR_NOMEM;
  if (!n || !a || !b)
    goto done;
  size_t m = 0;
  for (size_t c = 0; c < k; c++) {
    const mgds_result *x = &res[c];
    if (!x->analysed || !x->n_ref || !rank[c])
      continue;
    n[m] = x->n;
    a[m] = (double)rank[c];
    b[m] = (double)(x->n_ref - rank[c] + 1);
    m++;
    out->flagged += x->side.n_flag;
    out->rows += x->n;
    out->ref_flagged += x->side.ref_flag;
    out->ref_rows += x->n_ref;
    out->classes_tested++;
    if (x->side.n_flag >= MGDS_MIN_FLAGGED && x->side.p_ref <= SP_POOL_CLASS_P)
      out->contributing++;
  }
  rc = MG_OK;
  if (m >= 2 && ht_betabinom_sum_sf(n, a, b, m, out->flagged, &out->p))
    rc = MG_ERR_NOMEM;
done:
  free(n);
  free(a);
  free(b);
  return rc;
}

int sp_contributes(const mgds_result *x) {
  return x->analysed && x->side.n_flag >= MGDS_MIN_FLAGGED && x->side.p_ref <= SP_POOL_CLASS_P;
}

/* Clean centroids: the reference rows' mean per label (NaN-free: a label
 * without reference rows gets no centroid). */
static int centroids(const mgds_set *s, double *cen, unsigned char *have) {
  size_t d = (size_t)s->dim;
  for (uint32_t c = 0; c < s->n_labels; c++) {
    const mgds_class *cl = &s->classes[c];
    have[c] = cl->n_ref > 0;
    for (size_t j = 0; j < d; j++) {
      double t = 0;
      for (size_t i = 0; i < cl->n_ref; i++)
        t += s->ref[cl->refrow[i] * d + j];
      cen[c * d + j] = cl->n_ref ? t / (double)cl->n_ref : 0;
    }
  }
  return MG_OK;
}

int sp_mapping(const mgds_set *s, const mgds_result *res, int32_t *source, double *share) {
  size_t k = s->n_labels, d = (size_t)s->dim;
  double *cen = malloc(k * d * sizeof *cen);
  unsigned char *have = malloc(k);
  uint64_t *votes = malloc(k * sizeof *votes);
  if (!cen || !have || !votes) {
    free(cen);
    free(have);
    free(votes);
    return MG_ERR_NOMEM;
  }
  centroids(s, cen, have);
  for (size_t c = 0; c < k; c++) {
    source[c] = -1;
    share[c] = 0;
    const mgds_result *x = &res[c];
    if (!sp_contributes(x))
      continue;
    memset(votes, 0, k * sizeof *votes);
    const mgds_class *cl = &s->classes[c];
    for (size_t i = 0; i < cl->n; i++) {
      if (!x->side.flag[i])
        continue;
      const float *row = s->train + cl->rows[i] * d;
      double best = INFINITY;
      size_t arg = k;
      for (size_t o = 0; o < k; o++) {
        if (o == c || !have[o])
          continue;
        double dist = 0;
        for (size_t j = 0; j < d; j++) {
          double t = row[j] - cen[o * d + j];
          dist += t * t;
        }
        if (dist < best)
          best = dist, arg = o;
      }
      if (arg < k)
        votes[arg]++;
    }
    size_t top = 0;
    for (size_t o = 1; o < k; o++)
      if (votes[o] > votes[top])
        top = o;
    if (votes[top]) {
      source[c] = (int32_t)top;
      share[c] = (double)votes[top] / (double)x->side.n_flag;
    }
  }
  free(cen);
  free(have);
  free(votes);
  return MG_OK;
}
