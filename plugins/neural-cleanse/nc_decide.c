/* Deciding from the whole ranking of reversed-trigger norms.
 *
 * Null hypothesis (no backdoor): the classes are exchangeable, their
 * log-norms iid draws from one location-scale family. The statistic for
 * the class of rank j (0 = smallest) is a step-down (generalised ESD,
 * Rosner 1983) z-score in log space, z_j = (mean of the larger ones - y_j)
 * / their standard deviation. It is location-scale invariant, so its null
 * distribution depends only on the number of classes and the family; it is
 * simulated here for the actual number, with the same ordering and
 * leave-out, so taking the smallest of k is accounted for. The family is
 * Student-t with 4 degrees of freedom rather than normal: classes differ in
 * how reachable they are, and a clean model's easiest class can sit far
 * below the rest (docs/detectors/neural-cleanse.md). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mgd.h"
#include "nc_decide.h"

/* Norms below this are treated as this (a hundredth of a pixel is already
 * "no trigger"); keeps the log finite. */
#define NC_NORM_FLOOR 1e-2
/* Monte-Carlo budget: draws x classes values, within these bounds. */
#define NC_NULL_BUDGET 4000000.0
#define NC_NULL_MAX_DRAWS 200000
#define NC_NULL_MIN_DRAWS 20000
/* Degrees of freedom of the Student-t null; 4 is Lange, Little & Taylor's
 * (1989) default for robust modelling with the t. */
#define NC_NULL_DF 4
/* The spread of the larger classes' log-norms used to scale z is at least
 * the search's own run-to-run noise for one class (0.095 measured, see the
 * docs): classes closer than the search can resolve are not told apart.
 * Only the observed statistic is floored, never the simulated null, so
 * the floor can only make the test more conservative. */
#define NC_SPREAD_FLOOR 0.1
/* More simultaneous targets than this is not a backdoor Neural Cleanse
 * can single out anyway. */
#define NC_MAX_TESTS 10

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Ranks tested by the step-down: up to a quarter of the classes (at most
 * NC_MAX_TESTS), always leaving at least three as the rest. */
static size_t tests_for(size_t k) {
  size_t t = k / 4 < NC_MAX_TESTS ? k / 4 : NC_MAX_TESTS;
  if (t < 1)
    t = 1;
  while (t > 1 && k - t < 3)
    t--;
  return t;
}

/* z of sorted[j] against sorted[j+1 .. k-1], their standard deviation
 * floored at min_sd; centre/spread optional out (spread unfloored). */
static double step_z(const double *sorted, size_t k, size_t j, double min_sd, double *centre,
                     double *spread) {
  size_t n = k - j - 1;
  double mu = mgd_mean(sorted + j + 1, n);
  double sd = mgd_stddev(sorted + j + 1, n, mu);
  if (centre)
    *centre = mu;
  if (spread)
    *spread = sd;
  sd = sd > min_sd ? sd : min_sd;
  if (!(sd > 0))
    return sorted[j] < mu ? INFINITY : 0.0;
  return (mu - sorted[j]) / sd;
}

/* Marginal p-value of v among the sorted null values of one step. */
static double marginal_p(const double *sorted_null, size_t n, double v) {
  if (isnan(v))
    return 1.0;
  size_t lo = 0, hi = n; /* first index with sorted_null[i] >= v */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (sorted_null[mid] < v)
      lo = mid + 1;
    else
      hi = mid;
  }
  return (double)(n - lo + 1) / (double)(n + 1);
}

/* Single-step min-p adjustment (Westfall & Young 1993) of the step
 * statistics under one simulated null: z holds T columns of n draws.
 * p[j] is the probability that a clean model gives some step a marginal
 * p-value as small as step j's, which keeps the chance of any flag on a
 * clean model at the level whatever the number of steps. */
