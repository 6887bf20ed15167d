/* Exact tails (hypergeometric, binomial, beta-binomial) summed in log space
 * so that p-values far below DBL_MIN's neighbourhood stay ordered, plus
 * Holm's adjustment and the normal quantile. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hyptest.h"

static double log_choose(double n, double k) {
  return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
}

static double log_beta(double a, double b) {
  return lgamma(a) + lgamma(b) - lgamma(a + b);
}

/* log(exp(acc) + exp(v)) without overflow; acc = -INFINITY starts a sum. */
static double log_add(double acc, double v) {
  if (acc == -INFINITY)
    return v;
  if (v > acc) {
    double t = acc;
    acc = v;
    v = t;
  }
  return acc + log1p(exp(v - acc));
}

/* Sums exp(term(x)) for x in [lo, hi], stopping once terms past the mode
 * fall 40 nats below the running total (they no longer change a double). */
typedef double (*log_term_fn)(const void *args, double x);

static double tail_sum(const void *args, log_term_fn term, uint64_t lo, uint64_t hi) {
  double acc = -INFINITY, prev = -INFINITY;
  for (uint64_t x = lo; x <= hi; x++) {
    double t = term(args, (double)x);
    acc = log_add(acc, t);
    if (t < prev && t < acc - 40.0)
      break;
    prev = t;
  }
  double p = exp(acc);
  return p > 1.0 ? 1.0 : p;
}

typedef struct hyper_args {
  double K, N, n1, norm;
} hyper_args;

static double hyper_term(const void *v, double x) {
  const hyper_args *h = v;
  return log_choose(h->K, x) + log_choose(h->N - h->K, h->n1 - x) - h->norm;
}

double ht_fisher_greater(uint64_t a, uint64_t n1, uint64_t b, uint64_t n2) {
  if (a > n1 || b > n2 || n1 == 0 || n2 == 0 || a == 0)
    return 1.0;
  uint64_t K = a + b, N = n1 + n2;
  uint64_t hi = K < n1 ? K : n1;
  uint64_t lo = N - K < n1 ? n1 - (N - K) : 0;
  if (a <= lo)
    return 1.0;
  hyper_args h = {(double)K, (double)N, (double)n1, log_choose((double)N, (double)n1)};
  return tail_sum(&h, hyper_term, a, hi);
}

double ht_fisher_min(uint64_t n1, uint64_t n2, uint64_t marked) {
  if (marked > n1 + n2)
    return 1.0;
  uint64_t a = marked < n1 ? marked : n1;
  return ht_fisher_greater(a, n1, marked - a, n2);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

size_t ht_tarone(const double *p_min, size_t m, double alpha, unsigned char *keep) {
  double *s = malloc((m ? m : 1) * sizeof *s);
  size_t K = m;
  int sorted = s != NULL;
  if (sorted) {
    memcpy(s, p_min, m * sizeof *s);
    qsort(s, m, sizeof *s, cmp_double);
    for (K = 1; K <= m; K++) {
      /* hypotheses attainable at alpha / K: a prefix of the sorted list */
      size_t lo = 0, hi = m;
      while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s[mid] <= alpha / (double)K)
          lo = mid + 1;
        else
          hi = mid;
      }
      if (lo <= K)
        break;
    }
    free(s);
  }
  /* Out of memory: keep everything (plain Holm, still valid). */
  size_t kept = 0;
  for (size_t i = 0; i < m; i++) {
    keep[i] = !sorted || K > m || p_min[i] <= alpha / (double)K;
    kept += keep[i];
  }
  return kept;
}

typedef struct binom_args {
  double n, lp, lq;
} binom_args;

static double binom_term(const void *v, double x) {
  const binom_args *b = v;
  return log_choose(b->n, x) + x * b->lp + (b->n - x) * b->lq;
}

