/* SCAn (Tang, Wang, Tang, Zhang, "Demon in the Variant", USENIX Security
 * 2021): a clean row of class c is mu_c + e with e ~ N(0, S_e) shared by
 * all classes (the untangling model); a poisoned class is a mixture of two
 * such groups. S_e is the pooled within-class covariance of the clean
 * reference rows (the moment estimate SCAn's EM starts from: with ~100 rows
 * per class its shrinkage of the class means is negligible), whitening
 * makes it the identity, and each class is decomposed into two groups by
 * classification EM. The statistic J is the decomposition's per-row
 * log-likelihood ratio; its null comes from the class's own clean
 * reference rows, resampled to the class's size. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "scan_model.h"

#define EM_MAX_ROUNDS 100

int sc_global_fit(const mgds_set *s, sc_global *g) {
  memset(g, 0, sizeof *g);
  size_t d = (size_t)s->dim, n = (size_t)s->n_ref;
  g->d = d;
  float *res = malloc((n ? n : 1) * d * sizeof *res), *cov = malloc(d * d * sizeof *cov);
  float *vals = malloc(d * sizeof *vals), *vecs = malloc(d * d * sizeof *vecs);
  float *cm = malloc(d * sizeof *cm);
  g->mean = malloc(d * sizeof *g->mean);
  int rc = MG_ERR_NOMEM;
  if (!res || !cov || !vals || !vecs || !cm || !g->mean)
    goto done;
  size_t m = 0, groups = 0;
  for (uint32_t c = 0; c < s->n_labels; c++) {
    const mgds_class *cl = &s->classes[c];
    if (cl->n_ref < 2)
      continue;
    float *x = res + m * d;
    mgds_gather(s->ref, s->dim, cl->refrow, cl->n_ref, x);
    mgds_mean(x, cl->n_ref, d, 1, cm);
    m += cl->n_ref;
    groups++;
  }
  rc = MG_ERR_NUMERIC;
  if (m <= groups + 1)
    goto done;
  mgds_mean(s->ref, n, d, 0, g->mean);
  /* S_e = residuals' Gram / (rows - groups), the unbiased pooled estimate. */
  mgds_gram(res, m, d, cov);
  float scale = (float)((double)m / (double)(m - groups));
  for (size_t i = 0; i < d * d; i++)
    cov[i] *= scale;
  if ((rc = mgds_top_eig(cov, d, d, vals, vecs)))
    goto done;
  size_t k = 0;
  while (k < d && vals[k] > SC_EIG_TOL * vals[0] && vals[k] > 0)
    k++;
  rc = MG_ERR_NUMERIC;
  if (k < 2)
    goto done;
  if (!(g->white = malloc(d * k * sizeof *g->white))) {
    rc = MG_ERR_NOMEM;
    goto done;
  }
  for (size_t j = 0; j < k; j++) {
    float inv = (float)(1 / sqrt((double)vals[j]));
    for (size_t i = 0; i < d; i++)
      g->white[i * k + j] = vecs[j * d + i] * inv;
  }
  g->dw = k;
  g->rows = m;
  g->dof = m - groups;
  rc = MG_OK;
done:
  free(res);
  free(cov);
  free(vals);
  free(vecs);
  free(cm);
  if (rc)
    sc_global_free(g);
  return rc;
}

void sc_global_free(sc_global *g) {
  free(g->mean);
  free(g->white);
  g->mean = g->white = NULL;
}

void sc_whiten(const sc_global *g, const float *x, size_t n, float *out) {
  size_t d = g->d, k = g->dw;
  float *c = malloc(d * sizeof *c);
  if (!c) { /* row by row without the scratch row */
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < k; j++) {
        double t = 0;
        for (size_t a = 0; a < d; a++)
          t += ((double)x[i * d + a] - g->mean[a]) * g->white[a * k + j];
        out[i * k + j] = (float)t;
      }
    return;
  }
  for (size_t i = 0; i < n; i++) {
    for (size_t a = 0; a < d; a++)
      c[a] = x[i * d + a] - g->mean[a];
    cblas_sgemv(CblasRowMajor, CblasTrans, (int)d, (int)k, 1.0f, g->white, (int)k, c, 1, 0.0f,
                out + i * k, 1);
  }
  free(c);
}

