/* One class's SPECTRE scores (Hayase et al. 2021, section 4): project the
 * centred features on the top-k principal directions (OpenBLAS, LAPACK
 * ssyevr through mgds_top_eig), estimate mean and covariance robustly by
 * trimming the rows with the largest Mahalanobis distance until the kept
 * set is stable (a concentration step as in Rousseeuw's FAST-MCD), whiten
 * with them, and score each row by QUE: w' Q w / tr Q with
 * Q = exp(alpha (S - I) / (||S|| - 1)), S the whitened covariance. The
 * poisoned rows, few but coherent, inflate S along their direction, and
 * QUE weighs that direction most. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "mgds.h"
#include "spectre_que.h"

#define MAX_TRIM_ROUNDS 50

size_t sq_rank_for(const sq_params *p, size_t n, size_t d) {
  size_t k = (size_t)p->k;
  if (k > d)
    k = d;
  if (k > n / 5)
    k = n / 5;
  return k < 2 ? 0 : k;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

double sq_kth_largest(const double *v, size_t n, size_t rank) {
  if (!n || rank < 1)
    return NAN;
  double *s = malloc(n * sizeof *s);
  if (!s)
    return NAN;
  memcpy(s, v, n * sizeof *s);
  qsort(s, n, sizeof *s, cmp_double);
  double r = s[n - (rank > n ? n : rank)];
  free(s);
  return r;
}

void sq_bulk(const double *q, size_t n, double z, double *median, double *mad) {
  unsigned char *keep = malloc(n ? n : 1);
  double *buf = calloc(n ? n : 1, sizeof *buf);
  double med = NAN, s = NAN;
  if (keep && buf)
    memset(keep, 1, n);
  for (int it = 0; keep && buf && it < 100; it++) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
      if (keep[i])
        buf[m++] = q[i];
    med = mgd_median(buf, m);
    s = mgd_mad(buf, m, med);
    if (!(s > 1e-12 * (1 + fabs(med))))
      s = 1e-12 * (1 + fabs(med));
    int changed = 0;
    for (size_t i = 0; i < n; i++)
      if (keep[i] && (q[i] - med) / s > z)
        keep[i] = 0, changed = 1;
    if (!changed)
      break;
  }
  *median = med;
  *mad = s;
  free(keep);
  free(buf);
}

/* The symmetric k x k matrix V diag(f(values)) V' from an eigensystem
 * (vecs: k rows of k floats). */
static void compose(const float *vals, const float *vecs, size_t k, double (*f)(double, void *),
                    void *arg, double *out) {
  memset(out, 0, k * k * sizeof *out);
  for (size_t e = 0; e < k; e++) {
    double g = f(vals[e], arg);
    const float *v = vecs + e * k;
    for (size_t i = 0; i < k; i++)
      for (size_t j = 0; j < k; j++)
        out[i * k + j] += g * v[i] * v[j];
  }
}

static double inv_sqrt(double x, void *arg) {
  (void)arg;
  return 1 / sqrt(x);
}

/* Mean and covariance of the kept rows of z (n x k doubles) and the
 * whitening matrix; MG_ERR_NUMERIC for a singular covariance. */
static int estimate(const double *z, size_t n, size_t k, const unsigned char *keep, double *mu,
                    double *wm, float *cf, float *vals, float *vecs) {
  size_t m = 0;
  memset(mu, 0, k * sizeof *mu);
  for (size_t i = 0; i < n; i++)
    if (keep[i]) {
      m++;
      for (size_t j = 0; j < k; j++)
        mu[j] += z[i * k + j];
    }
  for (size_t j = 0; j < k; j++)
    mu[j] /= (double)m;
  double *c = calloc(k * k, sizeof *c);
  if (!c)
    return MG_ERR_NOMEM;
  for (size_t i = 0; i < n; i++)
    if (keep[i])
      for (size_t a = 0; a < k; a++) {
        double da = z[i * k + a] - mu[a];
        for (size_t b = a; b < k; b++)
          c[a * k + b] += da * (z[i * k + b] - mu[b]);
      }
  for (size_t a = 0; a < k; a++)
    for (size_t b = a; b < k; b++)
      cf[a * k + b] = cf[b * k + a] = (float)(c[a * k + b] / (double)(m - 1));
  free(c);
  int rc = mgds_top_eig(cf, k, k, vals, vecs);
  if (rc)
    return rc;
  if (!(vals[k - 1] > 1e-7 * vals[0]))
    return MG_ERR_NUMERIC;
  compose(vals, vecs, k, inv_sqrt, NULL, wm);
  return MG_OK;
}