double ht_binom_sf(uint64_t k, uint64_t n, double p) {
  if (k == 0 || !(p > 0))
    return k == 0 ? 1.0 : 0.0;
  if (k > n)
    return 0.0;
  if (p >= 1)
    return 1.0;
  binom_args b = {(double)n, log(p), log1p(-p)};
  return tail_sum(&b, binom_term, k, n);
}

typedef struct betabinom_args {
  double n, a, b, norm;
} betabinom_args;

static double betabinom_term(const void *v, double x) {
  const betabinom_args *bb = v;
  return log_choose(bb->n, x) + log_beta(x + bb->a, bb->n - x + bb->b) - bb->norm;
}

double ht_betabinom_sf(uint64_t x, uint64_t n, double alpha, double beta) {
  if (x == 0)
    return 1.0;
  if (x > n || !(alpha > 0) || !(beta > 0))
    return x > n ? 0.0 : 1.0;
  betabinom_args bb = {(double)n, alpha, beta, log_beta(alpha, beta)};
  return tail_sum(&bb, betabinom_term, x, n);
}

int ht_betabinom_sum_sf(const uint64_t *n, const double *alpha, const double *beta, size_t m,
                        uint64_t x, double *p) {
  uint64_t total = 0;
  for (size_t j = 0; j < m; j++)
    total += n[j];
  *p = 1.0;
  if (x == 0)
    return 0;
  if (x > total) {
    *p = 0.0;
    return 0;
  }
  double *acc = calloc(total + 1, sizeof *acc), *next = calloc(total + 1, sizeof *next);
  double *pmf = malloc((total + 1) * sizeof *pmf);
  if (!acc || !next || !pmf) {
    free(acc);
    free(next);
    free(pmf);
    return -1;
  }
  acc[0] = 1;
  uint64_t have = 0; /* acc covers 0..have */
  for (size_t j = 0; j < m; j++) {
    betabinom_args bb = {(double)n[j], alpha[j], beta[j], log_beta(alpha[j], beta[j])};
    for (uint64_t v = 0; v <= n[j]; v++)
      pmf[v] = exp(betabinom_term(&bb, (double)v));
    memset(next, 0, (have + n[j] + 1) * sizeof *next);
    for (uint64_t u = 0; u <= have; u++)
      if (acc[u] > 0)
        for (uint64_t v = 0; v <= n[j]; v++)
          next[u + v] += acc[u] * pmf[v];
    have += n[j];
    double *t = acc;
    acc = next;
    next = t;
  }
  double sf = 0;
  for (uint64_t v = x; v <= have; v++)
    sf += acc[v];
  *p = sf > 1 ? 1 : sf < DBL_MIN ? DBL_MIN : sf;
  free(acc);
  free(next);
  free(pmf);
  return 0;
}

typedef struct ranked {
  double p;
  size_t i;
} ranked;

static int cmp_ranked(const void *a, const void *b) {
  const ranked *x = a, *y = b;
  if (x->p != y->p)
    return x->p < y->p ? -1 : 1;
  return x->i < y->i ? -1 : x->i > y->i;
}

int ht_order_by_p(const double *p, size_t m, size_t *order) {
  ranked *r = malloc((m ? m : 1) * sizeof *r);
  if (!r)
    return -1;
  for (size_t i = 0; i < m; i++)
    r[i] = (ranked){isnan(p[i]) ? 1.0 : p[i], i};
  qsort(r, m, sizeof *r, cmp_ranked);
  for (size_t i = 0; i < m; i++)
    order[i] = r[i].i;
  free(r);
  return 0;
}

int ht_holm_of(const double *p, size_t m, uint64_t family, double *adj) {
  if (!m)
    return 0;
  if (family < m)
    family = m;
  size_t *order = malloc(m * sizeof *order);
  if (!order || ht_order_by_p(p, m, order)) {
    free(order);
    return -1;
  }
  double running = 0;
  for (size_t j = 0; j < m; j++) {
    double pj = isnan(p[order[j]]) ? 1.0 : p[order[j]];
    double v = (double)(family - j) * pj;
    if (v > 1)
      v = 1;
    if (v > running)
      running = v; /* adjusted values never decrease down the ranking */
    adj[order[j]] = running;
  }
  free(order);
  return 0;
}

