/* The Neural Cleanse decision: is the smallest reversed trigger anomalously
 * small next to the other classes'? A step-down z-score of the log-norms
 * with p-values simulated for the actual number of classes under a
 * heavy-tailed null, a naturalness check that discounts triggers made of
 * the class's own features, and the paper's MAD anomaly index beside it. */
#ifndef NC_DECIDE_H
#define NC_DECIDE_H

#include <stddef.h>
#include <stdint.h>

#include "nc_reverse.h"

/* Below this many classes the rest is too small to estimate a spread. */
#define NC_MIN_CLASSES 4
/* Level of the step-down test: a class is flagged when its p-value under
 * the clean-model null is below it (the weakest severity). */
#define NC_ALPHA 0.05

typedef struct nc_decision {
  size_t k;                        /* classes compared */
  size_t *order;                   /* result indices sorted by norm, smallest first */
  double *log_norm;                /* per result */
  double *z;                       /* per result: step-down z (NaN for the largest two) */
  double *index;                   /* per result: the paper's anomaly index |n - med| / MAD */
  double *natural;                 /* per result: naturalness cosine (NaN if unknown) */
  double median, mad;              /* of the norms (the paper's index) */
  double rest_centre, rest_spread; /* mean and sd of the log-norms above the smallest */
  double ratio_second;             /* smallest norm / second smallest */
  double ratio_median;             /* smallest norm / median of the others */
  double natural_median;           /* median naturalness of the unflagged classes */
  size_t max_tests;                /* ranks tested by the step-down */
  double *p;                       /* per rank < max_tests: min-p adjusted p-value, t null */
  double *p_normal;                /* the same under a normal null, for the report */
  size_t null_draws;               /* Monte-Carlo draws behind the p-values */
  size_t n_flagged;                /* ranks 0 .. n_flagged-1 are flagged */
  double *p_flag;                  /* per flagged rank: the p-value that flags it */
  int *natural_looking;            /* per flagged rank: naturalness >= natural_median */
  int paper_flag;                  /* the paper's rule fires for the smallest */
} nc_decision;

/* Ranks the results and tests them. natural (k values, NaN allowed) may
 * be NULL; draws is the Monte-Carlo size, 0 for the default. p-values are
 * never below 1 / (null_draws + 1). */
int nc_decide(const nc_result *res, size_t k, const double *natural, uint64_t seed, size_t draws,
              nc_decision *d);
void nc_decision_free(nc_decision *d);

#endif