static double sqdist(const float *a, const double *m, size_t k) {
  double s = 0;
  for (size_t j = 0; j < k; j++) {
    double t = a[j] - m[j];
    s += t * t;
  }
  return s;
}

/* Group means and sizes of an assignment; 0 when a group is empty. */
static int group_means(const float *w, size_t n, size_t k, const unsigned char *g, double *m,
                       size_t *cnt) {
  memset(m, 0, 2 * k * sizeof *m);
  cnt[0] = cnt[1] = 0;
  for (size_t i = 0; i < n; i++) {
    double *mg = m + g[i] * k;
    cnt[g[i]]++;
    for (size_t j = 0; j < k; j++)
      mg[j] += w[i * k + j];
  }
  if (!cnt[0] || !cnt[1])
    return 0;
  for (int h = 0; h < 2; h++)
    for (size_t j = 0; j < k; j++)
      m[h * k + j] /= (double)cnt[h];
  return 1;
}

/* One classification-EM run from the starting centres m (2 x k): returns
 * the J of the final assignment (0 when a group empties). */
static double em_run(const float *w, size_t n, size_t k, double *m, unsigned char *g, int *rounds) {
  size_t cnt[2] = {1, 1};
  double lp[2] = {log(0.5), log(0.5)};
  int it = 0;
  for (; it < EM_MAX_ROUNDS; it++) {
    int changed = 0;
    for (size_t i = 0; i < n; i++) {
      double c0 = 0.5 * sqdist(w + i * k, m, k) - lp[0];
      double c1 = 0.5 * sqdist(w + i * k, m + k, k) - lp[1];
      unsigned char ng = c1 < c0;
      changed |= it == 0 || ng != g[i];
      g[i] = ng;
    }
    if (!changed)
      break;
    if (!group_means(w, n, k, g, m, cnt))
      return 0;
    lp[0] = log((double)cnt[0] / (double)n);
    lp[1] = log((double)cnt[1] / (double)n);
  }
  *rounds = it;
  if (!group_means(w, n, k, g, m, cnt))
    return 0;
  /* Between-group sum of squares per row: n0 n1 / n^2 |m0 - m1|^2. */
  double dd = 0;
  for (size_t j = 0; j < k; j++) {
    double t = m[j] - m[k + j];
    dd += t * t;
  }
  return (double)cnt[0] * (double)cnt[1] / ((double)n * (double)n) * dd;
}

/* k-means++ start: a random row, then a row drawn with probability
 * proportional to its squared distance from the first. */
static void start(const float *w, size_t n, size_t k, mgd_rng *rng, double *m, double *d2) {
  size_t i0 = (size_t)mgd_rng_below(rng, n);
  for (size_t j = 0; j < k; j++)
    m[j] = w[i0 * k + j];
  double tot = 0;
  for (size_t i = 0; i < n; i++)
    tot += d2[i] = sqdist(w + i * k, m, k);
  size_t i1 = i0;
  double u = mgd_rng_uniform(rng) * tot, acc = 0;
  for (size_t i = 0; i < n && tot > 0; i++) {
    acc += d2[i];
    if (acc >= u) {
      i1 = i;
      break;
    }
  }
  for (size_t j = 0; j < k; j++)
    m[k + j] = w[i1 * k + j];
}