int ht_holm(const double *p, size_t m, double *adj) {
  return ht_holm_of(p, m, m, adj);
}

long ht_holm_tarone(const double *p, const double *p_min, size_t m, double alpha, double *adj) {
  unsigned char *keep = malloc(m ? m : 1);
  double *q = calloc(m ? m : 1, sizeof *q);
  if (!keep || !q) {
    free(keep);
    free(q);
    return -1;
  }
  ht_tarone(p_min, m, alpha, keep);
  size_t n = 0;
  for (size_t i = 0; i < m; i++)
    if (keep[i])
      q[n++] = p[i];
  int rc = ht_holm(q, n, q);
  for (size_t i = 0, j = 0; !rc && i < m; i++)
    adj[i] = keep[i] ? q[j++] : 1.0;
  free(keep);
  free(q);
  return rc ? -1 : (long)n;
}

double ht_norm_sf(double z) {
  return 0.5 * erfc(z / sqrt(2.0));
}

double ht_norm_quantile(double p) {
  if (!(p > 0) || !(p < 1))
    return p <= 0 ? -INFINITY : INFINITY;
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  const double plow = 0.02425;
  double x;
  if (p < plow) {
    double q = sqrt(-2 * log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - plow) {
    double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    double q = sqrt(-2 * log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  /* One Halley step against the exact CDF. */
  double e = 0.5 * erfc(-x / sqrt(2.0)) - p;
  double u = e * 2.5066282746310002 * exp(x * x / 2); /* sqrt(2 pi) */
  return x - u / (1 + x * u / 2);
}

double ht_score(double p) {
  if (!(p > 1e-300))
    return 300.0;
  double s = -log10(p);
  return s < 0 ? 0 : s;
}

/* ---- rank test (moved from the text plugins' textutil.c) */

typedef struct scored {
  double v;
  int carrier;
} scored;

static int cmp_scored(const void *a, const void *b) {
  double x = ((const scored *)a)->v, y = ((const scored *)b)->v;
  return x < y ? -1 : x > y;
}

double ht_rank_test(const double *x, size_t nx, const double *y, size_t ny, double *auc) {
  *auc = NAN;
  if (!nx || !ny)
    return 1.0;
  scored *v = malloc((nx + ny) * sizeof *v);
  if (!v)
    return 1.0;
  for (size_t i = 0; i < nx; i++)
    v[i] = (scored){x[i], 1};
  for (size_t i = 0; i < ny; i++)
    v[nx + i] = (scored){y[i], 0};
  size_t n = nx + ny;
  qsort(v, n, sizeof *v, cmp_scored);
  /* U: pairs (carrier, other) with the carrier lower, ties half; tie
   * groups also correct the variance. */
  double u = 0, ties = 0;
  size_t others_below = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i, cx = 0, cy = 0;
    while (j < n && v[j].v == v[i].v) {
      cx += v[j].carrier;
      cy += !v[j].carrier;
      j++;
    }
    /* carriers in this group are below every other above the group */
    u += (double)cx * ((double)(ny - others_below - cy) + 0.5 * (double)cy);
    double t = (double)(j - i);
    ties += t * t * t - t;
    others_below += cy;
    i = j;
  }
  free(v);
  double mx = (double)nx, my = (double)ny, nn = mx + my;
  *auc = u / (mx * my);
  double mean = mx * my / 2;
  double var = mx * my / 12.0 * ((nn + 1) - ties / (nn * (nn - 1)));
  if (!(var > 0))
    return 1.0;
  double z = (u - mean - 0.5) / sqrt(var); /* continuity correction */
  return ht_norm_sf(z);
}
