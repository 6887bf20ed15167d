/* The statistics behind the data-side verdicts: an exact 1-D two-means
 * split and its Gaussian null, robust flagging of one side of a split with
 * the reference set judged by the same cut, the binomial tail of that
 * judgement, and cross-class robust z-scores with Monte-Carlo family-wise
 * p-values. */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mgds.h"

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int mgds_split_1d(const double *q, size_t n, mgds_split *out) {
  memset(out, 0, sizeof *out);
  if (n < 4)
    return MG_ERR_ARGS;
  double *s = malloc(n * sizeof *s);
  if (!s)
    return MG_ERR_NOMEM;
  memcpy(s, q, n * sizeof *s);
  qsort(s, n, sizeof *s, cmp_double);
  /* Shift by the median so the running sums of squares stay accurate. */
  double mid = s[n / 2], tot = 0, tot2 = 0;
  for (size_t i = 0; i < n; i++) {
    tot += s[i] - mid;
    tot2 += (s[i] - mid) * (s[i] - mid);
  }
  double best = INFINITY, c1 = 0, c2 = 0, bm1 = 0, bm2 = 0;
  size_t bk = 0;
  for (size_t k = 1; k < n; k++) { /* low group = the k smallest */
    c1 += s[k - 1] - mid;
    c2 += (s[k - 1] - mid) * (s[k - 1] - mid);
    if (k < 2 || n - k < 2)
      continue;
    double m1 = c1 / (double)k, m2 = (tot - c1) / (double)(n - k);
    double w = (c2 - (double)k * m1 * m1) + ((tot2 - c2) - (double)(n - k) * m2 * m2);
    if (w < best) {
      best = w;
      bk = k;
      bm1 = m1;
      bm2 = m2;
    }
  }
  double sd = sqrt((best > 0 ? best : 0) / (double)(n - 2));
  out->threshold = (s[bk - 1] + s[bk]) / 2;
  out->d = sd > 0 ? (bm2 - bm1) / sd : INFINITY;
  out->n_low = bk;
  out->n_high = n - bk;
  free(s);
  return MG_OK;
}

int mgds_split_null(size_t n, int reps, mgd_rng *rng, double *mean, double *sd) {
  /* D's distribution depends only on n, and barely beyond a few thousand. */
  size_t m = n > 20000 ? 20000 : n;
  double *x = malloc((m ? m : 1) * sizeof *x), *d = malloc((size_t)reps * sizeof *d);
  if (!x || !d || reps < 2 || m < 4) {
    free(x);
    free(d);
    *mean = *sd = NAN;
    return reps < 2 || m < 4 ? MG_ERR_ARGS : MG_ERR_NOMEM;
  }
  int rc = MG_OK;
  for (int r = 0; r < reps && !rc; r++) {
    for (size_t i = 0; i < m; i++)
      x[i] = mgd_rng_normal(rng);
    mgds_split s;
    rc = mgds_split_1d(x, m, &s);
    d[r] = s.d;
  }
  *mean = mgd_mean(d, (size_t)reps);
  *sd = mgd_stddev(d, (size_t)reps, *mean);
  free(x);
  free(d);
  return rc;
}

/* Median and MAD of the values q[i] with keep[i] set (buf: n doubles). */
static void bulk_stats(const double *q, size_t n, const unsigned char *keep, double *buf,
                       double *med, double *mad) {
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (keep[i])
      buf[m++] = q[i];
  *med = mgd_median(buf, m);
  *mad = mgd_mad(buf, m, *med);
  /* A bulk of identical values: anything off it is far, but finitely so. */
  double floor = 1e-9 * (1 + fabs(*med));
  if (!(*mad > floor))
    *mad = floor;
}

int mgds_side_eval(const double *q, size_t n, const double *qref, size_t nref,
                   const unsigned char *bulk0, int sign, double z_row, mgds_side *out) {
  memset(out, 0, sizeof *out);
  out->sign = sign;
  out->p_ref = NAN;
  unsigned char *bulk = malloc(n ? n : 1);
  double *buf = calloc(n ? n : 1, sizeof *buf);
  out->flag = malloc(n ? n : 1);
  if (!bulk || !buf || !out->flag) {
    free(bulk);
    free(buf);
    return MG_ERR_NOMEM;
  }
  memcpy(bulk, bulk0, n);
  double med = 0, mad = 1;
  /* Trim the bulk of the rows it rejects until it is stable: the first
   * split may leave part of the other group inside it. Rows are never
   * added back, so a group the split set apart cannot be absorbed by the
   * widening spread of a bulk that swallowed it. */
  for (int it = 0; it < 100; it++) {
    bulk_stats(q, n, bulk, buf, &med, &mad);
    int changed = 0;
    for (size_t i = 0; i < n; i++)
      if (bulk[i] && sign * (q[i] - med) / mad > z_row) {
        bulk[i] = 0;
        changed = 1;
      }
    if (!changed)
      break;
  }
  for (size_t i = 0; i < n; i++) {
    out->flag[i] = sign * (q[i] - med) / mad > z_row;
    out->n_flag += out->flag[i];
  }
  out->median = med;
  out->mad = mad;
  for (size_t i = 0; i < nref; i++)
    out->ref_flag += sign * (qref[i] - med) / mad > z_row;
  /* Fisher's exact test, one-sided: are the reference rows less often
   * beyond the cut than the training rows? (Both fractions are samples.) */
  if (nref)
    out->p_ref = mgds_hyper_cdf(out->ref_flag, n + nref, out->n_flag + out->ref_flag, nref);
  free(bulk);
  free(buf);
  return MG_OK;
}

