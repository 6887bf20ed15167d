/* Verification of the reversed triggers on the training set (nc_verify.h).
 *
 * The trigger distance of a row x for class t, with t's reversed mask m
 * and pattern p, is how much stamping the trigger changes x:
 *   d_t(x) = sum_i m_i sum_c |x_ci - p_ci| / (C (hi - lo) sum_i m_i),
 * 0 when x already shows the pattern wherever the mask is, 1 at most.
 *
 * Null hypothesis for class t: its training rows and its held-out clean
 * reference rows (the rows the search never used) are exchangeable, as
 * clean draws of one class are. The trigger was fitted on other rows, so
 * under the null the count X of the n training rows whose distance is
 * below the smallest of the m held-out distances follows
 * BetaBinomial(n, 1, m) exactly, whatever the distances' law. Poisoned
 * rows carry the real trigger; when the reversed one overlaps it they sit
 * below every clean row. A global shift between the training and the
 * reference data would raise every class's count, so the class must also
 * exceed the other classes' pooled rate (one-sided Fisher test); the
 * p-value is the larger of the two (intersection-union test): the exact
 * one alone keeps it valid, the other can only make it more conservative.
 * The same rows' counts under the other classes' triggers are reported
 * beside it.
 *
 * The classes share the level by their rank in the norm ranking (weighted
 * Bonferroni): the ranking comes from the search rows alone, independent
 * of the rows tested, so the family-wise rate stays at most the level. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hyptest.h"
#include "mgd.h"
#include "nc_verify.h"

#define NC_VERIFY_CHUNK 256

double nc_verify_weight(size_t rank, size_t k) {
  if (!k || rank >= k)
    return 0.0;
  if (rank + 1 == k) /* the last rank takes what is left */
    return ldexp(1.0, -(int)(k > 1 ? k - 1 : 0));
  return ldexp(1.0, -(int)(rank + 1));
}

double nc_verify_p(uint64_t below, uint64_t n, uint64_t m, uint64_t below_others, uint64_t n_others,
                   double *p_exceed, double *p_others) {
  double pe = 1.0, po = 1.0;
  if (n && m) {
    pe = ht_betabinom_sf(below, n, 1.0, (double)m);
    po = n_others ? ht_fisher_greater(below, n, below_others, n_others) : 1.0;
  }
  if (p_exceed)
    *p_exceed = pe;
  if (p_others)
    *p_others = po;
  return pe > po ? pe : po;
}

/* Per-class trigger data in a form the distance loop reads quickly. */
typedef struct trig {
  const float *mask, *pattern;
  double scale; /* 1 / (C (hi - lo) sum m), 0 when the mask is empty */
} trig;

static double distance(const nc_problem *pb, const trig *t, const float *x) {
  size_t hw = (size_t)pb->height * pb->width;
  if (!(t->scale > 0))
    return 1.0;
  double s = 0;
  for (size_t c = 0; c < pb->channels; c++) {
    const float *xc = x + c * hw, *pc = t->pattern + c * hw;
    for (size_t i = 0; i < hw; i++)
      s += (double)t->mask[i] * fabs((double)xc[i] - (double)pc[i]);
  }
  return s * t->scale;
}

/* The distance of every row of one dataset to every class's trigger, in
 * chunks; fn gets (row, label, distances[K]). Rows with an unusable label
 * or skipped by `use` (when not NULL) are left out. */
typedef void (*row_fn)(void *user, uint64_t row, size_t label, const double *d);

static int scan(const nc_problem *pb, const char *name, uint64_t count, const trig *tr,
                const uint8_t *use, row_fn fn, void *user) {
  size_t chw = (size_t)pb->channels * pb->height * pb->width, K = pb->classes;
  float *x = malloc(NC_VERIFY_CHUNK * chw * sizeof *x);
  int32_t *lab = malloc(NC_VERIFY_CHUNK * sizeof *lab);
  double *d = malloc(K * sizeof *d);
  int rc = x && lab && d ? MG_OK : MG_ERR_NOMEM;
  for (uint64_t first = 0; !rc && first < count; first += NC_VERIFY_CHUNK) {
    size_t n = count - first < NC_VERIFY_CHUNK ? (size_t)(count - first) : NC_VERIFY_CHUNK;
    if (use) { /* skip chunks with nothing to test */
      size_t any = 0;
      for (size_t r = 0; r < n && !any; r++)
        any = use[first + r];
      if (!any)
        continue;
    }
    rc = pb->svc->dataset_read(pb->ctx, name, first, n, x, lab);
    for (size_t r = 0; !rc && r < n; r++) {
      if (use && !use[first + r])
        continue;
      int32_t l = lab[r];
      if (l < 0 || (size_t)l >= K)
        continue;
      for (size_t u = 0; u < K; u++)
        d[u] = distance(pb, &tr[u], x + r * chw);
      fn(user, first + r, (size_t)l, d);
    }
  }
  free(x);
  free(lab);
  free(d);
  return rc;
}

