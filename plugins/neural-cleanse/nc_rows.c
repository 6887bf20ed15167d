/* Search rows of a class (nc_rows.h). */
#include "nc_rows.h"

size_t nc_rows_of_others(const nc_problem *pb, int32_t target, mgd_rng *r, uint64_t *order) {
  size_t n = 0;
  for (size_t i = 0; i < pb->n; i++)
    if (!pb->labels || pb->labels[i] != target)
      order[n++] = i;
  if (!n) /* every row is of the target class: use them anyway */
    for (size_t i = 0; i < pb->n; i++)
      order[n++] = i;
  mgd_rng_shuffle(r, order, n);
  return n;
}

size_t nc_rows_next(mgd_rng *r, uint64_t *order, size_t n, size_t *cursor) {
  if (*cursor >= n) {
    mgd_rng_shuffle(r, order, n);
    *cursor = 0;
  }
  return (size_t)order[(*cursor)++];
}

size_t nc_argmax(const float *v, size_t n) {
  size_t best = 0;
  for (size_t j = 1; j < n; j++)
    if (v[j] > v[best])
      best = j;
  return best;
}
