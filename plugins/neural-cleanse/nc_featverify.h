/* Verification of the reversed triggers in the model's feature layer: do a
 * class's training rows sit farther along the direction its reversed
 * trigger moves inputs than every held-out clean reference row of the
 * class? Poisoned rows carry the real trigger, and a reversed trigger that
 * reaches the backdoor moves inputs the way the real one does even where
 * its pixels differ. Exact under exchangeability of the two row sets, as
 * the pixel-space verification (nc_verify.h). */
#ifndef NC_FEATVERIFY_H
#define NC_FEATVERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "nc_reverse.h"

typedef struct nc_fverify {
  int available;         /* a labelled training set and a feature layer were used */
  size_t k;              /* classes */
  uint64_t *n_train;     /* per class: training rows with that label */
  uint64_t *n_ref;       /* per class: held-out reference rows with that label */
  uint64_t *above;       /* per class: training rows beyond the class's cut */
  uint64_t *listed;      /* per class: rows listed (beyond the cut, or the quartile) */
  double *cut;           /* per class: largest held-out projection */
  double *p_exceed;      /* per class: beta-binomial tail of `above` */
  double *p_others;      /* per class: Fisher test against the other classes' rates */
  double *p_tail;        /* per class: max of the two (intersection-union) */
  double *auc;           /* per class: chance a training row lies farther than a held-out one */
  double *p_rank;        /* per class: one-sided Mann-Whitney p of that shift (nominal) */
  double *z_rank;        /* per class: its z against the other classes' (leave-one-out mean/sd) */
  double *p_rank_fw;     /* per class: family-wise p of that z across the classes */
  uint8_t *by_rank;      /* per class: the rank test decides (rows: upper quartile) */
  double *weight;        /* per class: its share of the level, from its norm rank */
  double *p_adj;         /* per class: min(p_tail / (3/4 weight), p_rank_fw / (1/4)), at most 1 */
  uint64_t **rows;       /* per class: the rows listed, `listed` of them (malloc'd) */
  double *restart_norm;  /* per class: second search's norm, NAN if none (nc_restart.h) */
  uint8_t *from_restart; /* per class: 1 when the direction is the second search's */
} nc_fverify;

/* Tests every class. dir is classes x dim (nc_check_directions), heldout
 * marks the reference rows the search did not use, order is the norm
 * ranking (result indices, smallest first). Without a labelled training
 * set or a feature layer v->available is 0 and MG_OK is returned. */
int nc_fverify_run(const nc_problem *pb, const nc_result *res, size_t k, const size_t *order,
                   const uint8_t *heldout, const double *dir, uint64_t dim, nc_fverify *v);

void nc_fverify_free(nc_fverify *v);

#endif
