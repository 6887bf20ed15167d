/* Verification of the reversed triggers against the training set: does a
 * class's training rows already carry its reversed trigger more often than
 * its clean reference rows that the search never saw? A poisoned row is
 * the trigger stamped on an image, so the trigger changes it little; a
 * natural class's smallest trigger is no closer to its training rows than
 * to its held-out clean rows. Exact under exchangeability of the two. */
#ifndef NC_VERIFY_H
#define NC_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "nc_reverse.h"

typedef struct nc_verify {
  int available;      /* a labelled training set was tested */
  size_t k;           /* classes */
  uint64_t *n_train;  /* per class: training rows with that label */
  uint64_t *n_ref;    /* per class: held-out reference rows with that label */
  uint64_t *below;    /* per class: training rows below the class's cut */
  uint64_t *ref_ties; /* per class: held-out rows at the cut (for the report) */
  double *cut;        /* per class: smallest held-out trigger distance */
  double *ref_median; /* per class: median held-out trigger distance */
  double *p_exceed;   /* per class: beta-binomial tail of `below` */
  double *p_others;   /* per class: Fisher test against the other classes' rates */
  double *p_controls; /* per class: Fisher test against its rows under other triggers (reported) */
  uint64_t *below_controls; /* per class: its rows below their cuts, other triggers, summed */
  double *p;                /* per class: max of exceedance and others (intersection-union) */
  double *weight;           /* per class: its share of the level, from its norm rank */
  double *p_adj;            /* per class: min(1, p / weight) */
  uint64_t **rows;          /* per class: the training rows below the cut (malloc'd) */
} nc_verify;

/* The class's share of the level by its rank in the norm ranking (0 =
 * smallest): half of what the ranks before it left, the last rank the
 * remainder, so the shares sum to 1 (weighted Bonferroni). */
double nc_verify_weight(size_t rank, size_t k);

/* Tests every class. heldout[i] is nonzero for the reference rows the
 * search did not use; order is the norm ranking (result indices, smallest
 * first). Without a labelled training set v->available is 0 and MG_OK is
 * returned. */
int nc_verify_run(const nc_problem *pb, const nc_result *res, size_t k, const size_t *order,
                  const uint8_t *heldout, nc_verify *v);

/* The test alone, for the unit tests: n training rows of which `below`
 * fall below the smallest of m held-out rows, against the other classes'
 * pooled counts. Sets *p_exceed and *p_others; returns their max. */
double nc_verify_p(uint64_t below, uint64_t n, uint64_t m, uint64_t below_others, uint64_t n_others,
                   double *p_exceed, double *p_others);

/* The per-class decision both rows routes share (this one and the feature
 * layer's, nc_featverify.c): for the class of norm rank j, hits[l] of its
 * n_train[l] training rows beyond the cut of its n_ref[l] held-out rows,
 * the exact exceedance tail intersected with the Fisher test against the
 * other tested classes' pooled rate, then its share of the level by rank
 * (weighted Bonferroni). Each output array is indexed by class label and
 * may be NULL except p and p_adj. */
void nc_verify_classes(size_t k, const nc_result *res, const size_t *order, const uint64_t *hits,
                       const uint64_t *n_train, const uint64_t *n_ref, double *p_exceed,
                       double *p_others, double *p, double *weight, double *p_adj);

void nc_verify_free(nc_verify *v);

#endif
