/* STRIP's reference side: rows read in chunks, clean predictions, the
 * pool of reference overlays, and the entropy threshold calibrated at the
 * target false-rejection rate (with its held-out check). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hyptest.h"
#include "mgd.h"
#include "strip_run.h"

/* ---- reading rows */

int strip_chunk_rows(size_t row_floats) {
  size_t fit = SCAN_CHUNK_BYTES / (row_floats * sizeof(float));
  return fit < 1 ? 1 : fit > SCAN_CHUNK_ROWS ? SCAN_CHUNK_ROWS : (int)fit;
}

/* Rows rows[0..m) (sorted) of a dataset into x, coalescing contiguous runs;
 * labels NULL for a set without labels (asking for them is an error). */
int strip_read_rows(strip_run *r, const char *name, const uint64_t *rows, size_t m, size_t rf,
                    float *x, int32_t *labels) {
  for (size_t i = 0; i < m;) {
    size_t j = i + 1;
    while (j < m && rows[j] == rows[j - 1] + 1)
      j++;
    int rc =
        r->svc->dataset_read(r->ctx, name, rows[i], j - i, x + i * rf, labels ? labels + i : NULL);
    if (rc)
      return rc;
    i = j;
  }
  return MG_OK;
}

int strip_cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Clean predictions of n rows, in forward batches. */
int strip_predict(strip_run *r, const float *x, size_t n, int32_t *pred) {
  size_t rf = r->mi.input_floats, b = (size_t)strip_chunk_rows(rf);
  if (b > FORWARD_ROWS)
    b = FORWARD_ROWS;
  float *logits = malloc(b * r->k * sizeof *logits);
  if (!logits)
    return MG_ERR_NOMEM;
  int rc = MG_OK;
  for (size_t i = 0; i < n && !rc; i += b) {
    size_t m = n - i < b ? n - i : b;
    rc = r->svc->model_forward(r->ctx, x + i * rf, m, logits, NULL, NULL);
    for (size_t j = 0; !rc && j < m; j++) {
      const float *row = logits + j * r->k;
      size_t best = 0;
      for (size_t c = 1; c < r->k; c++)
        if (row[c] > row[best])
          best = c;
      pred[i + j] = (int32_t)best;
    }
  }
  free(logits);
  return rc;
}

/* ---- calibration on the reference set */

int strip_load_pool(strip_run *r, const mg_dataset_info *ri) {
  size_t rf = r->mi.input_floats;
  uint64_t cap = POOL_BYTES / (rf * sizeof(float));
  uint64_t n = ri->count;
  if (n > r->cfg.pool_max)
    n = r->cfg.pool_max;
  if (n > cap)
    n = cap;
  if (n < 20) {
    r->svc->log(r->ctx, MG_LOG_ERROR,
                "strip: the reference set has %llu usable rows; calibrating a false-rejection "
                "rate needs at least 20",
                (unsigned long long)n);
    return MG_ERR_LIMIT;
  }
  r->pool_n = (size_t)n;
  r->pool_rows = malloc(ri->count * sizeof *r->pool_rows);
  r->pool = malloc(r->pool_n * rf * sizeof *r->pool);
  r->pool_labels = malloc(r->pool_n * sizeof *r->pool_labels);
  r->pool_pred = malloc(r->pool_n * sizeof *r->pool_pred);
  r->ref_h = malloc(r->pool_n * sizeof *r->ref_h);
  if (!r->pool_rows || !r->pool || !r->pool_labels || !r->pool_pred || !r->ref_h)
    return MG_ERR_NOMEM;
  for (uint64_t i = 0; i < ri->count; i++)
    r->pool_rows[i] = i;
  if (r->pool_n < ri->count) { /* a seeded random subset, read in order */
    mgd_rng g;
    mgd_rng_seed(&g, r->svc->seed(r->ctx), "strip-pool");
    mgd_rng_shuffle(&g, r->pool_rows, (size_t)ri->count);
    qsort(r->pool_rows, r->pool_n, sizeof *r->pool_rows, strip_cmp_u64);
  }
  int rc = strip_read_rows(r, MG_DATASET_REFERENCE, r->pool_rows, r->pool_n, rf, r->pool,
                           ri->has_labels ? r->pool_labels : NULL);
  r->ref_has_labels = ri->has_labels;
  for (size_t i = 0; !rc && i < r->pool_n; i++)
    if (!ri->has_labels || r->pool_labels[i] < 0 || (size_t)r->pool_labels[i] >= r->k)
      r->pool_labels[i] = -1;
  return rc ? rc : strip_predict(r, r->pool, r->pool_n, r->pool_pred);
}

