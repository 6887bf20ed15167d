/* The warp family's decision and report: is one class reached by a small
 * warp far better than the others? The classes' remaining cross-entropies
 * (nc_warp.h) are ranked and tested by the same step-down as the mask
 * norms (nc_decide.h: log scale, Student-t null simulated for the actual
 * number of classes, min-p adjusted), at their own level. */
#ifndef NC_WARP_DECIDE_H
#define NC_WARP_DECIDE_H

#include <stddef.h>
#include <stdint.h>

#include <modelgate/plugin.h>

#include "nc_reverse.h"
#include "nc_warp.h"

/* The warp test's family-wise level: a class is named when its adjusted
 * p-value is at or below it. */
#define NC_WARP_ALPHA 0.01

/* Tests the k warp results, adds the evidence key "warp" and emits a
 * finding (rule neural-cleanse.small-warp) per named class. */
int nc_warp_decide_report(const mg_services *svc, mg_plugin_ctx *ctx, const nc_warp_params *wp,
                          const nc_warp_result *w, size_t k, uint64_t seed);

#endif
