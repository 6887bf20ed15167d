/* Features of the training (and reference) set grouped by label, and the
 * plugins' numeric options. Only the feature rows are kept (n x dim
 * floats), never a copy of the inputs. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mgds.h"

double mgds_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void mgds_gather(const float *x, uint64_t dim, const uint64_t *rows, size_t n, float *out) {
  for (size_t i = 0; i < n; i++)
    memcpy(out + i * dim, x + rows[i] * dim, (size_t)dim * sizeof *out);
}

/* A model that produces NaN or infinity would poison every statistic. */
static int check_finite(const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin,
                        const char *set, const char *layer, const float *x, uint64_t n,
                        uint64_t dim) {
  for (uint64_t i = 0; i < n * dim; i++)
    if (!isfinite(x[i])) {
      svc->log(ctx, MG_LOG_ERROR, "%s: layer %s gives a non-finite value for %s row %llu", plugin,
               layer, set, (unsigned long long)(i / dim));
      return MG_ERR_NUMERIC;
    }
  return MG_OK;
}

/* Index lists per label; rows with a label outside [0, k) are counted. */
static int group_rows(const int32_t *labels, uint64_t n, uint32_t k, int reference, mgds_class *cls,
                      uint64_t *outside) {
  for (uint64_t i = 0; i < n; i++) {
    if (labels[i] < 0 || (uint32_t)labels[i] >= k) {
      (*outside)++;
      continue;
    }
    if (reference)
      cls[labels[i]].n_ref++;
    else
      cls[labels[i]].n++;
  }
  for (uint32_t c = 0; c < k; c++) {
    size_t m = reference ? cls[c].n_ref : cls[c].n;
    uint64_t *v = malloc((m ? m : 1) * sizeof *v);
    if (!v)
      return MG_ERR_NOMEM;
    if (reference)
      cls[c].refrow = v, cls[c].n_ref = 0;
    else
      cls[c].rows = v, cls[c].n = 0;
  }
  for (uint64_t i = 0; i < n; i++) {
    if (labels[i] < 0 || (uint32_t)labels[i] >= k)
      continue;
    mgds_class *c = &cls[labels[i]];
    if (reference)
      c->refrow[c->n_ref++] = i;
    else
      c->rows[c->n++] = i;
  }
  return MG_OK;
}

static const char *layer_or_default(const char *opt, const char *default_layer, const mgd_data *d) {
  return opt && *opt ? opt : default_layer ? default_layer : d->model.feature_layer;
}

/* The layer's output for every row, or the rows themselves for
 * MGDS_LAYER_INPUTS. */
static int rows_of_layer(mgd_data *d, const char *layer, float **out, uint64_t *dim) {
  if (!strcmp(layer, MGDS_LAYER_INPUTS))
    return mgd_inputs_all(d, out, dim);
  return mgd_features_all(d, layer, out, dim);
}

static int load_reference(mgds_set *s, const mg_services *svc, mg_plugin_ctx *ctx,
                          const char *plugin, const char *layer) {
  mgd_data d;
  int rc = mgd_data_open(&d, svc, ctx, MG_DATASET_REFERENCE);
  if (rc == MG_ERR_NOT_FOUND) {
    mgd_data_close(&d);
    s->ref_note = "the package has no reference set";
    return MG_OK;
  }
  if (rc) {
    mgd_data_close(&d);
    svc->log(ctx, MG_LOG_ERROR, "%s: cannot read the reference set (error %d)", plugin, rc);
    return rc;
  }
  if (!d.info.has_labels || d.info.count == 0) {
    mgd_data_close(&d);
    s->ref_note = "the reference set has no labels or no rows";
    return MG_OK;
  }
  uint64_t dim = 0, outside = 0;
  rc = rows_of_layer(&d, layer, &s->ref, &dim);
  if (!rc && dim != s->dim)
    rc = MG_ERR_FORMAT;
  if (!rc)
    rc = check_finite(svc, ctx, plugin, "reference", layer, s->ref, d.info.count, dim);
  if (!rc)
    rc = group_rows(d.labels, d.info.count, s->n_labels, 1, s->classes, &outside);
  if (!rc) {
    s->n_ref = d.info.count;
    s->have_ref = 1;
  } else {
    svc->log(ctx, MG_LOG_ERROR, "%s: reference-set features of %s failed (error %d)", plugin, layer,
             rc);
  }
  mgd_data_close(&d);
  return rc;
}

