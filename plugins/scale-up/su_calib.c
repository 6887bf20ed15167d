/* The engine's reference side: a seeded subset of the clean reference rows,
 * their scores, and the per-row threshold at the target false-rejection
 * rate (an order statistic of the clean scores, checked on held-out halves). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgd.h"
#include "su_run.h"

static int cmp_desc(const void *a, const void *b) {
  return -su_score_cmp((const su_score *)a, (const su_score *)b);
}

/* The k-th most consistent of n scores, k = floor(frr * (n + 1)) at least 1:
 * a new clean row scores above it with probability k / (n + 1) <= frr when
 * it is exchangeable with the n (exact, whatever the score's law). */
static su_score upper_order(const su_score *v, const size_t *idx, size_t n, double frr, int *ok) {
  su_score t = {0};
  su_score *tmp = malloc((n ? n : 1) * sizeof *tmp);
  *ok = tmp && n;
  if (!*ok) {
    free(tmp);
    return t;
  }
  for (size_t i = 0; i < n; i++)
    tmp[i] = v[idx[i]];
  qsort(tmp, n, sizeof *tmp, cmp_desc);
  size_t k = (size_t)floor(frr * (double)(n + 1));
  if (k < 1)
    k = 1;
  t = tmp[k - 1];
  free(tmp);
  return t;
}

/* STRIP's rule: the interpolated frr-quantile of n clean losses (a loss-only
 * score without tie-break, so a row is above it exactly when its loss is
 * below the quantile). */
static su_score loss_quantile(const su_score *v, const size_t *idx, size_t n, double frr, int *ok) {
  su_score t = {0};
  double *tmp = malloc((n ? n : 1) * sizeof *tmp);
  *ok = tmp && n;
  if (*ok) {
    for (size_t i = 0; i < n; i++)
      tmp[i] = v[idx[i]].loss;
    t.loss = mgd_quantile(tmp, n, frr);
    *ok = isfinite(t.loss);
  }
  free(tmp);
  return t;
}

/* The method's per-row threshold of the clean scores v[idx[0..n)). */
static su_score threshold_of(const su_run *r, const size_t *idx, size_t n, int *ok) {
  if (r->method->quantile_threshold)
    return loss_quantile(r->ref_s, idx, n, r->cfg.frr, ok);
  return upper_order(r->ref_s, idx, n, r->cfg.frr, ok);
}

static size_t count_above(const su_score *v, const size_t *idx, size_t n, const su_score *t) {
  size_t a = 0;
  for (size_t i = 0; i < n; i++)
    a += su_score_cmp(&v[idx[i]], t) > 0;
  return a;
}

/* The threshold from all calibration rows; its false-rejection rate
 * measured by cross-fitting: fitted on one half, applied to the other (the
 * seeded order of the halves stays in r->halves for the method). */
static int threshold(su_run *r) {
  size_t n = r->ref_n;
  size_t *idx = calloc(n ? n : 1, sizeof *idx);
  uint64_t *perm = malloc(n * sizeof *perm);
  if (!idx || !perm) {
    free(idx);
    free(perm);
    return MG_ERR_NOMEM;
  }
  for (size_t i = 0; i < n; i++)
    perm[i] = i;
  mgd_rng g;
  char stream[64];
  snprintf(stream, sizeof stream, "%s-halves", r->method->name);
  mgd_rng_seed(&g, r->svc->seed(r->ctx), stream);
  mgd_rng_shuffle(&g, perm, n);
  for (size_t i = 0; i < n; i++)
    idx[i] = (size_t)perm[i];
  free(perm);
  r->halves = idx;
  su_calib *c = &r->cal;
  int ok1, ok2, ok3;
  c->t = threshold_of(r, idx, n, &ok1);
  c->frr_in = (double)count_above(r->ref_s, idx, n, &c->t) / (double)n;
  size_t h1 = n / 2, h2 = n - h1;
  su_score t1 = threshold_of(r, idx, h1, &ok2);
  su_score t2 = threshold_of(r, idx + h1, h2, &ok3);
  double k =
      (double)(count_above(r->ref_s, idx + h1, h2, &t1) + count_above(r->ref_s, idx, h1, &t2));
  if (!ok1 || !ok2 || !ok3)
    return r->method->quantile_threshold ? MG_ERR_NUMERIC : MG_ERR_NOMEM;
  double p = k / (double)n, z = 1.6448536269514722, nn = (double)n;
  c->frr_heldout = p;
  c->frr_heldout_upper =
      (p + z * z / (2 * nn) + z * sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn))) /
      (1 + z * z / nn);
  if (r->method->no_kept)
    return MG_OK;
  double *spc = malloc(n * sizeof *spc);
  if (!spc)
    return MG_ERR_NOMEM;
  for (size_t i = 0; i < n; i++) {
    spc[i] = su_spc(&r->ref_s[i], r->cfg.scales);
    c->spc_hist[r->ref_s[i].kept]++;
  }
  c->spc_mean = mgd_mean(spc, n);
  c->spc_sd = mgd_stddev(spc, n, c->spc_mean);
  free(spc);
  return MG_OK;
}

