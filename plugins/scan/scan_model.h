/* SCAn's statistics (scan_model.c): the untangling model's within-class
 * covariance from the clean reference rows, whitening with it, the
 * two-component decomposition of one class and its likelihood-ratio
 * statistic J, and J's null distribution from the class's own clean
 * reference rows. Separate from the plugin so a unit test can drive it on
 * synthetic data. */
#ifndef SCAN_MODEL_H
#define SCAN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "mgds.h"

/* The global (untangling) model: the reference rows' pooled within-class
 * covariance S_e, and the whitening x -> (x - mean) V L^{-1/2} on its
 * eigendirections whose variance exceeds SC_EIG_TOL times the largest
 * (a pseudo-inverse, as in SCAn: dead units have no within-class
 * variance). */
#define SC_EIG_TOL 1e-5
typedef struct sc_global {
  size_t d;     /* feature width */
  size_t dw;    /* whitened width (directions kept) */
  float *mean;  /* d: mean of the reference rows */
  float *white; /* d x dw, row-major */
  size_t rows;  /* reference rows used */
  size_t dof;   /* rows - classes with rows */
} sc_global;

/* Fits the model on the reference rows of s (s->have_ref must hold).
 * MG_ERR_NUMERIC when S_e is degenerate (fewer than 2 directions). */
int sc_global_fit(const mgds_set *s, sc_global *g);
void sc_global_free(sc_global *g);
/* out (n x dw) = the whitened rows of x (n x d). */
void sc_whiten(const sc_global *g, const float *x, size_t n, float *out);

/* One class's decomposition into two groups with a shared (whitened,
 * identity) covariance and mixing proportions, by classification EM from
 * `restarts` k-means++ starts; the start with the largest J is kept.
 * J = (1/n) sum_i (|w_i - m|^2 - |w_i - m_{g(i)}|^2): the per-row log-
 * likelihood ratio (x 2) of two groups against one. */
typedef struct sc_split {
  double j;        /* the statistic; 0 when no split was found */
  size_t n_minor;  /* rows of the smaller group */
  double distance; /* whitened distance between the two group means */
  int iterations;  /* EM rounds of the kept start */
} sc_split;
int sc_two_component(const float *w, size_t n, size_t dw, int restarts, mgd_rng *rng,
                     unsigned char *minor, sc_split *out);

/* A decomposition fitted on a sample (ws, ns rows, minor_s its smaller
 * group) extended to all n rows of w: each row goes to the group the EM's
 * rule prefers (nearest mean, less the log of the group's proportion). */
int sc_extend(const float *ws, size_t ns, const unsigned char *minor_s, const float *w, size_t n,
              size_t dw, unsigned char *minor);

/* The rows step. The group the class's clean reference rows populate
 * least (relative to its training share; the EM's own boundary assigns
 * them) is the foreign one, so poison above half of a class is still
 * found. Rows are placed on the line from the other group's mean (the
 * bulk) to the foreign group's; the bulk is trimmed of rows beyond
 * SC_ROW_Z robust SDs towards the foreign side until stable, and every
 * training row beyond the cut is flagged: the larger of SC_ROW_Z robust SDs
 * of the bulk and the rank-th largest reference row on the line, rank =
 * max(1, floor(SC_REF_FRR (m + 1))), so at most about 1% of clean rows of
 * the class lie beyond it. */
#define SC_ROW_Z 3.0
#define SC_REF_FRR 0.01
typedef struct sc_rows {
  int foreign_minor;  /* the foreign group is the smaller one */
  double ref_share;   /* reference rows the EM boundary puts in the foreign group */
  double train_share; /* training rows in the foreign group */
  double median, mad; /* of the bulk on the line */
  double cut;         /* in the line's units, from the bulk's median */
  size_t rank;        /* the reference order statistic of the cut (0: none) */
  size_t n_flag;      /* training rows beyond the cut */
  size_t ref_flag;    /* reference rows beyond the cut */
} sc_rows;
int sc_flag_rows(const float *w, size_t n, const float *wr, size_t m, size_t dw,
                 const unsigned char *minor, unsigned char *flag, sc_rows *out);

/* J's null for a clean class of n rows: `reps` samples, each n rows drawn
 * with replacement from a bootstrap resample of the class's m clean
 * reference residuals (res, m x dw, centred on the class's reference mean)
 * -- the outer resample carries the uncertainty of the reference sample
 * itself. Mean and SD of J over the samples. */
int sc_null(const float *res, size_t m, size_t dw, size_t n, int reps, int restarts, mgd_rng *rng,
            double *mean, double *sd);

#endif
