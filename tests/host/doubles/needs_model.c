/* Test plugin that needs a model and a training set, and reads both. */
#include <stdio.h>
#include <stdlib.h>

#include "mgtest.h"

static int run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  mg_model_info mi = {.struct_size = sizeof mi};
  mg_dataset_info di = {.struct_size = sizeof di};
  if (svc->model_info(ctx, &mi) || svc->dataset_info(ctx, MG_DATASET_TRAIN, &di))
    return MG_ERR_INTERNAL;
  size_t n = di.count < 8 ? (size_t)di.count : 8;
  float *x = malloc(n * di.row_floats * sizeof *x);
  float *logits = malloc(n * mi.num_classes * sizeof *logits);
  int32_t labels[8];
  int rc = x && logits ? svc->dataset_read(ctx, MG_DATASET_TRAIN, 0, n, x, labels) : MG_ERR_NOMEM;
  if (!rc)
    rc = svc->model_forward(ctx, x, n, logits, NULL, NULL);
  char ev[256];
  snprintf(ev, sizeof ev, "{\"rows\": %zu, \"classes\": %u, \"feature_dim\": %llu}", n,
           mi.num_classes, (unsigned long long)mi.feature_dim);
  if (!rc)
    rc = svc->evidence(ctx, ev);
  free(x);
  free(logits);
  return rc;
}

MGTEST_PLUGIN("mgtest-model", "Test plugin that needs a model", MG_NEED_MODEL | MG_NEED_TRAIN, run)