int su_calibrate(su_run *r, const mg_dataset_info *ri) {
  size_t rf = r->mi.input_floats;
  uint64_t n = ri->count, cap = SU_POOL_BYTES / (rf * sizeof(float));
  if (n > r->cfg.pool_max)
    n = r->cfg.pool_max;
  if (n > cap)
    n = cap;
  if (n < 20) {
    r->svc->log(r->ctx, MG_LOG_ERROR,
                "%s: the reference set has %llu usable rows; calibrating a "
                "false-rejection rate needs at least 20",
                r->method->name, (unsigned long long)n);
    return MG_ERR_LIMIT;
  }
  r->ref_n = (size_t)n;
  r->ref_rows = malloc(ri->count * sizeof *r->ref_rows);
  r->ref_labels = malloc(r->ref_n * sizeof *r->ref_labels);
  r->ref_s = malloc(r->ref_n * sizeof *r->ref_s);
  size_t b = su_chunk_rows(r);
  int keep = r->method->keep_reference;
  float *x = keep ? (r->ref_x = malloc(r->ref_n * rf * sizeof *x)) : malloc(b * rf * sizeof *x);
  int rc = r->ref_rows && r->ref_labels && r->ref_s && x ? MG_OK : MG_ERR_NOMEM;
  for (uint64_t i = 0; !rc && i < ri->count; i++)
    r->ref_rows[i] = i;
  if (!rc && r->ref_n < ri->count) { /* a seeded random subset, read in order */
    mgd_rng g;
    char stream[64];
    snprintf(stream, sizeof stream, "%s-pool", r->method->name);
    mgd_rng_seed(&g, r->svc->seed(r->ctx), stream);
    mgd_rng_shuffle(&g, r->ref_rows, (size_t)ri->count);
    qsort(r->ref_rows, r->ref_n, sizeof *r->ref_rows, su_cmp_u64);
  }
  r->ref_has_labels = ri->has_labels;
  if (!rc && keep) { /* every row first: the method's score uses them all */
    rc = su_read_rows(r, MG_DATASET_REFERENCE, r->ref_rows, r->ref_n, x,
                      ri->has_labels ? r->ref_labels : NULL);
    if (!rc && r->method->reference_read)
      rc = r->method->reference_read(r);
  }
  char stream[64], stage[96];
  snprintf(stream, sizeof stream, "%s-reference", r->method->name);
  snprintf(stage, sizeof stage, "%s: calibrating on the reference set", r->method->name);
  for (size_t i = 0; !rc && i < r->ref_n; i += b) {
    size_t m = r->ref_n - i < b ? r->ref_n - i : b;
    float *xi = keep ? x + i * rf : x;
    if (!keep)
      rc = su_read_rows(r, MG_DATASET_REFERENCE, r->ref_rows + i, m, x,
                        ri->has_labels ? r->ref_labels + i : NULL);
    su_rows rows = {.x = xi, .m = m, .ids = r->ref_rows + i, .stream = stream, .ref_first = i};
    if (!rc)
      rc = su_score_rows(r, &rows, r->ref_s + i);
    r->svc->progress(r->ctx, stage, i + m, r->ref_n);
  }
  if (!keep)
    free(x);
  for (size_t i = 0; !rc && i < r->ref_n; i++)
    if (!ri->has_labels || r->ref_labels[i] < 0 || (size_t)r->ref_labels[i] >= r->k)
      r->ref_labels[i] = -1;
  return rc ? rc : threshold(r);
}
