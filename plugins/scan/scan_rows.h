/* Which rows of a class SCAn's finding lists (scan_rows.c): once the class
 * is decided, each training row is assigned by its posterior under a
 * two-component model in the whitened feature space -- the clean component
 * fitted on the class's clean reference rows, the foreign component on the
 * rows flagged so far -- and the foreign component is refitted on the rows
 * it takes until none moves. Separate from the plugin so a unit test can
 * drive it on synthetic data. */
#ifndef SCAN_ROWS_H
#define SCAN_ROWS_H

#include <stddef.h>

/* Each component is N(mean, I + sum_j a_j v_j v_j^T): the untangling
 * model's identity covariance plus the group's SC_ROWS_RANK largest
 * principal directions of excess spread (a_j = eigenvalue - 1 when above
 * 1). A poisoned group is elongated (how strongly each row carries the
 * trigger) while the untangling model's identity describes clean rows; a
 * full covariance is not estimable from a few dozen rows. */
#define SC_ROWS_RANK 2
#define SC_ROWS_ROUNDS 30

typedef struct sc_posterior {
  size_t n_start;  /* rows flagged before (the cut's rows) */
  size_t n_flag;   /* rows with foreign posterior > 1/2 at the end */
  size_t ref_flag; /* clean reference rows the final rule takes (cross-fitted) */
  size_t budget;   /* the most it may take: the cut's reference rank */
  int rounds;      /* refits taken (0: the start was kept) */
  int converged;   /* no row moved in the last round */
  int stopped;     /* a refit would have taken more than the budget */
} sc_posterior;

/* w: n training rows of the class, wr: its m clean reference rows, both
 * whitened (dw wide). flag holds the start (the cut's rows) and receives
 * the rows whose posterior of the foreign component exceeds 1/2. A round
 * is not taken (the previous flags stay, and the refit stops) when it
 * would leave fewer than 3 rows in either component, or when its rule
 * takes more of the reference rows than the cut's rank allows
 * (max(1, floor(SC_REF_FRR (m + 1)))): a foreign component that grows into
 * a natural mode of the class takes the reference rows of that mode too.
 * The count is cross-fitted: each reference row is weighed against a
 * clean component fitted on the other half of the reference rows
 * (alternating by index), since one fitted on the row itself would
 * undercount the rule's false alarms. Needs m >= 6. */
int sc_posterior_rows(const float *w, size_t n, const float *wr, size_t m, size_t dw,
                      unsigned char *flag, sc_posterior *out);

#endif
