/* Checks of the reversed triggers on the search rows: attack success, and
 * whether a trigger moves inputs toward the class's own clean
 * representation (a natural feature) or somewhere else (a learned
 * shortcut, as a backdoor is). */
#ifndef NC_CHECK_H
#define NC_CHECK_H

#include "nc_reverse.h"

/* Fills res[i].success for every result and natural[i]: the cosine between
 * the shift the trigger causes in the feature layer (mean of triggered
 * other-class rows minus mean of all clean rows) and the direction of the
 * class's own clean rows (their mean minus the same overall mean). NaN
 * when the class has no clean rows to compare with. */
int nc_check_triggers(const nc_problem *pb, nc_result *res, size_t k, double *natural);

/* The feature layer's width (0 when the model has none usable) and, per
 * class label, the direction a trigger moves inputs in that layer: the
 * mean of the triggered other-class rows minus the mean of the class's own
 * clean rows (*dir is malloc'd, classes x dim, zero for a class without
 * clean rows; NULL when dim is 0). With pb->orthogonal, its component
 * along the class's own direction (the class's clean mean minus the mean
 * of all clean rows) is removed: what is left is what the trigger adds
 * that the class's clean rows do not have. Same passes as
 * nc_check_triggers. */
int nc_check_directions(const nc_problem *pb, nc_result *res, size_t k, double *natural,
                        uint64_t *dim, double **dir);

#endif