void mgds_side_free(mgds_side *s) {
  free(s->flag);
  s->flag = NULL;
}

static double lchoose(double n, double k) {
  return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
}

/* Sums exp(t[0..n)) in log space; returns the log of the sum. */
static double log_sum(const double *t, size_t n) {
  double mx = -INFINITY, s = 0;
  for (size_t j = 0; j < n; j++)
    if (t[j] > mx)
      mx = t[j];
  for (size_t j = 0; j < n; j++)
    s += exp(t[j] - mx);
  return mx + log(s);
}

static double clamp_p(double r) {
  return r > 1 ? 1 : r < DBL_MIN ? DBL_MIN : r;
}

double mgds_binom_cdf(uint64_t k, uint64_t m, double p) {
  if (k >= m || p <= 0)
    return 1.0;
  if (p >= 1)
    return 0.0;
  double lp = log(p), lq = log1p(-p);
  double *t = malloc(((size_t)k + 1) * sizeof *t);
  if (!t)
    return NAN;
  for (uint64_t j = 0; j <= k; j++)
    t[j] = lchoose((double)m, (double)j) + (double)j * lp + (double)(m - j) * lq;
  double r = exp(log_sum(t, (size_t)k + 1));
  free(t);
  return clamp_p(r);
}

double mgds_hyper_cdf(uint64_t k, uint64_t n_total, uint64_t n_succ, uint64_t draws) {
  if (n_succ > n_total || draws > n_total)
    return NAN;
  uint64_t lo = draws > n_total - n_succ ? draws - (n_total - n_succ) : 0;
  uint64_t hi = draws < n_succ ? draws : n_succ;
  if (k >= hi)
    return 1.0;
  if (k < lo)
    return 0.0;
  double *t = malloc(((size_t)(k - lo) + 1) * sizeof *t);
  if (!t)
    return NAN;
  double all = lchoose((double)n_total, (double)draws);
  for (uint64_t j = lo; j <= k; j++)
    t[j - lo] = lchoose((double)n_succ, (double)j) +
                lchoose((double)(n_total - n_succ), (double)(draws - j)) - all;
  double r = exp(log_sum(t, (size_t)(k - lo) + 1));
  free(t);
  return clamp_p(r);
}

/* Median and MAD-scaled z of v[c] against the other values (scratch: k). */
static double loo_one(const double *v, size_t k, size_t c, double *scratch) {
  size_t m = 0;
  for (size_t i = 0; i < k; i++)
    if (i != c && isfinite(v[i]))
      scratch[m++] = v[i];
  if (m < 2 || !isfinite(v[c]))
    return NAN;
  qsort(scratch, m, sizeof *scratch, cmp_double);
  double med = m % 2 ? scratch[m / 2] : (scratch[m / 2 - 1] + scratch[m / 2]) / 2;
  for (size_t i = 0; i < m; i++)
    scratch[i] = fabs(scratch[i] - med);
  qsort(scratch, m, sizeof *scratch, cmp_double);
  double mad = 1.4826 * (m % 2 ? scratch[m / 2] : (scratch[m / 2 - 1] + scratch[m / 2]) / 2);
  double floor = 1e-9 * (1 + fabs(med));
  return (v[c] - med) / (mad > floor ? mad : floor);
}

void mgds_loo_z(const double *v, size_t k, double *z) {
  double *scratch = malloc((k ? k : 1) * sizeof *scratch);
  for (size_t c = 0; c < k; c++)
    z[c] = scratch ? loo_one(v, k, c, scratch) : NAN;
  free(scratch);
}

int mgds_familywise_p(const double *z, size_t k, uint64_t seed, const char *stream, double *p) {
  size_t valid = 0;
  for (size_t c = 0; c < k; c++)
    valid += isfinite(z[c]) != 0;
  for (size_t c = 0; c < k; c++)
    p[c] = NAN;
  if (valid < 3)
    return MG_OK;
  /* The null: `valid` classes whose statistics are i.i.d. normal. The
   * leave-one-out MAD of few values is noisy, so the largest z of ten
   * clean classes often exceeds 5; this calibrates it for this k. */
  const int reps = valid <= 100 ? 2000 : valid <= 300 ? 300 : 100;
  double *x = malloc(valid * sizeof *x), *zz = malloc(valid * sizeof *zz);
  double *mx = malloc((size_t)reps * sizeof *mx);
  if (!x || !zz || !mx) {
    free(x);
    free(zz);
    free(mx);
    return MG_ERR_NOMEM;
  }
  mgd_rng rng;
  mgd_rng_seed(&rng, seed, stream);
  for (int r = 0; r < reps; r++) {
    for (size_t i = 0; i < valid; i++)
      x[i] = mgd_rng_normal(&rng);
    mgds_loo_z(x, valid, zz);
    double m = -INFINITY;
    for (size_t i = 0; i < valid; i++)
      if (zz[i] > m)
        m = zz[i];
    mx[r] = m;
  }
  for (size_t c = 0; c < k; c++) {
    if (!isfinite(z[c]))
      continue;
    size_t ge = 0;
    for (int r = 0; r < reps; r++)
      ge += mx[r] >= z[c];
    p[c] = (double)(ge + 1) / (double)(reps + 1);
  }
  free(x);
  free(zz);
  free(mx);
  return MG_OK;
}
