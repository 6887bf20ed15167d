/* Evidence and findings of the data-side plugins: one JSON object with the
 * per-class statistics and thresholds, and one finding per suspicious
 * class naming its flagged training rows. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgds.h"
#include "mgds_report.h"

int mgds_evidence(const mg_services *svc, mg_plugin_ctx *ctx, const mgds_set *s,
                  const mgds_result *r, json_t *method) {
  json_t *o = method ? method : json_object();
  json_t *classes = json_array(), *flagged = json_array(), *ref = json_object();
  if (!o || !classes || !flagged || !ref) {
    json_decref(o);
    json_decref(classes);
    json_decref(flagged);
    json_decref(ref);
    return MG_ERR_NOMEM;
  }
  for (uint32_t c = 0; c < s->n_labels; c++) {
    json_array_append_new(classes, mgds_class_json(s, &r[c], (int32_t)c));
    if (r[c].finding)
      json_array_append_new(flagged, json_integer(c));
  }
  json_object_set_new(o, "layer", json_string(s->layer));
  json_object_set_new(o, "feature_dim", json_integer((json_int_t)s->dim));
  json_object_set_new(o, "train_rows", json_integer((json_int_t)s->n_train));
  json_object_set_new(o, "unlabelled_rows", json_integer((json_int_t)s->unlabelled));
  json_object_set_new(ref, "used", json_boolean(s->have_ref));
  json_object_set_new(ref, "rows", json_integer((json_int_t)s->n_ref));
  if (s->ref_note)
    json_object_set_new(ref, "note", json_string(s->ref_note));
  json_object_set_new(o, "reference", ref);
  json_object_set_new(o, "thresholds", mgds_thresholds_json());
  json_object_set_new(o, "seconds_features", json_real(s->seconds_features));
  json_object_set_new(o, "classes", classes);
  json_object_set_new(o, "flagged_classes", flagged);
  char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));
  json_decref(o);
  if (!text)
    return MG_ERR_NOMEM;
  int rc = svc->evidence(ctx, text);
  free(text);
  return rc;
}

double mgds_score(const mgds_result *r) {
  if (isfinite(r->p_ref_adj) && r->basis && strstr(r->basis, "reference"))
    return -log10(r->p_ref_adj > 1e-300 ? r->p_ref_adj : 1e-300);
  return r->z_cross;
}

void mgds_ref_sentence(const mgds_set *s, const mgds_result *r, int32_t label, char *buf,
                       size_t len) {
  const mgds_class *c = &s->classes[label];
  if (!s->have_ref) {
    snprintf(buf, len,
             "No reference set was used (%s), so the group could not be checked "
             "against clean data.",
             s->ref_note ? s->ref_note : "none");
    return;
  }
  double expected = (double)c->n_ref * (double)r->side.n_flag / (double)c->n;
  snprintf(buf, len,
           "The clean reference set has %zu of its %zu rows of this class in the same region, "
           "where %.1f were expected at the training rate (one-sided Fisher exact p = %.2g, "
           "%.2g after "
           "Bonferroni over %d side(s) of each analysed class).",
           r->side.ref_flag, c->n_ref, expected, r->side.p_ref, r->p_ref_adj, r->n_sides);
}

int mgds_emit_class(const mg_services *svc, mg_plugin_ctx *ctx, const mgds_set *s,
                    const mgds_result *r, int32_t label, const char *rule, const char *title,
                    const char *message) {
  size_t n = 0;
  uint64_t *rows = mgds_flagged_rows(s, r, label, &n);
  json_t *ev = json_object();
  int rc = MG_ERR_NOMEM;
  if (!rows || !ev) {
    json_decref(ev);
    goto done;
  }
  json_object_set_new(ev, "class", mgds_class_json(s, r, label));
  json_object_set_new(ev, "thresholds", mgds_thresholds_json());
  json_object_set_new(ev, "score_kind",
                      json_string(r->basis && strstr(r->basis, "reference")
                                      ? "-log10 adjusted reference p"
                                      : "cross-class robust z"));
  mg_finding f = mgp_finding(r->severity, rule, title, message);
  f.label = label;
  f.dataset = MG_DATASET_TRAIN;
  f.indices = rows;
  f.n_indices = n;
  f.score = mgds_score(r);
  rc = mgp_emit(svc, ctx, &f, ev, JSON_COMPACT | JSON_REAL_PRECISION(6));
done:
  free(rows);
  return rc;
}

int mgds_run_classes(const mg_services *svc, mg_plugin_ctx *ctx, const mgds_set *set, uint64_t seed,
                     const mgds_plugin_ops *ops, void *run, json_t *method) {
  uint32_t k = set->n_labels;
  double t0 = mgds_now();
  mgds_result *res = calloc(k ? k : 1, sizeof *res);
  if (!res) {
    json_decref(method);
    return MG_ERR_NOMEM;
  }
  int rc = MG_OK;
  for (uint32_t c = 0; c < k && !rc; c++) {
    rc = ops->analyse(run, (int32_t)c, &res[c]);
    svc->progress(ctx, ops->progress, c + 1, k);
  }
  char stream[128];
  snprintf(stream, sizeof stream, "%s/cross-class", ops->plugin);
  if (!rc)
    rc = mgds_decide(res, k, &ops->policy, seed, stream);
  for (uint32_t c = 0; c < k && !rc; c++)
    if (res[c].finding)
      rc = ops->emit(run, &res[c], (int32_t)c);
  if (!rc) {
    if (method)
      json_object_set_new(method, "seconds_analysis", json_real(mgds_now() - t0));
    rc = mgds_evidence(svc, ctx, set, res, method);
  } else {
    json_decref(method);
  }
  if (rc)
    svc->log(ctx, MG_LOG_ERROR, "%s: analysis failed (error %d)", ops->plugin, rc);
  for (uint32_t c = 0; c < k; c++) {
    mgds_side_free(&res[c].side);
    json_decref(res[c].stats);
  }
  free(res);
  return rc;
}
