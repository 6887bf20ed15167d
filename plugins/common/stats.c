/* Robust and plain statistics over double arrays. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mgd.h"

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double *sorted_copy(const double *v, size_t n) {
  double *c = malloc((n ? n : 1) * sizeof *c);
  if (c) {
    memcpy(c, v, n * sizeof *c);
    qsort(c, n, sizeof *c, cmp_double);
  }
  return c;
}

double mgd_quantile(const double *v, size_t n, double q) {
  if (!n)
    return NAN;
  double *c = sorted_copy(v, n);
  if (!c)
    return NAN;
  q = q < 0 ? 0 : q > 1 ? 1 : q;
  double pos = q * (double)(n - 1);
  size_t lo = (size_t)pos;
  double frac = pos - (double)lo, r = c[lo];
  if (lo + 1 < n)
    r += frac * (c[lo + 1] - c[lo]);
  free(c);
  return r;
}

double mgd_median(const double *v, size_t n) {
  return mgd_quantile(v, n, 0.5);
}

double mgd_mad(const double *v, size_t n, double median) {
  if (!n)
    return NAN;
  double *dev = malloc(n * sizeof *dev);
  if (!dev)
    return NAN;
  for (size_t i = 0; i < n; i++)
    dev[i] = fabs(v[i] - median);
  double m = mgd_median(dev, n);
  free(dev);
  return 1.4826 * m;
}

void mgd_robust_z(const double *v, size_t n, double floor_sigma, double *z) {
  double med = mgd_median(v, n);
  double mad = mgd_mad(v, n, med);
  if (!(mad > floor_sigma))
    mad = floor_sigma > 0 ? floor_sigma : 1e-12;
  for (size_t i = 0; i < n; i++)
    z[i] = (v[i] - med) / mad;
}

double mgd_mean(const double *v, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += v[i];
  return n ? s / (double)n : NAN;
}

double mgd_stddev(const double *v, size_t n, double mean) {
  if (n < 2)
    return 0;
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += (v[i] - mean) * (v[i] - mean);
  return sqrt(s / (double)(n - 1));
}
