/* Two-means clustering (k-means++ seeding, Lloyd iterations, several
 * restarts) and the silhouette of the result, for activation clustering
 * (Chen et al. 2018). Distances are accumulated in double. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ac_cluster.h"

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static double dist2(const float *a, const double *c, size_t k) {
  double s = 0;
  for (size_t j = 0; j < k; j++) {
    double t = (double)a[j] - c[j];
    s += t * t;
  }
  return s;
}

/* Lloyd's algorithm from the centroids in cent; returns the inertia. */
static double lloyd(const float *x, size_t n, size_t k, unsigned char *assign, double *cent,
                    double *sum) {
  double inertia = 0;
  for (int it = 0; it < 300; it++) {
    int changed = it == 0;
    size_t cnt[2] = {0, 0};
    memset(sum, 0, 2 * k * sizeof *sum);
    inertia = 0;
    for (size_t i = 0; i < n; i++) {
      const float *r = x + i * k;
      double d0 = dist2(r, cent, k), d1 = dist2(r, cent + k, k);
      unsigned char a = d1 < d0;
      inertia += a ? d1 : d0;
      changed |= a != assign[i];
      assign[i] = a;
      cnt[a]++;
      for (size_t j = 0; j < k; j++)
        sum[a * k + j] += r[j];
    }
    if (!changed)
      break;
    for (int c = 0; c < 2; c++) {
      if (cnt[c]) {
        for (size_t j = 0; j < k; j++)
          cent[c * k + j] = sum[c * k + j] / (double)cnt[c];
        continue;
      }
      /* An empty cluster restarts at the row farthest from the other. */
      size_t far = 0;
      double best = -1;
      for (size_t i = 0; i < n; i++) {
        double d = dist2(x + i * k, cent + (1 - c) * k, k);
        if (d > best)
          best = d, far = i;
      }
      for (size_t j = 0; j < k; j++)
        cent[c * k + j] = x[far * k + j];
    }
  }
  return inertia;
}

int ac_kmeans2(const float *x, size_t n, size_t k, int restarts, mgd_rng *rng,
               unsigned char *assign, double *cent, double *inertia) {
  unsigned char *a = malloc(n ? n : 1);
  double *c = malloc(2 * k * sizeof *c), *sum = malloc(2 * k * sizeof *sum);
  double *d2 = malloc((n ? n : 1) * sizeof *d2);
  int rc = MG_ERR_NOMEM;
  *inertia = INFINITY;
  if (!a || !c || !sum || !d2)
    goto done;
  rc = MG_ERR_NUMERIC;
  for (int r = 0; r < (restarts > 0 ? restarts : 1); r++) {
    /* k-means++: the second seed is drawn with probability proportional
     * to the squared distance from the first. */
    size_t i0 = (size_t)mgd_rng_below(rng, n);
    for (size_t j = 0; j < k; j++)
      c[j] = x[i0 * k + j];
    double tot = 0;
    for (size_t i = 0; i < n; i++)
      tot += d2[i] = dist2(x + i * k, c, k);
    if (!(tot > 0))
      goto done;
    double u = mgd_rng_uniform(rng) * tot, acc = 0;
    size_t i1 = n - 1;
    for (size_t i = 0; i < n; i++)
      if ((acc += d2[i]) > u) {
        i1 = i;
        break;
      }
    for (size_t j = 0; j < k; j++)
      c[k + j] = x[i1 * k + j];
    memset(a, 0, n);
    double in = lloyd(x, n, k, a, c, sum);
    if (in < *inertia) {
      *inertia = in;
      memcpy(assign, a, n);
      memcpy(cent, c, 2 * k * sizeof *c);
    }
  }
  rc = MG_OK;
done:
  free(a);
  free(c);
  free(sum);
  free(d2);
  return rc;
}

double ac_silhouette(const float *x, size_t n, size_t k, const unsigned char *assign, size_t sample,
                     mgd_rng *rng, double per_cluster[2]) {
  per_cluster[0] = per_cluster[1] = NAN;
  size_t m = n < sample ? n : sample;
  uint64_t *idx = malloc((n ? n : 1) * sizeof *idx);
  double *s0 = calloc(m ? m : 1, sizeof *s0), *s1 = calloc(m ? m : 1, sizeof *s1);
  double result = NAN;
  if (!idx || !s0 || !s1)
    goto done;
  for (size_t i = 0; i < n; i++)
    idx[i] = i;
  if (m < n) { /* a uniform sample, kept in row order */
    mgd_rng_shuffle(rng, idx, n);
    qsort(idx, m, sizeof *idx, cmp_u64);
  }
  size_t cnt[2] = {0, 0};
  for (size_t i = 0; i < m; i++)
    cnt[assign[idx[i]]]++;
  if (!cnt[0] || !cnt[1])
    goto done;
  /* Sums of distances from each sampled row to each cluster's rows. */
  for (size_t i = 0; i < m; i++) {
    const float *xi = x + idx[i] * k;
    for (size_t j = i + 1; j < m; j++) {
      const float *xj = x + idx[j] * k;
      double s = 0;
      for (size_t t = 0; t < k; t++) {
        double d = (double)xi[t] - xj[t];
        s += d * d;
      }
      s = sqrt(s);
      (assign[idx[j]] ? s1 : s0)[i] += s;
      (assign[idx[i]] ? s1 : s0)[j] += s;
    }
  }
  double tot = 0, pc[2] = {0, 0};
  for (size_t i = 0; i < m; i++) {
    int c = assign[idx[i]];
    double own = c ? s1[i] : s0[i], other = c ? s0[i] : s1[i], sil = 0;
    if (cnt[c] > 1) { /* a singleton's silhouette is 0 by convention */
      double a = own / (double)(cnt[c] - 1), b = other / (double)cnt[1 - c];
      double mx = a > b ? a : b;
      sil = mx > 0 ? (b - a) / mx : 0;
    }
    tot += sil;
    pc[c] += sil;
  }
  result = tot / (double)m;
  per_cluster[0] = pc[0] / (double)cnt[0];
  per_cluster[1] = pc[1] / (double)cnt[1];
done:
  free(idx);
  free(s0);
  free(s1);
  return result;
}

int ac_silhouette_null(const float *vals, size_t k, size_t n, int reps, int restarts, size_t sample,
                       mgd_rng *rng, double *mean, double *sd) {
  size_t m = n < sample ? n : sample;
  float *x = malloc((m ? m : 1) * k * sizeof *x);
  unsigned char *a = malloc(m ? m : 1);
  double *cent = malloc(2 * k * sizeof *cent), *s = malloc((size_t)reps * sizeof *s);
  int rc = MG_ERR_NOMEM;
  *mean = *sd = NAN;
  if (!x || !a || !cent || !s || reps < 2)
    goto done;
  for (int r = 0; r < reps; r++) {
    for (size_t i = 0; i < m; i++)
      for (size_t j = 0; j < k; j++)
        x[i * k + j] = (float)(mgd_rng_normal(rng) * sqrt(vals[j] > 0 ? vals[j] : 0));
    double inertia, pc[2];
    if ((rc = ac_kmeans2(x, m, k, restarts, rng, a, cent, &inertia)))
      goto done;
    s[r] = ac_silhouette(x, m, k, a, m, rng, pc);
  }
  *mean = mgd_mean(s, (size_t)reps);
  *sd = mgd_stddev(s, (size_t)reps, *mean);
  rc = isfinite(*mean) ? MG_OK : MG_ERR_NUMERIC;
done:
  free(x);
  free(a);
  free(cent);
  free(s);
  return rc;
}
