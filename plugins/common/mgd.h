/* Helpers shared by the detector plugins (a convenience library linked
 * into each module; it uses only the public plugin ABI): deterministic
 * random numbers, robust statistics, and batched passes over a dataset
 * through the model services that never hold a second copy of the set. */
#ifndef MGD_H
#define MGD_H

#include <stddef.h>
#include <stdint.h>

#include <modelgate/modelgate.h>

#include "mgp.h"

/* ---- random numbers: xoshiro256**, seeded from --seed and a stream name,
 * so each plugin (and each use within it) is reproducible on its own. */
typedef struct mgd_rng {
  uint64_t s[4];
} mgd_rng;

void mgd_rng_seed(mgd_rng *r, uint64_t seed, const char *stream);
uint64_t mgd_rng_next(mgd_rng *r);
double mgd_rng_uniform(mgd_rng *r);             /* [0, 1) */
uint64_t mgd_rng_below(mgd_rng *r, uint64_t n); /* [0, n), unbiased */
double mgd_rng_normal(mgd_rng *r);
/* Fisher-Yates shuffle of n indices. */
void mgd_rng_shuffle(mgd_rng *r, uint64_t *v, size_t n);

/* ---- robust statistics (inputs are not modified). */
double mgd_median(const double *v, size_t n);
/* Median absolute deviation, scaled by 1.4826 to estimate sigma under
 * normality (Wang et al. 2019 use the same constant). */
double mgd_mad(const double *v, size_t n, double median);
/* (v - median) / MAD for each value; MAD floored at floor_sigma so a
 * near-constant sample does not turn noise into huge scores. */
void mgd_robust_z(const double *v, size_t n, double floor_sigma, double *z);
/* Empirical quantile (linear interpolation), q in [0, 1]. */
double mgd_quantile(const double *v, size_t n, double q);
double mgd_mean(const double *v, size_t n);
double mgd_stddev(const double *v, size_t n, double mean);

/* ---- the model on a dataset, in batches. */
typedef struct mgd_data {
  const mg_services *svc;
  mg_plugin_ctx *ctx;
  const char *name;     /* MG_DATASET_TRAIN, ... */
  mg_dataset_info info; /* struct_size set */
  mg_model_info model;
  int32_t *labels; /* count labels (all -1 when the set has none) */
} mgd_data;

/* Opens a dataset and the model; fails with the service's error. */
int mgd_data_open(mgd_data *d, const mg_services *svc, mg_plugin_ctx *ctx, const char *name);
void mgd_data_close(mgd_data *d);

/* Runs the model over rows [0, count) in batches of `batch`, calling fn with
 * each batch's rows, labels, logits (rows x classes) and, when layer is not
 * NULL or features is requested, the tensor `layer` (NULL = the feature
 * layer; rows x dim). Reports progress as `stage`. Returns fn's first
 * nonzero result or a service error. */
typedef int (*mgd_batch_fn)(void *user, uint64_t first, size_t rows, const float *x,
                            const int32_t *labels, const float *logits, const float *features,
                            uint64_t feature_dim);
int mgd_for_batches(mgd_data *d, size_t batch, int want_features, const char *layer,
                    const char *stage, mgd_batch_fn fn, void *user);

/* Every row's features (count x dim floats, malloc'd): the layer's output
 * for the whole set, which is small next to the set itself. */
int mgd_features_all(mgd_data *d, const char *layer, float **features, uint64_t *dim);

/* Every row's input as the dataset gives it (count x row_floats, image
 * space, malloc'd), without running the model: for model-independent
 * statistics. */
int mgd_inputs_all(mgd_data *d, float **x, uint64_t *dim);

/* ---- small numerics. */
/* Softmax of one row in place; returns log-sum-exp of the input. */
double mgd_softmax(float *row, size_t k);
/* Shannon entropy (nats) of a probability row. */
double mgd_entropy(const float *p, size_t k);
/* Cross-entropy -log softmax(logits)[target], computed stably. */
double mgd_cross_entropy(const float *logits, size_t k, int32_t target);
/* One Adam update of a parameter's moments (m, v) by its gradient g;
 * returns the step lr * m_hat / (sqrt(v_hat) + 1e-8) for the caller to
 * subtract (and clamp). c1, c2: the bias corrections 1 - beta^t, computed
 * once per step by the caller. */
double mgd_adam_step(float *m, float *v, double g, double beta1, double beta2, double c1, double c2,
                     double lr);

/* ---- reporting. */
/* The severity of an adjusted p-value, each step a family-wise false-alarm
 * rate: at most 1e-6 high, 1e-3 medium, 1e-2 low, else (or NaN) info. As
 * everywhere in the detectors, a test rejects when p <= alpha: the rule
 * under which a Monte Carlo p of (1 + hits) / (1 + draws) is valid. */
#define MGD_P_HIGH 1e-6
#define MGD_P_MEDIUM 1e-3
#define MGD_P_LOW 1e-2
mg_severity mgd_severity_of_p(double p_adj);
/* The class name from the descriptor's "classes" array, else "class N". */
void mgd_class_name(const mg_services *svc, mg_plugin_ctx *ctx, int32_t label, char *buf,
                    size_t len);

#endif
