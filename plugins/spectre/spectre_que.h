/* SPECTRE's scoring of one class (spectre_que.c): principal projection,
 * trimmed robust mean and covariance, whitening, quantum-entropy scores.
 * Separate from the plugin so the unit test can drive it on synthetic
 * data. */
#ifndef SPECTRE_QUE_H
#define SPECTRE_QUE_H

#include <stddef.h>
#include <stdint.h>

typedef struct sq_params {
  int k;         /* principal directions kept (option k) */
  double trim;   /* fraction of rows the robust estimate leaves out (option trim) */
  double alpha;  /* QUE's alpha (option alpha); 0 = plain Mahalanobis distance */
  uint64_t seed; /* for the cross-class Monte Carlo */
} sq_params;

typedef struct sq_class {
  double lambda;  /* spectral norm of the whitened training covariance */
  size_t trimmed; /* rows left out of the final robust estimate */
  int iterations; /* trimming rounds until the kept set was stable */
} sq_class;

/* The projection rank for a class of n rows of d features: min(k, d, n/5),
 * 0 when below 2 (the class is not analysed). */
size_t sq_rank_for(const sq_params *p, size_t n, size_t d);

/* QUE scores (their logarithms) of the n training rows x and of the nr
 * reference rows xr (row-major, d floats; both are centred in place) in
 * the class's robustly whitened top-k space: q (n) and qr (nr).
 * MG_ERR_NUMERIC when the robust covariance is singular. */
int sq_scores(const sq_params *p, float *x, size_t n, float *xr, size_t nr, size_t d, size_t k,
              double *q, double *qr, sq_class *out);

/* Median and MAD (x 1.4826) of the values left after repeatedly removing
 * those more than z robust SDs above the median (never added back). */
void sq_bulk(const double *q, size_t n, double z, double *median, double *mad);

/* The rank-th largest of n values (rank 1 = the maximum). */
double sq_kth_largest(const double *v, size_t n, size_t rank);

#endif
