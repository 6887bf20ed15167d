/* The search rows a class's trigger is optimised on, shared by the mask
 * (nc_reverse.c) and warp (nc_warp.c) searches: the rows of the other
 * classes in a seeded random order, drawn in turn and reshuffled after
 * each pass. */
#ifndef NC_ROWS_H
#define NC_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "mgd.h"
#include "nc_reverse.h"

/* Fills order (room for pb->n) with the rows whose label is not target
 * (all rows when every row is of the target), shuffled; returns their
 * count. */
size_t nc_rows_of_others(const nc_problem *pb, int32_t target, mgd_rng *r, uint64_t *order);

/* The next row of order (n rows), reshuffling after a full pass. */
size_t nc_rows_next(mgd_rng *r, uint64_t *order, size_t n, size_t *cursor);

/* The index of the largest of n logits (the first on ties). */
size_t nc_argmax(const float *v, size_t n);

#endif