int sc_two_component(const float *w, size_t n, size_t dw, int restarts, mgd_rng *rng,
                     unsigned char *minor, sc_split *out) {
  memset(out, 0, sizeof *out);
  double *m = malloc(2 * dw * sizeof *m), *d2 = malloc((n ? n : 1) * sizeof *d2);
  unsigned char *g = malloc(n ? n : 1), *best = malloc(n ? n : 1);
  double *bm = malloc(2 * dw * sizeof *bm);
  int rc = MG_ERR_NOMEM;
  if (!m || !d2 || !g || !best || !bm)
    goto done;
  rc = MG_OK;
  if (n < 4)
    goto done;
  for (int r = 0; r < restarts; r++) {
    int rounds = 0;
    start(w, n, dw, rng, m, d2);
    double j = em_run(w, n, dw, m, g, &rounds);
    if (j > out->j) {
      out->j = j;
      out->iterations = rounds;
      memcpy(best, g, n);
      memcpy(bm, m, 2 * dw * sizeof *bm);
    }
  }
  if (out->j <= 0)
    goto done;
  size_t ones = 0;
  for (size_t i = 0; i < n; i++)
    ones += best[i];
  unsigned char small = ones * 2 < n ? 1 : 0;
  out->n_minor = small ? ones : n - ones;
  if (minor)
    for (size_t i = 0; i < n; i++)
      minor[i] = best[i] == small;
  double dd = 0;
  for (size_t j = 0; j < dw; j++) {
    double t = bm[j] - bm[dw + j];
    dd += t * t;
  }
  out->distance = sqrt(dd);
done:
  free(m);
  free(d2);
  free(g);
  free(best);
  free(bm);
  return rc;
}

int sc_null(const float *res, size_t m, size_t dw, size_t n, int reps, int restarts, mgd_rng *rng,
            double *mean, double *sd) {
  *mean = *sd = NAN;
  if (m < 2 || n < 4 || reps < 2)
    return MG_OK;
  size_t *outer = malloc(m * sizeof *outer);
  float *x = malloc(n * dw * sizeof *x);
  double *js = malloc((size_t)reps * sizeof *js);
  int rc = MG_ERR_NOMEM;
  if (!outer || !x || !js)
    goto done;
  for (int r = 0; r < reps; r++) {
    for (size_t i = 0; i < m; i++)
      outer[i] = (size_t)mgd_rng_below(rng, m);
    for (size_t i = 0; i < n; i++)
      memcpy(x + i * dw, res + outer[mgd_rng_below(rng, m)] * dw, dw * sizeof *x);
    sc_split sp;
    if ((rc = sc_two_component(x, n, dw, restarts, rng, NULL, &sp)))
      goto done;
    js[r] = sp.j;
  }
  *mean = mgd_mean(js, (size_t)reps);
  *sd = mgd_stddev(js, (size_t)reps, *mean);
  rc = MG_OK;
done:
  free(outer);
  free(x);
  free(js);
  return rc;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Median and MAD of the bulk values, trimmed of those beyond z robust SDs
 * above the median until stable (never added back). */
static void bulk_stats(const double *t, const unsigned char *in, size_t n, double z, double *med,
                       double *mad, double *buf) {
  unsigned char *keep = malloc(n ? n : 1);
  *med = 0;
  *mad = 1;
  if (!keep)
    return;
  memcpy(keep, in, n);
  for (int it = 0; it < 100; it++) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
      if (keep[i])
        buf[k++] = t[i];
    if (!k)
      break;
    *med = mgd_median(buf, k);
    *mad = mgd_mad(buf, k, *med);
    if (!(*mad > 1e-12))
      *mad = 1e-12;
    int changed = 0;
    for (size_t i = 0; i < n; i++)
      if (keep[i] && (t[i] - *med) / *mad > z)
        keep[i] = 0, changed = 1;
    if (!changed)
      break;
  }
  free(keep);
}