static int load(mgds_set *s, const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin,
                const char *default_layer) {
  static const mg_plugin_option table[] = {MGDS_OPTIONS, {NULL, 0, 0, 0, 0, NULL}};
  double use_ref = 1;
  int rc = mgp_opt(svc, ctx, plugin, table, "reference", &use_ref);
  if (rc)
    return rc;
  mgd_data d;
  rc = mgd_data_open(&d, svc, ctx, MG_DATASET_TRAIN);
  if (rc) {
    mgd_data_close(&d);
    svc->log(ctx, MG_LOG_ERROR, "%s: cannot read the training set or the model (error %d)", plugin,
             rc);
    return rc;
  }
  if (!d.info.has_labels) {
    mgd_data_close(&d);
    svc->log(ctx, MG_LOG_ERROR, "%s: the training set has no labels", plugin);
    return MG_ERR_NEEDS;
  }
  const char *layer = layer_or_default(svc->option(ctx, "layer"), default_layer, &d);
  if (!layer) {
    mgd_data_close(&d);
    svc->log(ctx, MG_LOG_ERROR, "%s: the model names no feature layer; set %s.layer=NAME", plugin,
             plugin);
    return MG_ERR_ARGS;
  }
  snprintf(s->layer, sizeof s->layer, "%s", layer);
  s->n_labels = d.model.num_classes;
  s->n_train = d.info.count;
  if (s->n_labels == 0 || !(s->classes = calloc(s->n_labels, sizeof *s->classes))) {
    mgd_data_close(&d);
    return s->n_labels ? MG_ERR_NOMEM : MG_ERR_FORMAT;
  }
  for (uint32_t c = 0; c < s->n_labels; c++)
    s->classes[c].label = (int32_t)c;
  rc = rows_of_layer(&d, s->layer, &s->train, &s->dim);
  if (rc)
    svc->log(ctx, MG_LOG_ERROR, "%s: features of layer %s failed (error %d%s)", plugin, s->layer,
             rc, rc == MG_ERR_NOT_FOUND ? ": no such tensor" : "");
  if (!rc)
    rc = check_finite(svc, ctx, plugin, "training", s->layer, s->train, s->n_train, s->dim);
  if (!rc)
    rc = group_rows(d.labels, d.info.count, s->n_labels, 0, s->classes, &s->unlabelled);
  mgd_data_close(&d);
  if (rc)
    return rc;
  if (use_ref == 0) {
    s->ref_note = "the reference set was turned off (reference=0)";
    return MG_OK;
  }
  return load_reference(s, svc, ctx, plugin, s->layer);
}

int mgds_load(mgds_set *s, const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin) {
  return mgds_load_default(s, svc, ctx, plugin, NULL);
}

int mgds_load_default(mgds_set *s, const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin,
                      const char *default_layer) {
  memset(s, 0, sizeof *s);
  double t0 = mgds_now();
  int rc = load(s, svc, ctx, plugin, default_layer);
  s->seconds_features = mgds_now() - t0;
  return rc;
}

int32_t *mgds_labels(const mgds_set *s, int reference) {
  uint64_t n = reference ? s->n_ref : s->n_train;
  int32_t *y = malloc((n ? n : 1) * sizeof *y);
  if (!y)
    return NULL;
  for (uint64_t i = 0; i < n; i++)
    y[i] = -1;
  for (uint32_t c = 0; c < s->n_labels; c++) {
    const mgds_class *cl = &s->classes[c];
    size_t m = reference ? cl->n_ref : cl->n;
    const uint64_t *rows = reference ? cl->refrow : cl->rows;
    for (size_t i = 0; i < m; i++)
      y[rows[i]] = (int32_t)c;
  }
  return y;
}

void mgds_free(mgds_set *s) {
  if (s->classes)
    for (uint32_t c = 0; c < s->n_labels; c++) {
      free(s->classes[c].rows);
      free(s->classes[c].refrow);
    }
  free(s->classes);
  free(s->train);
  free(s->ref);
  memset(s, 0, sizeof *s);
}