static int adjust(double *z, size_t T, size_t n, const double *obs, double *p) {
  double *minp = malloc(n * sizeof *minp), *col = malloc(n * sizeof *col);
  if (!minp || !col) {
    free(minp);
    free(col);
    return MG_ERR_NOMEM;
  }
  for (size_t t = 0; t < n; t++)
    minp[t] = 1.0;
  for (size_t j = 0; j < T; j++) {
    double *zj = z + j * n;
    memcpy(col, zj, n * sizeof *col);
    qsort(col, n, sizeof *col, cmp_double);
    for (size_t t = 0; t < n; t++) {
      double q = marginal_p(col, n, zj[t]);
      minp[t] = q < minp[t] ? q : minp[t];
    }
    p[j] = marginal_p(col, n, obs[j]); /* marginal for now */
  }
  qsort(minp, n, sizeof *minp, cmp_double);
  for (size_t j = 0; j < T; j++) {
    size_t below = 0, lo = 0, hi = n; /* count of minp <= p[j] */
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (minp[mid] <= p[j])
        lo = mid + 1;
      else
        hi = mid;
    }
    below = lo;
    p[j] = isnan(obs[j]) ? 1.0 : (double)(below + 1) / (double)(n + 1);
  }
  free(minp);
  free(col);
  return MG_OK;
}

/* Adjusted p-values of the observed step statistics under both nulls. */
static int simulate(nc_decision *d, const double *sorted, uint64_t seed, size_t draws) {
  size_t k = d->k, T = d->max_tests;
  if (!draws) {
    double b = NC_NULL_BUDGET / (double)k;
    draws = b > NC_NULL_MAX_DRAWS   ? NC_NULL_MAX_DRAWS
            : b < NC_NULL_MIN_DRAWS ? NC_NULL_MIN_DRAWS
                                    : (size_t)b;
  }
  d->null_draws = draws;
  double *zt = malloc(T * draws * sizeof *zt), *zn = malloc(T * draws * sizeof *zn);
  double *obs = malloc(T * sizeof *obs), *st = malloc(2 * k * sizeof *st);
  int rc = zt && zn && obs && st ? MG_OK : MG_ERR_NOMEM;
  if (!rc) {
    double *sn = st + k;
    for (size_t j = 0; j < T; j++)
      obs[j] = step_z(sorted, k, j, NC_SPREAD_FLOOR, NULL, NULL);
    mgd_rng rng;
    mgd_rng_seed(&rng, seed, "neural-cleanse/null");
    for (size_t t = 0; t < draws; t++) {
      for (size_t i = 0; i < k; i++) {
        double z = mgd_rng_normal(&rng), chi = 0;
        for (int f = 0; f < NC_NULL_DF; f++) {
          double g = mgd_rng_normal(&rng);
          chi += g * g;
        }
        st[i] = z / sqrt(chi / NC_NULL_DF);
        sn[i] = z;
      }
      qsort(st, k, sizeof *st, cmp_double);
      qsort(sn, k, sizeof *sn, cmp_double);
      for (size_t j = 0; j < T; j++) {
        zt[j * draws + t] = step_z(st, k, j, 0.0, NULL, NULL);
        zn[j * draws + t] = step_z(sn, k, j, 0.0, NULL, NULL);
      }
    }
    rc = adjust(zt, T, draws, obs, d->p);
    if (!rc)
      rc = adjust(zn, T, draws, obs, d->p_normal);
  }
  free(zt);
  free(zn);
  free(obs);
  free(st);
  return rc;
}

/* Generalised ESD: ranks 0..j are flagged for the largest significant j
 * (a second target can mask the first in the earlier steps); each takes
 * the smallest adjusted p-value at or after its rank. Then the naturalness
 * check against the median of the unflagged classes. */
static int flag(nc_decision *d) {
  for (size_t j = d->max_tests; j-- > 0;)
    if (d->p[j] <= NC_ALPHA) {
      d->n_flagged = j + 1;
      break;
    }
  size_t nf = d->n_flagged ? d->n_flagged : 1;
  d->p_flag = malloc(nf * sizeof *d->p_flag);
  d->natural_looking = calloc(nf, sizeof *d->natural_looking);
  double *rest = malloc(d->k * sizeof *rest);
  if (!d->p_flag || !d->natural_looking || !rest) {
    free(rest);
    return MG_ERR_NOMEM;
  }
  for (size_t j = 0; j < d->n_flagged; j++) {
    double best = d->p[j];
    for (size_t l = j + 1; l < d->n_flagged; l++)
      best = d->p[l] < best ? d->p[l] : best;
    d->p_flag[j] = best;
  }
  size_t n = 0;
  for (size_t j = d->n_flagged; j < d->k; j++)
    if (isfinite(d->natural[d->order[j]]))
      rest[n++] = d->natural[d->order[j]];
  d->natural_median = n ? mgd_median(rest, n) : NAN;
  for (size_t j = 0; j < d->n_flagged; j++) {
    double v = d->natural[d->order[j]];
    d->natural_looking[j] = isfinite(v) && isfinite(d->natural_median) && v >= d->natural_median;
  }
  free(rest);
  return MG_OK;
}

