/* Deciding from the maximum margins of all classes.
 *
 * Null hypothesis (no backdoor): the classes' log-margins are exchangeable
 * draws from one normal law. Each class gets a robust z against the others
 * (median and MAD of the remaining K-1, so a target cannot widen the
 * spread it is measured against); its p-value is the chance that the
 * largest of K such z on a clean model reaches it, simulated for the
 * actual K (mgds_familywise_p). That accounts for picking the largest of K
 * classes, as MM-BD's order-statistic p-value 1 - F(r_max)^K does for its
 * fitted gamma. Logs, because margins are positive and spread
 * multiplicatively: a class twice as easy to push is the same step
 * whatever the model's logit scale. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mgd.h"
#include "mgds.h"
#include "mm_decide.h"

/* Margins below this (the model barely separates the class anywhere) are
 * treated as this; keeps the log finite. */
#define MM_MARGIN_FLOOR 1e-3

int mm_decide(const double *margin, size_t k, uint64_t seed, mm_decision *d) {
  memset(d, 0, sizeof *d);
  if (k < MM_MIN_CLASSES)
    return MG_ERR_ARGS;
  d->k = k;
  d->log_margin = malloc(k * sizeof *d->log_margin);
  d->z = malloc(k * sizeof *d->z);
  d->p = malloc(k * sizeof *d->p);
  d->ratio = malloc(k * sizeof *d->ratio);
  d->flagged = calloc(k, sizeof *d->flagged);
  double *others = malloc(k * sizeof *others);
  int rc = d->log_margin && d->z && d->p && d->ratio && d->flagged && others ? MG_OK : MG_ERR_NOMEM;
  for (size_t c = 0; !rc && c < k; c++) {
    double m = isfinite(margin[c]) ? margin[c] : MM_MARGIN_FLOOR;
    d->log_margin[c] = log(m > MM_MARGIN_FLOOR ? m : MM_MARGIN_FLOOR);
    if (margin[c] > margin[d->top])
      d->top = c;
  }
  for (size_t c = 0; !rc && c < k; c++) {
    size_t n = 0;
    for (size_t j = 0; j < k; j++)
      if (j != c)
        others[n++] = margin[j];
    double med = mgd_median(others, n);
    d->ratio[c] = med > 0 ? margin[c] / med : NAN;
  }
  if (!rc) {
    mgds_loo_z(d->log_margin, k, d->z);
    rc = mgds_familywise_p(d->z, k, seed, "mm-bd/null", d->p);
  }
  for (size_t c = 0; !rc && c < k; c++)
    if (d->z[c] > 0 && d->p[c] <= MM_ALPHA) {
      d->flagged[c] = 1;
      d->n_flagged++;
    }
  free(others);
  if (rc)
    mm_decision_free(d);
  return rc;
}

void mm_decision_free(mm_decision *d) {
  free(d->log_margin);
  free(d->z);
  free(d->p);
  free(d->ratio);
  free(d->flagged);
  memset(d, 0, sizeof *d);
}
