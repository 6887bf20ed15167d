/* A per-class statistic judged against the other classes of the same
 * model: leave-one-out z against the others' mean and sd, and the
 * family-wise p-value of the largest of K such z when the K statistics
 * are iid normal (simulated for the actual K). The clean classes are the
 * null, so a statistic whose nominal law is off on every class of a
 * model (the rank test of training against held-out rows) is still
 * calibrated. */
#ifndef NC_ACROSS_H
#define NC_ACROSS_H

#include <stddef.h>
#include <stdint.h>

/* The others' sd is floored at this: a few classes of almost equal
 * statistic must not make a small excess extreme. */
#define NC_RANK_SD_FLOOR 0.25
/* Monte-Carlo draws of the null; p-values are at least 1 / (draws + 1). */
#define NC_RANK_NULL_DRAWS 20000

/* t[c] = (v[c] - mean of the others) / max(sd of the others, floor) for
 * every finite v[c] (NaN values are left out and get NaN); NaN for all
 * with fewer than 3 finite values. */
void nc_across_loo_z(const double *v, size_t k, double *t);

/* p[c]: the chance that the largest of n such t of n iid normal values
 * reaches t[c] (n = the finite t; NaN for the others or n < 3).
 * Deterministic given the seed. MG_OK or MG_ERR_NOMEM. */
int nc_across_familywise_p(const double *t, size_t k, uint64_t seed, double *p);

#endif