int nc_decide(const nc_result *res, size_t k, const double *natural, uint64_t seed, size_t draws,
              nc_decision *d) {
  memset(d, 0, sizeof *d);
  if (k < NC_MIN_CLASSES)
    return MG_ERR_ARGS;
  d->k = k;
  d->max_tests = tests_for(k);
  d->order = malloc(k * sizeof *d->order);
  d->log_norm = malloc(k * sizeof *d->log_norm);
  d->z = malloc(k * sizeof *d->z);
  d->index = malloc(k * sizeof *d->index);
  d->natural = malloc(k * sizeof *d->natural);
  d->p = malloc(d->max_tests * sizeof *d->p);
  d->p_normal = malloc(d->max_tests * sizeof *d->p_normal);
  double *norms = malloc(k * sizeof *norms), *sorted = malloc(k * sizeof *sorted);
  int rc = d->order && d->log_norm && d->z && d->index && d->natural && d->p && d->p_normal &&
                   norms && sorted
               ? MG_OK
               : MG_ERR_NOMEM;
  if (rc)
    goto done;
  for (size_t i = 0; i < k; i++) {
    norms[i] = isfinite(res[i].norm) ? res[i].norm : INFINITY;
    double n = norms[i] > NC_NORM_FLOOR ? norms[i] : NC_NORM_FLOOR;
    d->log_norm[i] = isfinite(n) ? log(n) : HUGE_VAL;
    d->natural[i] = natural ? natural[i] : NAN;
    d->order[i] = i;
  }
  /* order by norm, ties by class for determinism */
  for (size_t i = 1; i < k; i++)
    for (size_t j = i; j > 0; j--) {
      size_t a = d->order[j - 1], b = d->order[j];
      if (norms[a] < norms[b] || (norms[a] == norms[b] && a < b))
        break;
      d->order[j - 1] = b;
      d->order[j] = a;
    }
  for (size_t i = 0; i < k; i++)
    sorted[i] = d->log_norm[d->order[i]];

  /* The paper: anomaly index over all norms, linear scale. */
  size_t c0 = d->order[0];
  d->median = mgd_median(norms, k);
  d->mad = mgd_mad(norms, k, d->median);
  for (size_t i = 0; i < k; i++)
    d->index[i] = d->mad > 0 ? fabs(norms[i] - d->median) / d->mad : 0.0;
  d->paper_flag = d->index[c0] > 2.0 && norms[c0] < d->median;

  /* Every class against the classes above it in the ranking. */
  for (size_t r = 0; r < k; r++)
    d->z[d->order[r]] = r + 3 <= k ? step_z(sorted, k, r, NC_SPREAD_FLOOR, NULL, NULL) : NAN;
  step_z(sorted, k, 0, NC_SPREAD_FLOOR, &d->rest_centre, &d->rest_spread);
  d->ratio_second = norms[d->order[1]] > 0 ? norms[c0] / norms[d->order[1]] : 1.0;
  for (size_t i = 1; i < k; i++)
    sorted[i - 1] = norms[d->order[i]]; /* reused: the other norms */
  double med_others = mgd_median(sorted, k - 1);
  d->ratio_median = med_others > 0 ? norms[c0] / med_others : 1.0;
  for (size_t i = 0; i < k; i++)
    sorted[i] = d->log_norm[d->order[i]];

  rc = simulate(d, sorted, seed, draws);
  if (!rc)
    rc = flag(d);
done:
  free(norms);
  free(sorted);
  if (rc)
    nc_decision_free(d);
  return rc;
}

void nc_decision_free(nc_decision *d) {
  free(d->order);
  free(d->log_norm);
  free(d->z);
  free(d->index);
  free(d->natural);
  free(d->p);
  free(d->p_normal);
  free(d->p_flag);
  free(d->natural_looking);
  memset(d, 0, sizeof *d);
}
