/* k nearest clean neighbours and their label vote (knn.c), shared by
 * label-consistency, spectre and input-confusion. */
#ifndef MG_PLUGINS_KNN_H
#define MG_PLUGINS_KNN_H

#include <stddef.h>
#include <stdint.h>

typedef struct lc_vote {
  int32_t top;        /* the label most of the k neighbours carry (lowest on ties) */
  uint32_t top_votes; /* how many of the k carry it */
} knn_vote_t;

/* Centres each of the n rows of x (d floats) by mean and scales it to unit
 * length (a zero row stays zero). */
void knn_normalise(float *x, size_t n, size_t d, const float *mean);

/* For each of the nq query rows q (normalised), the k pool rows of highest
 * cosine similarity and their labels' vote. self: the queries are the pool
 * itself and a row is not its own neighbour (leave-one-out). -1 when out
 * of memory or the pool has fewer than k rows (+1 with self). other_than
 * >= 0: pool rows with that label are not neighbours (the vote of the
 * nearest foreign rows). */
int knn_vote(const float *q, size_t nq, const float *pool, const int32_t *pool_labels, size_t m,
             size_t d, size_t k, uint32_t n_labels, int self, int32_t other_than, knn_vote_t *out);

/* As knn_vote, but the whole vote: counts[i * n_labels + l] is how many of
 * query row i's k neighbours carry label l (input-confusion weighs every
 * label a row's neighbours carry, not only the most common one). */
int knn_label_counts(const float *q, size_t nq, const float *pool, const int32_t *pool_labels,
                     size_t m, size_t d, size_t k, uint32_t n_labels, int self, uint32_t *counts);

/* Called once per query row, in row order, with the indices of its found
 * (k, or fewer when the pool is short) most similar pool rows, highest
 * similarity first. */
typedef void (*knn_row_fn)(void *arg, size_t row, const uint32_t *idx, size_t found);

/* For each of the nq query rows q (normalised), its k pool rows of highest
 * cosine similarity, passed to fn. self: as knn_vote. -1 when out of memory
 * or the pool has fewer than k rows (+1 with self). */
int knn_neighbours(const float *q, size_t nq, const float *pool, size_t m, size_t d, size_t k,
                   int self, knn_row_fn fn, void *arg);

#endif
