/* Shared by the two data-side plugins, spectral-signatures and
 * activation-clustering (compiled into both): the training set's features
 * grouped by label (and the reference set's, when the package has one),
 * per-class linear algebra through OpenBLAS/LAPACK, and the statistics that
 * turn one split of a class into a calibrated verdict. Only the public
 * plugin ABI and plugins/common are used. The docs (docs/detectors/) explain
 * every constant below. */
#ifndef MGDS_H
#define MGDS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "mgd.h"

/* A row leaves the bulk of its class when it lies more than this many
 * robust standard deviations (MAD * 1.4826) beyond the bulk's median on the
 * suspect side: 0.13% of a normal bulk. */
#define MGDS_ROW_Z 3.0
/* Classes with fewer training rows are not analysed. */
#define MGDS_MIN_CLASS_ROWS 20
/* A flagged group smaller than this is a tail, not a cluster: no finding. */
#define MGDS_MIN_FLAGGED 5
/* The intrinsic gate: the class's separation statistic must exceed a
 * Gaussian of the same size (and covariance) by this many null SDs. */
#define MGDS_NULL_Z 3.0
/* The reference-set test's Bonferroni-adjusted binomial p-values are graded
 * by mgd_severity_of_p (MGD_P_HIGH, MGD_P_MEDIUM, MGD_P_LOW).
 * Cross-class test: family-wise p-values of the leave-one-out robust z. */
#define MGDS_FW_STRONG 0.01
#define MGDS_FW_WEAK 0.05
/* With at least this many reference rows expected in the flagged group and
 * a reference count consistent with the training rate (one-sided binomial
 * P(X <= observed) above MGDS_REF_PRESENT_ALPHA, X ~ Binomial(reference
 * rows, training share)), the group is a normal part of the class: the
 * cross-class test alone cannot make it a finding. */
#define MGDS_REF_PRESENT_EXPECTED 5.0
#define MGDS_REF_PRESENT_ALPHA 0.05

/* ---- the data */
typedef struct mgds_class {
  int32_t label;
  size_t n;         /* training rows with this label */
  uint64_t *rows;   /* their 0-based indices, ascending */
  size_t n_ref;     /* reference rows with this label */
  uint64_t *refrow; /* their indices into the reference set */
} mgds_class;

typedef struct mgds_set {
  uint64_t dim;            /* floats per feature row */
  uint64_t n_train;        /* training rows */
  uint64_t n_ref;          /* reference rows (0 without a usable reference set) */
  float *train;            /* n_train x dim */
  float *ref;              /* n_ref x dim, or NULL */
  uint32_t n_labels;       /* the model's classes */
  mgds_class *classes;     /* n_labels entries, index = label */
  uint64_t unlabelled;     /* training rows whose label is outside [0, n_labels) */
  int have_ref;            /* a labelled reference set was found and used */
  const char *ref_note;    /* why no reference set is used, or NULL */
  char layer[256];         /* the tensor analysed */
  double seconds_features; /* wall time of the forward passes */
} mgds_set;

/* Monotonic wall-clock seconds, for the evidence's timings. */
double mgds_now(void);

/* The options mgds_load reads, for the option table of each plugin that
 * calls it (ABI 1.2): MGDS_OPTIONS, then the plugin's own entries. */
#define MGDS_OPTIONS                                                                               \
  {"layer", MG_OPTION_STRING, 0, 0, 0, "tensor analysed (unset: the model's feature layer)"}, {    \
    "reference", MG_OPTION_BOOL, 1, 0, 1, "1: also use the clean reference set when present"       \
  }

/* Loads the features of the training set (and of the reference set unless
 * the plugin's option reference=0), grouped by label. The layer is the
 * plugin's `layer` option or the model's feature layer. */
int mgds_load(mgds_set *s, const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin);

/* The layer name that stands for the dataset's own inputs (image space),
 * read without the model. */
#define MGDS_LAYER_INPUTS "@inputs"

/* mgds_load with another default than the model's feature layer when the
 * plugin's layer option is unset (MGDS_LAYER_INPUTS: the inputs). */
int mgds_load_default(mgds_set *s, const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin,
                      const char *default_layer);
void mgds_free(mgds_set *s);

/* Each training (reference: nonzero) row's label index, -1 for a row whose
 * label is outside the model's classes; NULL when out of memory. */
int32_t *mgds_labels(const mgds_set *s, int reference);

/* Copies the listed rows of a row-major n x dim matrix into out. */
void mgds_gather(const float *x, uint64_t dim, const uint64_t *rows, size_t n, float *out);

/* ---- linear algebra (OpenBLAS, LAPACK) */
/* Column means (accumulated in double) of an n x d matrix; subtracts them
 * in place when centre is nonzero. */
void mgds_mean(float *x, size_t n, size_t d, int centre, float *mean);
/* c = x^T x / n, d x d, both triangles filled (cblas_ssyrk). */
void mgds_gram(const float *x, size_t n, size_t d, float *c);
/* The top eigenvector of the symmetric d x d matrix c by power iteration
 * (cblas_ssymv) from a random start; *lambda its eigenvalue. Returns the
 * number of iterations, negative when it did not converge. */