/* What the passes collect; [t * K + u] = rows of class t, trigger of u. */
typedef struct acc {
  nc_verify *v;
  size_t K;
  double *ref_min;   /* smallest held-out distance */
  uint64_t *cross;   /* training rows below ref_min */
  double **own;      /* per class: held-out distances to its own trigger */
  uint64_t *own_cap; /* capacity of own[t], then of v->rows[t] */
  int nomem;
} acc;

static int grow(void **buf, uint64_t *cap, uint64_t n, size_t size) {
  if (n < *cap)
    return 0;
  uint64_t c = *cap ? 2 * *cap : 64;
  void *b = realloc(*buf, c * size);
  if (!b)
    return -1;
  *buf = b;
  *cap = c;
  return 0;
}

static void ref_row(void *user, uint64_t row, size_t t, const double *d) {
  (void)row;
  acc *a = user;
  for (size_t u = 0; u < a->K; u++)
    if (d[u] < a->ref_min[t * a->K + u])
      a->ref_min[t * a->K + u] = d[u];
  if (grow((void **)&a->own[t], &a->own_cap[t], a->v->n_ref[t], sizeof(double))) {
    a->nomem = 1;
    return;
  }
  a->own[t][a->v->n_ref[t]++] = d[t];
}

static void train_row(void *user, uint64_t row, size_t t, const double *d) {
  acc *a = user;
  nc_verify *v = a->v;
  v->n_train[t]++;
  if (!v->n_ref[t])
    return;
  for (size_t u = 0; u < a->K; u++)
    a->cross[t * a->K + u] += d[u] < a->ref_min[t * a->K + u];
  if (!(d[t] < v->cut[t]))
    return;
  if (grow((void **)&v->rows[t], &a->own_cap[t], v->below[t], sizeof(uint64_t))) {
    a->nomem = 1;
    return;
  }
  v->rows[t][v->below[t]++] = row;
}

static int alloc(nc_verify *v, size_t k) {
  memset(v, 0, sizeof *v);
  v->k = k;
  v->n_train = calloc(k, sizeof *v->n_train);
  v->n_ref = calloc(k, sizeof *v->n_ref);
  v->below = calloc(k, sizeof *v->below);
  v->ref_ties = calloc(k, sizeof *v->ref_ties);
  v->below_controls = calloc(k, sizeof *v->below_controls);
  v->cut = calloc(k, sizeof *v->cut);
  v->ref_median = calloc(k, sizeof *v->ref_median);
  v->p_exceed = calloc(k, sizeof *v->p_exceed);
  v->p_others = calloc(k, sizeof *v->p_others);
  v->p_controls = calloc(k, sizeof *v->p_controls);
  v->p = calloc(k, sizeof *v->p);
  v->weight = calloc(k, sizeof *v->weight);
  v->p_adj = calloc(k, sizeof *v->p_adj);
  v->rows = calloc(k, sizeof *v->rows);
  return v->n_train && v->n_ref && v->below && v->ref_ties && v->below_controls && v->cut &&
                 v->ref_median && v->p_exceed && v->p_others && v->p_controls && v->p &&
                 v->weight && v->p_adj && v->rows
             ? MG_OK
             : MG_ERR_NOMEM;
}

void nc_verify_classes(size_t k, const nc_result *res, const size_t *order, const uint64_t *hits,
                       const uint64_t *n_train, const uint64_t *n_ref, double *p_exceed,
                       double *p_others, double *p, double *weight, double *p_adj) {
  uint64_t all_hits = 0, all_n = 0;
  for (size_t l = 0; l < k; l++)
    if (n_ref[l]) {
      all_hits += hits[l];
      all_n += n_train[l];
    }
  for (size_t j = 0; j < k; j++) {
    size_t l = (size_t)res[order[j]].target;
    uint64_t ho = n_ref[l] ? all_hits - hits[l] : all_hits,
             no = n_ref[l] ? all_n - n_train[l] : all_n;
    double pe, po;
    p[l] = nc_verify_p(hits[l], n_train[l], n_ref[l], ho, no, &pe, &po);
    double w = nc_verify_weight(j, k), q = w > 0 ? p[l] / w : 1.0;
    p_adj[l] = q < 1.0 ? q : 1.0;
    if (p_exceed)
      p_exceed[l] = pe;
    if (p_others)
      p_others[l] = po;
    if (weight)
      weight[l] = w;
  }
}

