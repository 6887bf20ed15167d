/* The class-agnostic view of spectre's per-class verdicts: an all-to-all
 * attack (label y -> pi(y)) poisons a few rows of every class, each class
 * too mildly to stand out, and leaves no class for the cross-class test to
 * single out. Pooled over the classes, the rows beyond each class's
 * reference cut are many more than the reference sets allow (an exact test
 * on the sum of the per-class beta-binomial laws); and the flagged rows of
 * each class sit nearest to the clean rows of one other class (cosine
 * k-NN among the reference rows of the other labels), the source of the
 * mapping. */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hyptest.h"
#include "knn.h"
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

/* Neighbours per flagged row for the mapping. */
#define SP_MAP_K 10

/* The reference rows normalised for cosine k-NN (knn.c) and their labels. */
static int clean_pool(const mgds_set *s, float **pool, int32_t **labels, float *mean) {
  size_t d = (size_t)s->dim, m = (size_t)s->n_ref;
  *pool = malloc((m ? m : 1) * d * sizeof **pool);
  *labels = mgds_labels(s, 1);
  if (!*pool || !*labels)
    return MG_ERR_NOMEM;
  memcpy(*pool, s->ref, m * d * sizeof **pool);
  mgds_mean(*pool, m, d, 0, mean);
  knn_normalise(*pool, m, d, mean);
  return MG_OK;
}

/* The most common label among the nearest foreign clean rows of class c's
 * flagged rows. */
static int source_of(const mgds_set *s, const mgds_result *x, int32_t c, const float *pool,
                     const int32_t *labels, const float *mean, int32_t *source, double *share) {
  size_t d = (size_t)s->dim, n = x->side.n_flag, k = s->n_labels;
  const mgds_class *cl = &s->classes[c];
  float *q = malloc((n ? n : 1) * d * sizeof *q);
  knn_vote_t *v = malloc((n ? n : 1) * sizeof *v);
  uint64_t *tally = calloc(k, sizeof *tally);
  int rc = MG_ERR_NOMEM;
  if (!q || !v || !tally)
    goto done;
  size_t j = 0;
  for (size_t i = 0; i < cl->n; i++)
    if (x->side.flag[i])
      memcpy(q + d * j++, s->train + cl->rows[i] * d, d * sizeof *q);
  knn_normalise(q, n, d, mean);
  if (knn_vote(q, n, pool, labels, (size_t)s->n_ref, d, SP_MAP_K, (uint32_t)k, 0, c, v)) {
    rc = MG_OK; /* too few foreign reference rows: no source named */
    goto done;
  }
  for (size_t i = 0; i < n; i++)
    tally[v[i].top]++;
  size_t top = 0;
  for (size_t o = 1; o < k; o++)
    if (tally[o] > tally[top])
      top = o;
  *source = (int32_t)top;
  *share = (double)tally[top] / (double)n;
  rc = MG_OK;
done:
  free(q);
  free(v);
  free(tally);
  return rc;
}

int sp_mapping(const mgds_set *s, const mgds_result *res, int32_t *source, double *share) {
  size_t k = s->n_labels;
  float *pool = NULL, *mean = malloc((size_t)s->dim * sizeof *mean);
  int32_t *labels = NULL;
  int rc = mean ? clean_pool(s, &pool, &labels, mean) : MG_ERR_NOMEM;
  for (size_t c = 0; c < k; c++) {
    source[c] = -1;
    share[c] = 0;
    if (!rc && sp_contributes(&res[c]))
      rc = source_of(s, &res[c], (int32_t)c, pool, labels, mean, &source[c], &share[c]);
  }
  free(pool);
  free(labels);
  free(mean);
  return rc;
}
