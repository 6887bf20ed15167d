/* A second trigger search, from another start, for the classes the norm
 * ranking puts first: the search is non-convex, and at 0.5-1% poison the
 * reversed trigger reaches the backdoor from some starts only. Where the
 * second search finds the smaller trigger, its feature shift replaces the
 * first one's as the class's direction for the feature-layer rows route
 * (nc_featverify.h). The ranking and its test keep the first search's
 * norms. */
#ifndef NC_RESTART_H
#define NC_RESTART_H

#include <stddef.h>
#include <stdint.h>

#include "nc_reverse.h"

/* Searches the classes of norm ranks 0..ranks-1 (order: result indices,
 * smallest first) again on the same rows with another seed and without
 * the screening. dir is classes x dim (nc_check_directions); the row of
 * each class whose second trigger reached the success threshold with a
 * smaller norm (or whose first did not reach it) is replaced.
 * restart_norm[label] is the second search's norm (NAN for a class not
 * searched again), from_restart[label] 1 where its direction was used.
 * Both arrays have pb->classes entries. */
int nc_restart_directions(const nc_problem *pb, const nc_params *prm, const nc_result *res,
                          size_t k, const size_t *order, size_t ranks, uint64_t dim, double *dir,
                          double *restart_norm, uint8_t *from_restart);

#endif