int mgds_power(const float *c, size_t d, mgd_rng *rng, float *v, double *lambda);
/* The k largest eigenpairs of c (LAPACK ssyevr), values descending,
 * vectors as k rows of d floats. */
int mgds_top_eig(const float *c, size_t d, size_t k, float *vals, float *vecs);

/* ---- statistics */
/* The best split of n values into two groups by 1-D 2-means (exact, on the
 * sorted values): threshold, and the separation D = (m2 - m1) / pooled SD. */
typedef struct mgds_split {
  double threshold;
  double d;
  size_t n_low, n_high;
} mgds_split;
int mgds_split_1d(const double *q, size_t n, mgds_split *out);
/* Mean and SD of D for `reps` Gaussian samples of size n. */
int mgds_split_null(size_t n, int reps, mgd_rng *rng, double *mean, double *sd);

/* One side of a split: the presumed clean bulk is trimmed of its rows
 * beyond z_row robust SDs in direction `sign` (median and MAD recomputed
 * until stable; rows are never added back), then every row beyond z_row of
 * the final bulk is flagged. The reference rows are judged by the same
 * line, median and MAD. */
typedef struct mgds_side {
  int sign;            /* +1: flagged rows lie above the bulk */
  int majority;        /* the presumed bulk was the smaller group */
  unsigned char *flag; /* n entries, 1 = flagged */
  size_t n_flag;
  double median, mad; /* of the bulk along the line */
  size_t ref_flag;    /* reference rows of the class beyond the same cut */
  double p_ref;       /* one-sided Fisher exact p of the reference rate vs the training rate */
} mgds_side;
int mgds_side_eval(const double *q, size_t n, const double *qref, size_t nref,
                   const unsigned char *bulk0, int sign, double z_row, mgds_side *out);
void mgds_side_free(mgds_side *s);

/* P(X <= k) for X ~ Binomial(m, p). */
double mgds_binom_cdf(uint64_t k, uint64_t m, double p);
/* P(X <= k) for X ~ Hypergeometric: `draws` rows taken without
 * replacement from n_total of which n_succ are successes (the one-sided
 * Fisher exact test of a 2x2 table). */
double mgds_hyper_cdf(uint64_t k, uint64_t n_total, uint64_t n_succ, uint64_t draws);

/* Leave-one-out robust z of each value against the others' median/MAD
 * (NaN values are left out and get NaN). */
void mgds_loo_z(const double *v, size_t k, double *z);
/* Family-wise p-value of each z: the chance that the largest of k such z
 * reaches it when the k values are independent normals (Monte Carlo,
 * deterministic given the seed). NaN when fewer than 3 values. */
int mgds_familywise_p(const double *z, size_t k, uint64_t seed, const char *stream, double *p);

/* ---- the verdict on one class */
typedef struct mgds_result {
  int analysed; /* 0: skipped (reason in skip) */
  const char *skip;
  size_t n;                  /* training rows of the class */
  mgds_side side;            /* the chosen side (flag rows) */
  int n_sides;               /* sides tested (Bonferroni factor) */
  double stat;               /* separation statistic compared across classes */
  double null_mean, null_sd; /* of stat for Gaussian data of the class's size */
  int sep_ok;                /* stat >= null_mean + MGDS_NULL_Z * null_sd */
  int size_ok;               /* the flagged group is small enough (method rule) */
  size_t n_ref;              /* reference rows of the class */
  double p_ref_adj;          /* Bonferroni-adjusted reference p, NaN without */
  double z_cross, p_cross;   /* cross-class robust z and its family-wise p */
  mg_severity severity;
  int finding;       /* emit a finding */
  const char *basis; /* "reference", "cross-class" or "reference+cross-class" */
  json_t *stats;     /* method-specific per-class statistics (owned) */
} mgds_result;

typedef struct mgds_policy {
  mg_severity cross_strong; /* severity of a cross-class p <= MGDS_FW_STRONG */
  mg_severity cross_weak;   /* ... and of p <= MGDS_FW_WEAK */
} mgds_policy;

/* Which test carried a finding, from the reference test's severity rs and
 * the cross-class test's cs: "reference", "cross-class" or both. */
const char *mgds_basis(mg_severity rs, mg_severity cs);
/* The first half of mgds_decide: each analysed class's cross-class z and
 * family-wise p, and its reference p Bonferroni-adjusted over the analysed
 * classes and sides; severities reset to info (for plugins with their own
 * ladder). */
int mgds_cross_class(mgds_result *r, size_t n_labels, uint64_t seed, const char *stream);
/* Cross-class z and p over the analysed classes, then each class's
 * severity (see the docs). */
int mgds_decide(mgds_result *r, size_t n_labels, const mgds_policy *pol, uint64_t seed,
                const char *stream);

/* The class's statistics as a JSON object (adds the shared fields to
 * r->stats; returns a new reference). */
json_t *mgds_class_json(const mgds_set *s, const mgds_result *r, int32_t label);
/* The 0-based training rows flagged for a class (malloc'd, ascending). */
uint64_t *mgds_flagged_rows(const mgds_set *s, const mgds_result *r, int32_t label, size_t *n);
/* The thresholds as a JSON object, for evidence. */
json_t *mgds_thresholds_json(void);

#endif
