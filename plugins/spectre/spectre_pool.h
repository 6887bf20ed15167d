/* spectre's pooled (all-to-all) test and the mapping it names
 * (spectre_pool.c). */
#ifndef SPECTRE_POOL_H
#define SPECTRE_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "mgds.h"

/* A class whose own exceedance is at least suggestive (unadjusted p, with
 * at least MGDS_MIN_FLAGGED rows) contributes its rows and its source to
 * the pooled finding. */
#define SP_POOL_CLASS_P 0.05

typedef struct sp_pool {
  double p;              /* P(pooled exceedances >= observed) under clean classes */
  uint64_t flagged;      /* training rows beyond their class's cut, all classes */
  uint64_t rows;         /* training rows of the tested classes */
  uint64_t ref_flagged;  /* reference rows beyond the same cuts */
  uint64_t ref_rows;     /* reference rows of the tested classes */
  size_t classes_tested; /* classes with a reference cut */
  size_t contributing;   /* classes that contribute (sp_contributes) */
} sp_pool;

/* The pooled exact test over every analysed class with a reference cut
 * (rank[c] the reference order statistic of class c's cut). */
int sp_pooled(const mgds_result *res, const size_t *rank, size_t k, sp_pool *out);
int sp_contributes(const mgds_result *x);

/* For each contributing class c: the label most of its flagged rows'
 * 10 nearest reference rows of other labels carry (cosine on features
 * centred by the reference mean), and that share of the flagged rows; -1
 * and 0 for the others. */
int sp_mapping(const mgds_set *s, const mgds_result *res, int32_t *source, double *share);

#endif
