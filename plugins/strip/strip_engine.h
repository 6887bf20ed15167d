/* STRIP's measurement (Gao et al. 2019): the mean, over N superimpositions
 * of reference images, of the entropy of the model's softmax. One entropy
 * per perturbed copy, over the classes; then the mean over the copies. */
#ifndef STRIP_ENGINE_H
#define STRIP_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include <modelgate/plugin.h>

typedef struct strip_engine {
  const mg_services *svc;
  mg_plugin_ctx *ctx;
  const float *pool; /* overlay images: pool_n rows, image space */
  size_t pool_n;
  size_t row_floats;
  size_t classes;
  uint32_t n;      /* overlays per input */
  uint64_t seed;   /* --seed */
  size_t batch;    /* rows per forward pass */
  float *xb;       /* batch x row_floats: the blended copies */
  float *logits;   /* batch x classes */
  uint64_t passes; /* forward rows run so far (cost accounting) */
} strip_engine;

int strip_engine_init(strip_engine *e, const mg_services *svc, mg_plugin_ctx *ctx,
                      const float *pool, size_t pool_n, size_t row_floats, size_t classes,
                      uint32_t n, uint64_t seed);
void strip_engine_free(strip_engine *e);

/* Mean entropies of m rows x (row_floats floats each). Row i draws its
 * overlays from its own random stream keyed by (stream, ids[i]), so results
 * do not depend on batching; self[i] is the row's own pool index (never
 * used as its overlay) or SIZE_MAX (self may be NULL). Row i stops early
 * once the entropy summed so far reaches stop_at[i] * n: its mean over all
 * n overlays could no longer fall below stop_at[i] (stop_at NULL computes
 * every overlay). mean[i] is the mean over the used[i] overlays computed,
 * an unbiased estimate of the full mean; it is below any value up to
 * stop_at[i] exactly when the full mean is. */
int strip_engine_run(strip_engine *e, const float *x, size_t m, const uint64_t *ids,
                     const size_t *self, const char *stream, const double *stop_at, double *mean,
                     uint32_t *used);

#endif