int strip_hist_bin(const strip_run *r, double h) {
  int b = (int)(h / r->hist_hi * HIST_BINS);
  return b < 0 ? 0 : b >= HIST_BINS ? HIST_BINS - 1 : b;
}

/* Fraction of v[idx[...]] strictly below t. */
static double frac_below(const double *v, const size_t *idx, size_t n, double t) {
  size_t below = 0;
  for (size_t i = 0; i < n; i++)
    below += v[idx[i]] < t;
  return n ? (double)below / (double)n : NAN;
}

static double gather_quantile(const double *v, const size_t *idx, size_t n, double q, double *mu,
                              double *sd) {
  *mu = *sd = NAN;
  double *tmp = malloc((n ? n : 1) * sizeof *tmp);
  if (!tmp)
    return NAN;
  for (size_t i = 0; i < n; i++)
    tmp[i] = v[idx[i]];
  double t = mgd_quantile(tmp, n, q);
  *mu = mgd_mean(tmp, n);
  *sd = mgd_stddev(tmp, n, *mu);
  free(tmp);
  return t;
}

/* Thresholds from all calibration rows; the false-rejection rate of each
 * rule measured honestly by cross-fitting: the threshold fitted on one half
 * is applied to the other half, and the two halves swap. */
static int calibrate(strip_run *r) {
  size_t n = r->pool_n;
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
  mgd_rng_seed(&g, r->svc->seed(r->ctx), "strip-halves");
  mgd_rng_shuffle(&g, perm, n);
  for (size_t i = 0; i < n; i++)
    idx[i] = (size_t)perm[i];
  free(perm);
  double z = ht_norm_quantile(r->cfg.frr);
  calib *c = &r->cal;
  c->t = gather_quantile(r->ref_h, idx, n, r->cfg.frr, &c->mu, &c->sd);
  c->t_gauss = c->mu + z * c->sd;
  c->frr_in = frac_below(r->ref_h, idx, n, c->t);
  size_t h1 = n / 2, h2 = n - h1;
  double mu1, sd1, mu2, sd2;
  double t1 = gather_quantile(r->ref_h, idx, h1, r->cfg.frr, &mu1, &sd1);
  double t2 = gather_quantile(r->ref_h, idx + h1, h2, r->cfg.frr, &mu2, &sd2);
  double k_emp = frac_below(r->ref_h, idx + h1, h2, t1) * (double)h2 +
                 frac_below(r->ref_h, idx, h1, t2) * (double)h1;
  double k_gau = frac_below(r->ref_h, idx + h1, h2, mu1 + z * sd1) * (double)h2 +
                 frac_below(r->ref_h, idx, h1, mu2 + z * sd2) * (double)h1;
  free(idx);
  c->frr_heldout = k_emp / (double)n;
  c->frr_heldout_gauss = k_gau / (double)n;
  /* Wilson score upper bound, one-sided 95%. */
  double p = c->frr_heldout, zz = 1.6448536269514722, nn = (double)n;
  c->frr_heldout_upper =
      (p + zz * zz / (2 * nn) + zz * sqrt(p * (1 - p) / nn + zz * zz / (4 * nn * nn))) /
      (1 + zz * zz / nn);
  if (!isfinite(c->t) || !isfinite(c->t_gauss))
    return MG_ERR_NUMERIC;
  return MG_OK;
}

int strip_run_calibration(strip_run *r) {
  size_t *self = malloc(r->pool_n * sizeof *self);
  if (!self)
    return MG_ERR_NOMEM;
  for (size_t i = 0; i < r->pool_n; i++)
    self[i] = i;
  int rc = MG_OK;
  size_t step = (size_t)strip_chunk_rows(r->mi.input_floats);
  for (size_t i = 0; i < r->pool_n && !rc; i += step) {
    size_t m = r->pool_n - i < step ? r->pool_n - i : step;
    rc = strip_engine_run(&r->eng, r->pool + i * r->mi.input_floats, m, r->pool_rows + i, self + i,
                          "strip-reference", NULL, r->ref_h + i, NULL);
    r->svc->progress(r->ctx, "strip: calibrating on the reference set", i + m, r->pool_n);
  }
  free(self);
  if (!rc)
    rc = calibrate(r);
  for (size_t i = 0; !rc && i < r->pool_n; i++)
    r->hist_ref[strip_hist_bin(r, r->ref_h[i])]++;
  return rc;
}
