/* A class's statistic against the other classes' (nc_across.h): the
 * clean classes of the same model are the null. Used by the feature-layer
 * rows route for its rank test, whose nominal p-value memorisation and
 * the train/reference split make anti-conservative on clean models. */
#include <math.h>
#include <stdlib.h>

#include "mgd.h"
#include "nc_across.h"

/* Leave-one-out z of each finite v[c] against the others' mean and sd
 * (sd floored at NC_RANK_SD_FLOOR), O(k) from the sums; NaN stays NaN. */
void nc_across_loo_z(const double *v, size_t k, double *t) {
  double s = 0, ss = 0;
  size_t n = 0;
  for (size_t c = 0; c < k; c++)
    if (isfinite(v[c])) {
      s += v[c];
      ss += v[c] * v[c];
      n++;
    }
  for (size_t c = 0; c < k; c++) {
    t[c] = NAN;
    if (!isfinite(v[c]) || n < 3)
      continue;
    double m = (s - v[c]) / (double)(n - 1);
    double var = (ss - v[c] * v[c] - (double)(n - 1) * m * m) / (double)(n - 2);
    double sd = var > 0 ? sqrt(var) : 0;
    t[c] = (v[c] - m) / (sd > NC_RANK_SD_FLOOR ? sd : NC_RANK_SD_FLOOR);
  }
}

/* Family-wise p of each t: the chance that the largest of n such
 * statistics of iid normal values reaches it (Monte Carlo, seeded). */
int nc_across_familywise_p(const double *t, size_t k, uint64_t seed, double *p) {
  size_t n = 0;
  for (size_t c = 0; c < k; c++) {
    p[c] = NAN;
    n += isfinite(t[c]) != 0;
  }
  if (n < 3)
    return MG_OK;
  double *x = malloc(n * sizeof *x), *tt = malloc(n * sizeof *tt);
  size_t *ge = calloc(k, sizeof *ge);
  int rc = x && tt && ge ? MG_OK : MG_ERR_NOMEM;
  mgd_rng rng;
  mgd_rng_seed(&rng, seed, "neural-cleanse/rank-across-classes");
  for (int r = 0; !rc && r < NC_RANK_NULL_DRAWS; r++) {
    for (size_t i = 0; i < n; i++)
      x[i] = mgd_rng_normal(&rng);
    nc_across_loo_z(x, n, tt);
    double mx = -INFINITY;
    for (size_t i = 0; i < n; i++)
      mx = tt[i] > mx ? tt[i] : mx;
    for (size_t c = 0; c < k; c++)
      ge[c] += isfinite(t[c]) && mx >= t[c];
  }
  for (size_t c = 0; !rc && c < k; c++)
    if (isfinite(t[c]))
      p[c] = (double)(ge[c] + 1) / (NC_RANK_NULL_DRAWS + 1.0);
  free(x);
  free(tt);
  free(ge);
  return rc;
}
