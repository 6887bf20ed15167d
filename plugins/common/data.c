/* Batched passes of the model over a dataset. Only one batch of inputs is
 * in memory at a time; the dataset itself stays in the host's mapping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgd.h"

int mgd_data_open(mgd_data *d, const mg_services *svc, mg_plugin_ctx *ctx, const char *name) {
  memset(d, 0, sizeof *d);
  d->svc = svc;
  d->ctx = ctx;
  d->name = name;
  d->info.struct_size = sizeof d->info;
  d->model.struct_size = sizeof d->model;
  int rc = svc->dataset_info(ctx, name, &d->info);
  if (!rc)
    rc = svc->model_info(ctx, &d->model);
  if (rc)
    return rc;
  if (d->info.row_floats != d->model.input_floats)
    return MG_ERR_FORMAT;
  d->labels = malloc((d->info.count ? d->info.count : 1) * sizeof *d->labels);
  if (!d->labels)
    return MG_ERR_NOMEM;
  /* Labels alone, in chunks, through a small input buffer. */
  const size_t chunk = 1024;
  float *x = malloc(chunk * d->info.row_floats * sizeof *x);
  if (!x)
    return MG_ERR_NOMEM;
  for (uint64_t i = 0; !rc && i < d->info.count; i += chunk) {
    size_t n = d->info.count - i < chunk ? (size_t)(d->info.count - i) : chunk;
    /* The host refuses a label request on an unlabelled set. */
    rc = svc->dataset_read(ctx, name, i, n, x, d->info.has_labels ? d->labels + i : NULL);
    if (!rc && !d->info.has_labels)
      for (size_t k = 0; k < n; k++)
        d->labels[i + k] = -1;
  }
  free(x);
  return rc;
}

void mgd_data_close(mgd_data *d) {
  free(d->labels);
  d->labels = NULL;
}

int mgd_for_batches(mgd_data *d, size_t batch, int want_features, const char *layer,
                    const char *stage, mgd_batch_fn fn, void *user) {
  const mg_services *svc = d->svc;
  uint64_t dim = 0;
  int rc = MG_OK;
  if (want_features && (rc = svc->model_layer_dim(d->ctx, layer, &dim)))
    return rc;
  size_t k = d->model.num_classes;
  float *x = malloc(batch * d->info.row_floats * sizeof *x);
  float *logits = malloc(batch * k * sizeof *logits);
  float *feats = want_features ? malloc(batch * (size_t)dim * sizeof *feats) : NULL;
  int32_t *labels = malloc(batch * sizeof *labels);
  if (!x || !logits || !labels || (want_features && !feats))
    rc = MG_ERR_NOMEM;
  for (uint64_t i = 0; !rc && i < d->info.count; i += batch) {
    size_t n = d->info.count - i < batch ? (size_t)(d->info.count - i) : batch;
    rc = svc->dataset_read(d->ctx, d->name, i, n, x, d->info.has_labels ? labels : NULL);
    if (!rc)
      rc = svc->model_forward(d->ctx, x, n, logits, want_features ? layer : NULL,
                              want_features ? feats : NULL);
    if (!rc)
      rc = fn(user, i, n, x, d->labels + i, logits, feats, dim);
    svc->progress(d->ctx, stage, i + n, d->info.count);
  }
  free(x);
  free(logits);
  free(feats);
  free(labels);
  return rc;
}

typedef struct collect {
  float *out;
  uint64_t dim;
} collect;

static int collect_features(void *user, uint64_t first, size_t rows, const float *x,
                            const int32_t *labels, const float *logits, const float *features,
                            uint64_t dim) {
  (void)x;
  (void)labels;
  (void)logits;
  collect *c = user;
  memcpy(c->out + first * dim, features, rows * (size_t)dim * sizeof *features);
  return MG_OK;
}

int mgd_features_all(mgd_data *d, const char *layer, float **features, uint64_t *dim) {
  int rc = d->svc->model_layer_dim(d->ctx, layer, dim);
  if (rc)
    return rc;
  if (*dim == 0 || d->info.count > SIZE_MAX / sizeof(float) / *dim)
    return MG_ERR_LIMIT;
  collect c = {malloc((size_t)(d->info.count ? d->info.count : 1) * (size_t)*dim * sizeof(float)),
               *dim};
  if (!c.out)
    return MG_ERR_NOMEM;
  rc = mgd_for_batches(d, 256, 1, layer, "extracting features", collect_features, &c);
  if (rc) {
    free(c.out);
    return rc;
  }
  *features = c.out;
  return MG_OK;
}

int mgd_inputs_all(mgd_data *d, float **x, uint64_t *dim) {
  uint64_t w = d->info.row_floats;
  if (w == 0 || d->info.count > SIZE_MAX / sizeof(float) / w)
    return MG_ERR_LIMIT;
  float *out = malloc((size_t)(d->info.count ? d->info.count : 1) * (size_t)w * sizeof *out);
  if (!out)
    return MG_ERR_NOMEM;
  const size_t chunk = 1024;
  int rc = MG_OK;
  for (uint64_t i = 0; !rc && i < d->info.count; i += chunk) {
    size_t n = d->info.count - i < chunk ? (size_t)(d->info.count - i) : chunk;
    rc = d->svc->dataset_read(d->ctx, d->name, i, n, out + i * w, NULL);
  }
  if (rc) {
    free(out);
    return rc;
  }
  *x = out;
  *dim = w;
  return MG_OK;
}