int sc_flag_rows(const float *w, size_t n, const float *wr, size_t m, size_t dw,
                 const unsigned char *minor, unsigned char *flag, sc_rows *out) {
  memset(out, 0, sizeof *out);
  memset(flag, 0, n);
  double *mu = malloc(2 * dw * sizeof *mu), *t = malloc((n ? n : 1) * sizeof *t);
  double *tr = malloc((m ? m : 1) * sizeof *tr), *buf = malloc((n > m ? n : m) * sizeof *buf + 1);
  unsigned char *bulk = malloc(n ? n : 1);
  int rc = MG_ERR_NOMEM;
  if (!mu || !t || !tr || !buf || !bulk)
    goto done;
  size_t cnt[2];
  if (!group_means(w, n, dw, minor, mu, cnt)) { /* group 1 = the minor group */
    rc = MG_OK;
    goto done;
  }
  /* The EM's boundary between the groups (shared identity covariance,
   * mixing proportions): a plane across the line from mean 0 to mean 1. */
  double len = 0;
  for (size_t j = 0; j < dw; j++)
    len += (mu[dw + j] - mu[j]) * (mu[dw + j] - mu[j]);
  len = sqrt(len);
  if (!(len > 0)) {
    rc = MG_OK;
    goto done;
  }
  double p1 = (double)cnt[1] / (double)n;
  double edge = len / 2 + log((1 - p1) / p1) / len;
  size_t ref1 = 0;
  for (size_t i = 0; i < m; i++) {
    double s = 0;
    for (size_t j = 0; j < dw; j++)
      s += (wr[i * dw + j] - mu[j]) * (mu[dw + j] - mu[j]);
    tr[i] = s / len;
    ref1 += tr[i] > edge;
  }
  for (size_t i = 0; i < n; i++) {
    double s = 0;
    for (size_t j = 0; j < dw; j++)
      s += (w[i * dw + j] - mu[j]) * (mu[dw + j] - mu[j]);
    t[i] = s / len;
  }
  /* Foreign: the group with the smaller reference share per training
   * share (counts smoothed by a half). */
  double r1 = ((double)ref1 + 0.5) / ((double)m + 1), r0 = 1 - r1;
  out->foreign_minor = r1 / p1 <= r0 / (1 - p1);
  out->ref_share = out->foreign_minor ? (double)ref1 / (double)(m ? m : 1)
                                      : (double)(m - ref1) / (double)(m ? m : 1);
  out->train_share = out->foreign_minor ? p1 : 1 - p1;
  if (!out->foreign_minor) { /* look from the minor group towards the major */
    for (size_t i = 0; i < n; i++)
      t[i] = len - t[i];
    for (size_t i = 0; i < m; i++)
      tr[i] = len - tr[i];
  }
  for (size_t i = 0; i < n; i++)
    bulk[i] = out->foreign_minor ? !minor[i] : minor[i];
  bulk_stats(t, bulk, n, SC_ROW_Z, &out->median, &out->mad, buf);
  double cut = SC_ROW_Z;
  if (m) {
    size_t rank = (size_t)floor(SC_REF_FRR * (double)(m + 1));
    out->rank = rank < 1 ? 1 : rank;
    for (size_t i = 0; i < m; i++)
      buf[i] = (tr[i] - out->median) / out->mad;
    qsort(buf, m, sizeof *buf, cmp_double);
    double c = buf[m - (out->rank > m ? m : out->rank)];
    if (c > cut)
      cut = c;
  }
  out->cut = cut;
  /* Flagged: beyond the cut, or placed in the foreign group by the EM. */
  for (size_t i = 0; i < n; i++) {
    flag[i] = (t[i] - out->median) / out->mad > cut || !bulk[i];
    out->n_flag += flag[i];
  }
  for (size_t i = 0; i < m; i++)
    out->ref_flag += (tr[i] - out->median) / out->mad > cut;
  rc = MG_OK;
done:
  free(mu);
  free(t);
  free(tr);
  free(buf);
  free(bulk);
  return rc;
}

int sc_extend(const float *ws, size_t ns, const unsigned char *minor_s, const float *w, size_t n,
              size_t dw, unsigned char *minor) {
  double *m = malloc(2 * dw * sizeof *m);
  if (!m)
    return MG_ERR_NOMEM;
  size_t cnt[2];
  if (!group_means(ws, ns, dw, minor_s, m, cnt)) {
    memset(minor, 0, n);
    free(m);
    return MG_OK;
  }
  double lp0 = log((double)cnt[0] / (double)ns), lp1 = log((double)cnt[1] / (double)ns);
  for (size_t i = 0; i < n; i++)
    minor[i] = 0.5 * sqdist(w + i * dw, m + dw, dw) - lp1 < 0.5 * sqdist(w + i * dw, m, dw) - lp0;
  free(m);
  return MG_OK;
}