/* out = (z - mu) wm, row by row (n x k). */
static void whiten(const double *z, size_t n, size_t k, const double *mu, const double *wm,
                   double *out) {
  for (size_t i = 0; i < n; i++)
    for (size_t a = 0; a < k; a++) {
      double s = 0;
      for (size_t b = 0; b < k; b++)
        s += (z[i * k + b] - mu[b]) * wm[b * k + a];
      out[i * k + a] = s;
    }
}

static double sqnorm(const double *w, size_t k) {
  double s = 0;
  for (size_t j = 0; j < k; j++)
    s += w[j] * w[j];
  return s;
}

/* The concentration steps: keep the ceil((1 - trim) n) rows nearest the
 * current estimate until the kept set no longer changes. */
static int robust_fit(const sq_params *p, const double *z, size_t n, size_t k, double *mu,
                      double *wm, sq_class *out) {
  unsigned char *keep = malloc(n);
  double *w = malloc(n * k * sizeof *w), *dist = malloc(n * sizeof *dist),
         *sorted = malloc(n * sizeof *sorted);
  float *cf = malloc(k * k * sizeof *cf), *vals = malloc(k * sizeof *vals),
        *vecs = malloc(k * k * sizeof *vecs);
  int rc = MG_ERR_NOMEM;
  if (!keep || !w || !dist || !sorted || !cf || !vals || !vecs)
    goto done;
  memset(keep, 1, n);
  size_t h = (size_t)ceil((1 - p->trim) * (double)n);
  if (h < k + 2)
    h = k + 2 <= n ? k + 2 : n;
  out->iterations = 0;
  for (int it = 1; it <= MAX_TRIM_ROUNDS; it++) {
    if ((rc = estimate(z, n, k, keep, mu, wm, cf, vals, vecs)))
      goto done;
    whiten(z, n, k, mu, wm, w);
    for (size_t i = 0; i < n; i++)
      sorted[i] = dist[i] = sqnorm(w + i * k, k);
    qsort(sorted, n, sizeof *sorted, cmp_double);
    double thr = sorted[h - 1];
    int changed = 0;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
      unsigned char nk = dist[i] <= thr;
      changed |= nk != keep[i];
      keep[i] = nk;
      kept += nk;
    }
    out->iterations = it;
    out->trimmed = n - kept;
    if (!changed)
      break;
  }
  /* The last round's estimate is of the final kept set. */
  rc = estimate(z, n, k, keep, mu, wm, cf, vals, vecs);
done:
  free(keep);
  free(w);
  free(dist);
  free(sorted);
  free(cf);
  free(vals);
  free(vecs);
  return rc;
}

typedef struct que_arg {
  double alpha, lambda;
} que_arg;

static double que_weight(double x, void *arg) {
  const que_arg *a = arg;
  return exp(a->alpha * (x - 1) / (a->lambda - 1));
}

/* Q from the whitened training rows: returns ||S||. */
static int que_matrix(const sq_params *p, const double *w, size_t n, size_t k, double *qm,
                      double *lambda) {
  float *s = calloc(k * k, sizeof *s), *vals = malloc(k * sizeof *vals),
        *vecs = malloc(k * k * sizeof *vecs);
  double *acc = calloc(k * k, sizeof *acc);
  int rc = MG_ERR_NOMEM;
  if (!s || !vals || !vecs || !acc)
    goto done;
  for (size_t i = 0; i < n; i++)
    for (size_t a = 0; a < k; a++)
      for (size_t b = a; b < k; b++)
        acc[a * k + b] += w[i * k + a] * w[i * k + b];
  for (size_t a = 0; a < k; a++)
    for (size_t b = a; b < k; b++)
      s[a * k + b] = s[b * k + a] = (float)(acc[a * k + b] / (double)n);
  if ((rc = mgds_top_eig(s, k, k, vals, vecs)))
    goto done;
  *lambda = vals[0];
  if (p->alpha > 0 && vals[0] > 1 + 1e-6) {
    que_arg a = {p->alpha, vals[0]};
    compose(vals, vecs, k, que_weight, &a, qm);
  } else { /* no direction of excess variance: Q = I (Mahalanobis) */
    memset(qm, 0, k * k * sizeof *qm);
    for (size_t a = 0; a < k; a++)
      qm[a * k + a] = 1;
  }
  double tr = 0;
  for (size_t a = 0; a < k; a++)
    tr += qm[a * k + a];
  for (size_t a = 0; a < k * k; a++)
    qm[a] /= tr;
  rc = MG_OK;
done:
  free(s);
  free(vals);
  free(vecs);
  free(acc);
  return rc;
}

