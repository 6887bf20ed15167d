/* Two-means clustering with k-means++ seeding, the silhouette of a
 * two-clustering, and its Gaussian null (ac_cluster.c). */
#ifndef AC_CLUSTER_H
#define AC_CLUSTER_H

#include <stddef.h>

#include "mgd.h"

/* Best of `restarts` Lloyd runs from k-means++ seeds (lowest inertia) on
 * n rows of k floats: assign[i] in {0, 1}, cent 2 x k. Fails with
 * MG_ERR_NUMERIC when all rows coincide. */
int ac_kmeans2(const float *x, size_t n, size_t k, int restarts, mgd_rng *rng,
               unsigned char *assign, double *cent, double *inertia);

/* Mean silhouette (Euclidean) of a two-clustering, exact on up to `sample`
 * rows, else on a deterministic random sample of that many; per_cluster
 * gets the mean over each cluster's rows. NaN when a cluster is empty. */
double ac_silhouette(const float *x, size_t n, size_t k, const unsigned char *assign, size_t sample,
                     mgd_rng *rng, double per_cluster[2]);

/* Mean and SD of the silhouette of 2-means on `reps` Gaussian samples of
 * min(n, sample) rows with per-dimension variances vals[0..k). */
int ac_silhouette_null(const float *vals, size_t k, size_t n, int reps, int restarts, size_t sample,
                       mgd_rng *rng, double *mean, double *sd);

#endif
