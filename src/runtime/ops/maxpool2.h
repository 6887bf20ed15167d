/* One output row of a max pool with 2x2 windows of stride 2 that lie
 * inside the input, the pooling after most convolutions of the classifiers
 * vendors ship, eight outputs at a time in the widest vectors the CPU
 * has (the general path of op_pool.c does four). */
#ifndef MG_RT_MAXPOOL2_H
#define MG_RT_MAXPOOL2_H

#include <stdint.h>

/* The arg-max rule: a larger value or a NaN replaces the maximum so far,
 * unless that is already NaN (so a NaN propagates). */
#define MAX_TAKES(v, m) (!((v) <= (m)) && (m) == (m))

/* y[o] = max of r0[2o], r0[2o + 1], r1[2o], r1[2o + 1] (in that order, by
 * the rule) for o < ow, with variant v (rt_simd_usable's numbering; the
 * caller picks one this CPU runs). The last step may read past the row's
 * end, within the avail floats readable from r1 (r0 lies before r1). */
void maxpool2_row_variant(int v, const float *r0, const float *r1, int64_t ow, int64_t avail,
                          float *y);
/* For the tests: the number of variants and whether this CPU runs v. */
int maxpool2_variants(void);
int maxpool2_variant_usable(int v);

#endif
