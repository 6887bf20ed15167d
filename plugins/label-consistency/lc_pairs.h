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

/* A label's best pair contributes to the mapping test when its
 * Bonferroni-adjusted p (over the label's k - 1 sources) is at most this. */
#define LC_MAP_LABEL_P 0.05

/* The class-agnostic view: each label's most significant source, and
 * Fisher's combination of the labels' Bonferroni-adjusted best p-values
 * (conservative: each is super-uniform under clean labels). */
typedef struct lc_map {
  int32_t *source;     /* per label: the source of its best pair, -1 if none */
  double *p_label;     /* per label: min over sources of p, times k - 1 */
  uint64_t *rows;      /* per label: rows of its best pair */
  size_t labels;       /* labels combined */
  size_t contributing; /* labels with p_label <= LC_MAP_LABEL_P and >= 5 rows */
  int permutation;     /* the contributing labels' sources are distinct */
  double chi2, p;      /* Fisher's statistic (2 * labels degrees of freedom), its p */
} lc_map;

int lc_mapping(const lc_counts *c, const lc_pair *pairs, size_t n_pairs, lc_map *out);

/* The label counts of a flip s -> a: rows move from s to a, so among the
 * training rows labelled a or s, a's share exceeds the reference set's
 * (one-sided Fisher exact test), Bonferroni-adjusted over the k(k - 1)
 * ordered pairs. The neighbour test conditions on each label's row count,
 * so under clean labels its p-value is super-uniform whatever the counts:
 * the two p-values combine by Fisher's method when the training and
 * reference labels share one distribution (docs/detectors/label-consistency.md). */
typedef struct lc_shift {
  double p;        /* the adjusted label-count p */
  double combined; /* Fisher's combination with the pair's adjusted p */
} lc_shift;

lc_shift lc_label_shift(const lc_counts *c, const lc_pair *pair);
void lc_map_free(lc_map *m);

#endif