/* The tests of every class from the counts; order = norm ranking. */
static void decide(nc_verify *v, const nc_result *res, const size_t *order, const acc *a) {
  size_t K = v->k;
  nc_verify_classes(K, res, order, v->below, v->n_train, v->n_ref, v->p_exceed, v->p_others, v->p,
                    v->weight, v->p_adj);
  for (size_t l = 0; l < K; l++) {
    uint64_t bc = 0;
    for (size_t u = 0; u < K; u++)
      bc += u != l ? a->cross[l * K + u] : 0;
    v->below_controls[l] = bc;
    /* the same rows under the other classes' triggers, reported only: a
     * global trigger (noise) moves the rows under every trigger, so it
     * cannot decide */
    v->p_controls[l] = v->n_ref[l] && K > 1 ? ht_fisher_greater(v->below[l], v->n_train[l], bc,
                                                                (K - 1) * v->n_train[l])
                                            : 1.0;
  }
}

int nc_verify_run(const nc_problem *pb, const nc_result *res, size_t k, const size_t *order,
                  const uint8_t *heldout, nc_verify *v) {
  const mg_services *svc = pb->svc;
  int rc = alloc(v, k);
  if (rc || k != pb->classes)
    return rc ? rc : MG_ERR_ARGS;
  mg_dataset_info ti = {.struct_size = sizeof ti}, ri = {.struct_size = sizeof ri};
  if (svc->dataset_info(pb->ctx, MG_DATASET_TRAIN, &ti) != MG_OK || !ti.has_labels ||
      ti.row_floats != (uint64_t)pb->channels * pb->height * pb->width || !ti.count)
    return MG_OK; /* nothing to verify against */
  if ((rc = svc->dataset_info(pb->ctx, MG_DATASET_REFERENCE, &ri)) || !ri.has_labels)
    return rc;
  size_t hw = (size_t)pb->height * pb->width;
  trig *tr = calloc(k, sizeof *tr);
  acc a = {.v = v,
           .K = k,
           .ref_min = malloc(k * k * sizeof(double)),
           .cross = calloc(k * k, sizeof(uint64_t)),
           .own = calloc(k, sizeof(double *)),
           .own_cap = calloc(k, sizeof(uint64_t))};
  if (!tr || !a.ref_min || !a.cross || !a.own || !a.own_cap)
    rc = MG_ERR_NOMEM;
  for (size_t i = 0; !rc && i < k * k; i++)
    a.ref_min[i] = INFINITY;
  for (size_t i = 0; !rc && i < k; i++) {
    int32_t t = res[i].target;
    if (t < 0 || (size_t)t >= k || !res[i].mask || !res[i].pattern)
      continue;
    double msum = 0;
    for (size_t j = 0; j < hw; j++)
      msum += res[i].mask[j];
    tr[t].mask = res[i].mask;
    tr[t].pattern = res[i].pattern;
    tr[t].scale = msum > 0 ? 1.0 / ((double)pb->channels * (pb->hi - pb->lo) * msum) : 0.0;
  }
  for (size_t i = 0; !rc && i < k; i++)
    if (!tr[i].mask)
      rc = MG_ERR_ARGS;
  if (!rc)
    rc = scan(pb, MG_DATASET_REFERENCE, ri.count, tr, heldout, ref_row, &a);
  if (!rc && a.nomem)
    rc = MG_ERR_NOMEM;
  for (size_t l = 0; !rc && l < k; l++) {
    if (!v->n_ref[l])
      continue;
    v->cut[l] = a.ref_min[l * k + l];
    for (uint64_t j = 0; j < v->n_ref[l]; j++)
      v->ref_ties[l] += a.own[l][j] == v->cut[l];
    v->ref_median[l] = mgd_median(a.own[l], (size_t)v->n_ref[l]);
    a.own_cap[l] = 0; /* reused for the rows below the cut */
  }
  if (!rc)
    rc = scan(pb, MG_DATASET_TRAIN, ti.count, tr, NULL, train_row, &a);
  if (!rc && a.nomem)
    rc = MG_ERR_NOMEM;
  if (!rc) {
    decide(v, res, order, &a);
    v->available = 1;
  }
  for (size_t l = 0; a.own && l < k; l++)
    free(a.own[l]);
  free(a.own);
  free(a.own_cap);
  free(a.ref_min);
  free(a.cross);
  free(tr);
  return rc;
}

void nc_verify_free(nc_verify *v) {
  for (size_t l = 0; v->rows && l < v->k; l++)
    free(v->rows[l]);
  free(v->rows);
  free(v->n_train);
  free(v->n_ref);
  free(v->below);
  free(v->ref_ties);
  free(v->cut);
  free(v->ref_median);
  free(v->p_exceed);
  free(v->p_others);
  free(v->p_controls);
  free(v->below_controls);
  free(v->p);
  free(v->weight);
  free(v->p_adj);
  memset(v, 0, sizeof *v);
}