static void que_scores(const double *w, size_t n, size_t k, const double *qm, double *q) {
  for (size_t i = 0; i < n; i++) {
    const double *x = w + i * k;
    double s = 0;
    for (size_t a = 0; a < k; a++) {
      double t = 0;
      for (size_t b = 0; b < k; b++)
        t += qm[a * k + b] * x[b];
      s += x[a] * t;
    }
    q[i] = log(s > 1e-300 ? s : 1e-300);
  }
}

/* Top-k principal projection of the centred rows (as doubles). */
static int project(float *x, size_t n, float *xr, size_t nr, size_t d, size_t k, double *z,
                   double *zr) {
  float *mean = malloc(d * sizeof *mean), *c = malloc(d * d * sizeof *c);
  float *vals = malloc(k * sizeof *vals), *pv = malloc(k * d * sizeof *pv);
  float *buf = malloc(((n > nr ? n : nr) + 1) * k * sizeof *buf);
  int rc = MG_ERR_NOMEM;
  if (!mean || !c || !vals || !pv || !buf)
    goto done;
  mgds_mean(x, n, d, 1, mean);
  for (size_t i = 0; i < nr; i++)
    for (size_t j = 0; j < d; j++)
      xr[i * d + j] -= mean[j];
  mgds_gram(x, n, d, c);
  if ((rc = mgds_top_eig(c, d, k, vals, pv)))
    goto done;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)k, (int)d, 1.0f, x, (int)d, pv,
              (int)d, 0.0f, buf, (int)k);
  for (size_t i = 0; i < n * k; i++)
    z[i] = buf[i];
  if (nr) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nr, (int)k, (int)d, 1.0f, xr, (int)d,
                pv, (int)d, 0.0f, buf, (int)k);
    for (size_t i = 0; i < nr * k; i++)
      zr[i] = buf[i];
  }
  rc = MG_OK;
done:
  free(mean);
  free(c);
  free(vals);
  free(pv);
  free(buf);
  return rc;
}

int sq_scores(const sq_params *p, float *x, size_t n, float *xr, size_t nr, size_t d, size_t k,
              double *q, double *qr, sq_class *out) {
  memset(out, 0, sizeof *out);
  double *z = malloc(n * k * sizeof *z), *zr = malloc((nr + 1) * k * sizeof *zr);
  double *w = malloc(n * k * sizeof *w), *wr = malloc((nr + 1) * k * sizeof *wr);
  double *mu = malloc(k * sizeof *mu), *wm = malloc(k * k * sizeof *wm),
         *qm = malloc(k * k * sizeof *qm);
  int rc = MG_ERR_NOMEM;
  if (!z || !zr || !w || !wr || !mu || !wm || !qm)
    goto done;
  if ((rc = project(x, n, xr, nr, d, k, z, zr)))
    goto done;
  if ((rc = robust_fit(p, z, n, k, mu, wm, out)))
    goto done;
  whiten(z, n, k, mu, wm, w);
  whiten(zr, nr, k, mu, wm, wr);
  if ((rc = que_matrix(p, w, n, k, qm, &out->lambda)))
    goto done;
  que_scores(w, n, k, qm, q);
  que_scores(wr, nr, k, qm, qr);
  rc = MG_OK;
done:
  free(z);
  free(zr);
  free(w);
  free(wr);
  free(mu);
  free(wm);
  free(qm);
  return rc;
}
