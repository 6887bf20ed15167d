/* Per-class linear algebra: means, the d x d second-moment matrix
 * (cblas_ssyrk), its top eigenvector by power iteration (cblas_ssymv) and
 * its top-k eigenpairs (LAPACK ssyevr). The callers keep d x d matrices,
 * never an n x n one. */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "mgds.h"

/* LAPACK's Fortran symbol (OpenBLAS ships it; Debian has no lapacke.h for
 * it). The trailing lengths are gfortran's hidden CHARACTER arguments. */
void ssyevr_(const char *jobz, const char *range, const char *uplo, const int *n, float *a,
             const int *lda, const float *vl, const float *vu, const int *il, const int *iu,
             const float *abstol, int *m, float *w, float *z, const int *ldz, int *isuppz,
             float *work, const int *lwork, int *iwork, const int *liwork, int *info, size_t l1,
             size_t l2, size_t l3);

void mgds_mean(float *x, size_t n, size_t d, int centre, float *mean) {
  double *acc = calloc(d ? d : 1, sizeof *acc);
  if (!acc) { /* fall back to float accumulation rather than fail */
    for (size_t j = 0; j < d; j++) {
      float s = 0;
      for (size_t i = 0; i < n; i++)
        s += x[i * d + j];
      mean[j] = n ? s / (float)n : 0;
    }
  } else {
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < d; j++)
        acc[j] += x[i * d + j];
    for (size_t j = 0; j < d; j++)
      mean[j] = n ? (float)(acc[j] / (double)n) : 0;
    free(acc);
  }
  if (centre)
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < d; j++)
        x[i * d + j] -= mean[j];
}

void mgds_gram(const float *x, size_t n, size_t d, float *c) {
  memset(c, 0, d * d * sizeof *c);
  if (n == 0)
    return;
  cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)n, 1.0f / (float)n, x, (int)d,
              0.0f, c, (int)d);
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < i; j++)
      c[i * d + j] = c[j * d + i];
}

static double normalise(float *v, size_t d) {
  double s = 0;
  for (size_t i = 0; i < d; i++)
    s += (double)v[i] * v[i];
  s = sqrt(s);
  if (s > 0)
    for (size_t i = 0; i < d; i++)
      v[i] = (float)(v[i] / s);
  return s;
}

int mgds_power(const float *c, size_t d, mgd_rng *rng, float *v, double *lambda) {
  /* About 5e8 multiply-adds at most: thousands of iterations for small
   * layers, at least 100 for very wide ones (then reported unconverged). */
  double budget = 5e8 / ((double)d * (double)d);
  const int max_iter = budget > 2000 ? 2000 : budget < 100 ? 100 : (int)budget;
  float *w = malloc(d * sizeof *w);
  if (!w) {
    *lambda = NAN;
    return -1;
  }
  for (size_t i = 0; i < d; i++)
    v[i] = (float)mgd_rng_normal(rng);
  normalise(v, d);
  int it, converged = 0;
  double lam = 0;
  for (it = 1; it <= max_iter; it++) {
    cblas_ssymv(CblasRowMajor, CblasUpper, (int)d, 1.0f, c, (int)d, v, 1, 0.0f, w, 1);
    lam = normalise(w, d);
    if (lam == 0) { /* c is zero: any unit vector is an eigenvector */
      converged = 1;
      break;
    }
    double diff = 0;
    for (size_t i = 0; i < d; i++)
      diff += ((double)w[i] - v[i]) * ((double)w[i] - v[i]);
    memcpy(v, w, d * sizeof *v);
    /* float storage limits the attainable accuracy to about 1e-6 */
    if (diff < 1e-11) {
      converged = 1;
      break;
    }
  }
  /* Rayleigh quotient as the eigenvalue. */
  cblas_ssymv(CblasRowMajor, CblasUpper, (int)d, 1.0f, c, (int)d, v, 1, 0.0f, w, 1);
  double r = 0;
  for (size_t i = 0; i < d; i++)
    r += (double)v[i] * w[i];
  *lambda = lam == 0 ? 0 : r;
  free(w);
  return converged ? it : -it;
}

int mgds_top_eig(const float *c, size_t d, size_t k, float *vals, float *vecs) {
  if (d == 0 || k == 0 || k > d || d > INT_MAX / 26)
    return MG_ERR_ARGS;
  int n = (int)d, il = (int)(d - k + 1), iu = (int)d, m = 0, info = 0, lwork = -1, liwork = -1;
  float vl = 0, vu = 0, abstol = 0, wq = 0;
  int iwq = 0;
  float *a = malloc(d * d * sizeof *a), *w = malloc(d * sizeof *w);
  float *z = malloc(d * k * sizeof *z);
  int *isuppz = malloc(2 * k * sizeof *isuppz);
  float *work = NULL;
  int *iwork = NULL;
  int rc = MG_ERR_NOMEM;
  if (!a || !w || !z || !isuppz)
    goto done;
  memcpy(a, c, d * d * sizeof *a); /* ssyevr destroys its input */
  ssyevr_("V", "I", "U", &n, a, &n, &vl, &vu, &il, &iu, &abstol, &m, w, z, &n, isuppz, &wq, &lwork,
          &iwq, &liwork, &info, 1, 1, 1);
  if (info != 0) {
    rc = MG_ERR_NUMERIC;
    goto done;
  }
  lwork = (int)wq + 1;
  liwork = iwq + 1;
  work = malloc((size_t)lwork * sizeof *work);
  iwork = malloc((size_t)liwork * sizeof *iwork);
  if (!work || !iwork)
    goto done;
  ssyevr_("V", "I", "U", &n, a, &n, &vl, &vu, &il, &iu, &abstol, &m, w, z, &n, isuppz, work, &lwork,
          iwork, &liwork, &info, 1, 1, 1);
  if (info != 0 || m != (int)k) {
    rc = MG_ERR_NUMERIC;
    goto done;
  }
  /* ssyevr returns ascending values, vectors as columns of z (Fortran
   * order): column j is z[j * d ...]. Reverse into descending rows. */
  for (size_t j = 0; j < k; j++) {
    size_t src = k - 1 - j;
    vals[j] = w[src] > 0 ? w[src] : 0; /* round-off can make a PSD value negative */
    memcpy(vecs + j * d, z + src * d, d * sizeof *vecs);
  }
  rc = MG_OK;
done:
  free(a);
  free(w);
  free(z);
  free(isuppz);
  free(work);
  free(iwork);
  return rc;
}
