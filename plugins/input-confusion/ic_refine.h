/* Second stage of input-confusion's rows (ic_refine.c): once a label is
 * decided, which of its training rows carry the trigger its flagged rows
 * share. Each row's residual from the mean of its k nearest clean
 * reference inputs (its content as the clean data would have it, taken
 * away) is compared with the summed residual of the first stage's rows
 * (a stamped trigger adds the same pixels to every poisoned row; a clean
 * row that merely sits among other labels adds nothing shared). The null
 * of that alignment comes from every clean reference row (standardised
 * within its label); each row gets an exceedance p-value and the rows kept
 * are those Benjamini-Hochberg rejects at level q over the label's rows
 * (expected false discovery proportion at most q). */
#ifndef IC_REFINE_H
#define IC_REFINE_H

#include <stddef.h>
#include <stdint.h>

typedef struct ic_refine_in {
  const float *train, *ref; /* rows of d floats, unit length (cosine neighbours) */
  const float *train_norm;  /* each training row's length before normalising */
  const float *ref_norm;    /* each reference row's */
  const int32_t *yref;      /* reference labels, -1 outside the model's */
  size_t n_ref, d, k;
  uint32_t n_labels;
  int32_t label;             /* the decided label */
  const uint64_t *rows;      /* its training rows */
  size_t n;                  /* how many */
  const unsigned char *seed; /* n flags: the first stage's rows */
  double q;                  /* the false discovery rate */
} ic_refine_in;

typedef struct ic_refine_out {
  size_t seeds;      /* first-stage rows the trigger estimate was summed over */
  size_t kept;       /* rows rejected by Benjamini-Hochberg */
  size_t kept_seeds; /* of them, first-stage rows */
  double p_cut;      /* the largest p-value rejected (0 when none) */
  size_t null_rows;  /* reference rows in the null */
  /* The label-level test: the label's training rows outside the seeds
   * whose alignment with the seeds' summed residual exceeds the rank-th
   * largest alignment of the label's own clean reference rows (rank from
   * IC_SHARED_FRR); under exchangeability of the label's clean training
   * and reference rows their count is BetaBinomial(others, rank, m - rank + 1). */
  size_t others;   /* non-seed training rows */
  size_t beyond;   /* of them, beyond the cut */
  size_t ref_rows; /* the label's reference rows */
  size_t ref_rank; /* the order statistic that is the cut */
  double p_label;  /* exact exceedance p (1 when not computed) */
} ic_refine_out;

/* The clean reference rows' residuals from their own k nearest reference
 * rows, standardised per input dimension, and that mean and spread (which
 * standardise the training rows' residuals too): the same for every label,
 * so computed once per run. */
typedef struct ic_refine_ref {
  float *rr;       /* n_ref x d */
  double *mu, *sd; /* d each */
} ic_refine_ref;

/* From in's reference rows (ref, ref_norm, n_ref, d, k; the label fields
 * are not read). 0, or -1 when out of memory or there are fewer than
 * k + 2 reference rows. */
int ic_refine_prepare(const ic_refine_in *in, ic_refine_ref *ref);
void ic_refine_ref_free(ic_refine_ref *ref);

/* Fills keep (n flags) with the rows rejected; 0, or -1 when out of
 * memory or the inputs leave no null (ref not prepared, fewer than two
 * seeds, fewer than 3 reference rows of a label). */
int ic_refine(const ic_refine_in *in, const ic_refine_ref *ref, unsigned char *keep,
              ic_refine_out *out);

#endif
