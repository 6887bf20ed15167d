/* Label-pair counts of the k-NN votes and their tests (lc_pairs.c). */
#ifndef LC_PAIRS_H
#define LC_PAIRS_H

#include <stddef.h>
#include <stdint.h>

typedef struct lc_counts {
  uint32_t k;                /* labels */
  uint64_t *n;               /* training rows per label */
  uint64_t *ref_n;           /* reference rows per label */
  uint64_t *cnt;             /* k x k: training rows labelled a marked as s */
  uint64_t *ref_cnt;         /* the same among reference rows */
  uint64_t *away, *ref_away; /* per label: marked as any other label */
  long family;               /* hypotheses in the Holm family after Tarone */
} lc_counts;

typedef struct lc_pair {
  int32_t label, source; /* rows labelled `label` whose neighbours say `source` */
  uint64_t count, n, ref_count, ref_n;
  double p, p_min, adj;
} lc_pair;

/* Counts from each row's label y and mark m (-1: not marked), training
 * and reference. 0, or MG_ERR_NOMEM. */
int lc_count(lc_counts *c, uint32_t k, const int32_t *y, const int32_t *m, uint64_t n,
             const int32_t *yr, const int32_t *mr, uint64_t nr);
void lc_counts_free(lc_counts *c);

/* One-sided Fisher exact test per ordered pair (training rate above the
 * reference rate), Holm's adjustment after Tarone's screen at 0.01; the
 * k(k - 1) pairs sorted by p (malloc'd). */
int lc_pairs(lc_counts *c, lc_pair **out, size_t *n_out);

#endif
