/* k nearest clean neighbours and their label vote (lc_knn.c). */
#ifndef LC_KNN_H
#define LC_KNN_H

#include <stddef.h>
#include <stdint.h>

typedef struct lc_vote {
  int32_t top;        /* the label most of the k neighbours carry (lowest on ties) */
  uint32_t top_votes; /* how many of the k carry it */
} lc_vote;

/* Centres each of the n rows of x (d floats) by mean and scales it to unit
 * length (a zero row stays zero). */
void lc_normalise(float *x, size_t n, size_t d, const float *mean);

/* For each of the nq query rows q (normalised), the k pool rows of highest
 * cosine similarity and their labels' vote. self: the queries are the pool
 * itself and a row is not its own neighbour (leave-one-out). -1 when out
 * of memory or the pool has fewer than k rows (+1 with self). */
int lc_knn_vote(const float *q, size_t nq, const float *pool, const int32_t *pool_labels, size_t m,
                size_t d, size_t k, uint32_t n_labels, int self, lc_vote *out);

#endif
