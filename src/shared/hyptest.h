/* Exact tail probabilities and multiple-comparison adjustment for the
 * detectors' class-level decisions and the correlation rule's chance tests
 * (src/verdict/correlate.c). All counts are row counts. */
#ifndef HYPTEST_H
#define HYPTEST_H

#include <stddef.h>
#include <stdint.h>

/* One-sided Fisher exact test: P(X >= a) for X hypergeometric, i.e. the
 * chance that group 1 (n1 rows) holds a or more of the a + b marked rows
 * when the marks fall on the n1 + n2 rows at random. Small p means group 1
 * is marked more often than group 2. 1.0 for degenerate tables. */
double ht_fisher_greater(uint64_t a, uint64_t n1, uint64_t b, uint64_t n2);

/* The smallest p-value ht_fisher_greater can give with these margins:
 * every one of the `marked` rows in group 1. */
double ht_fisher_min(uint64_t n1, uint64_t n2, uint64_t marked);

/* Tarone's (1990) screen for discrete tests: a hypothesis whose smallest
 * attainable p-value exceeds alpha / K can never be rejected, so it need
 * not count in the correction. Finds the smallest K such that at most K
 * hypotheses have p_min <= alpha / K, marks those in keep, returns how
 * many. Margins alone decide, so the p-values stay valid. */
size_t ht_tarone(const double *p_min, size_t m, double alpha, unsigned char *keep);

/* Holm's adjustment within the hypotheses Tarone's screen keeps at alpha
 * (the lowest level any decision uses); the others get 1. Returns the
 * size of the family, or -1 when out of memory. */
long ht_holm_tarone(const double *p, const double *p_min, size_t m, double alpha, double *adj);

/* P(X >= k) for X ~ Binomial(n, p). */
double ht_binom_sf(uint64_t k, uint64_t n, double p);

/* P(X >= x) for X ~ BetaBinomial(n, alpha, beta). With alpha = k and
 * beta = m - k + 1 it is the exact law of how many of n new rows fall
 * below the k-th smallest of m exchangeable rows. */
double ht_betabinom_sf(uint64_t x, uint64_t n, double alpha, double beta);

/* P(X_1 + ... + X_m >= x) for independent X_j ~ BetaBinomial(n[j],
 * alpha[j], beta[j]), by exact convolution of the laws (O(N^2) for N the
 * sum of n): the pooled exceedance count of m classes each judged against
 * its own reference rows. 0, or -1 when out of memory. */
int ht_betabinom_sum_sf(const uint64_t *n, const double *alpha, const double *beta, size_t m,
                        uint64_t x, double *p);

/* Holm's step-down adjustment of m p-values (adj may alias p). */
int ht_holm(const double *p, size_t m, double *adj);
/* The same when these m are the tested part of a family of `family`
 * hypotheses (the others count with p = 1; family < m counts as m). */
int ht_holm_of(const double *p, size_t m, uint64_t family, double *adj);
/* order[0..m) = the indices of p from the smallest p up (NaN as 1; ties
 * by index). 0, or -1 when out of memory. */
int ht_order_by_p(const double *p, size_t m, size_t *order);

/* Standard normal quantile (Acklam's rational approximation refined by one
 * Halley step; |error| < 1e-12 on (0, 1)) and upper tail. */
double ht_norm_quantile(double p);
double ht_norm_sf(double z);

/* One-sided Mann-Whitney test that x tends to be lower than y (normal
 * approximation with tie and continuity corrections); *auc = U / (nx ny),
 * the chance that an x is below a y (ties half). 1 and NAN for an empty
 * side. */
double ht_rank_test(const double *x, size_t nx, const double *y, size_t ny, double *auc);

/* -log10(p) capped at 300, as a finding's score. */
double ht_score(double p);

#endif
