/* The engine's run for one method: the options, the calibration on the
 * reference set, the scan of the training set and of any --inputs rows,
 * and the evidence. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mgd.h"
#include "su_run.h"

int su_opt(su_run *r, const char *key, double *out) {
  return mgp_opt(r->svc, r->ctx, r->method->name, r->method->options, key, out);
}

static int read_cfg(su_run *r) {
  double sample = 0, pool = 0;
  int rc = su_opt(r, "frr", &r->cfg.frr);
  if (!rc)
    rc = su_opt(r, "sample", &sample);
  if (!rc)
    rc = su_opt(r, "pool", &pool);
  if (!rc)
    rc = su_opt(r, "screen", &r->cfg.screen);
  if (!rc)
    rc = su_opt(r, "class_q", &r->cfg.class_q);
  r->cfg.sample = (uint64_t)sample;
  r->cfg.pool_max = (uint64_t)pool;
  return rc;
}

static const char *decision(const su_method *m) {
  if (m->quantile_threshold)
    return "empirical quantile of the clean scores (distribution-free)";
  return m->loss_only ? "order statistic of the clean scores (distribution-free); the mean "
                        "loss of the clean prediction, then a seeded tie-break"
                      : "order statistic of the clean scores (distribution-free); SPC first, "
                        "then the mean loss of the clean prediction, then a seeded tie-break";
}

static json_t *calibration_json(const su_run *r) {
  const su_calib *c = &r->cal;
  json_t *o = json_pack(
      "{s:I, s:f, s:o, s:f, s:f, s:f, s:s}", "rows", (json_int_t)r->ref_n, "target_frr", r->cfg.frr,
      "threshold", su_score_json(r, &c->t), "frr_in_sample", c->frr_in, "frr_heldout",
      c->frr_heldout, "frr_heldout_upper95", c->frr_heldout_upper, "decision", decision(r->method));
  if (!r->method->no_kept) {
    json_t *kept =
        json_pack("{s:i, s:f, s:f, s:o}", "scales", (int)r->cfg.scales, "spc_mean", c->spc_mean,
                  "spc_sd", c->spc_sd, "kept_histogram", su_hist_json(c->spc_hist, r->cfg.scales));
    json_object_update(o, kept);
    json_decref(kept);
  }
  return o;
}

/* The shared options and the method's, as used. */
static json_t *options_json(const su_run *r) {
  json_t *o = r->method->options_json(r);
  json_t *shared = json_pack("{s:f, s:I, s:I, s:f, s:f}", "frr", r->cfg.frr, "sample",
                             (json_int_t)r->cfg.sample, "pool", (json_int_t)r->cfg.pool_max,
                             "screen", r->cfg.screen, "class_q", r->cfg.class_q);
  json_object_update(o, shared);
  json_decref(shared);
  return o;
}

/* The reference rows must be model inputs with a usable pixel range. */
static int check_reference(su_run *r, const mg_dataset_info *ri) {
  if (ri->row_floats == r->mi.input_floats && r->mi.num_classes >= 2 &&
      ri->value_max > ri->value_min && isfinite(ri->value_min) && isfinite(ri->value_max))
    return MG_OK;
  r->svc->log(r->ctx, MG_LOG_ERROR,
              "%s: the reference rows (%llu floats, values %g to %g) do not fit the model input",
              r->method->name, (unsigned long long)ri->row_floats, (double)ri->value_min,
              (double)ri->value_max);
  return MG_ERR_FORMAT;
}

static int scan_all(su_run *r) {
  const mg_services *svc = r->svc;
  mg_dataset_info ti = {.struct_size = sizeof ti};
  int rc = MG_OK;
  if (svc->dataset_info(r->ctx, MG_DATASET_TRAIN, &ti) == MG_OK)
    rc = su_scan_dataset(r, MG_DATASET_TRAIN, r->cfg.sample);
  const char *inputs = svc->option(r->ctx, "inputs");
  mg_dataset_info ii = {.struct_size = sizeof ii};
  if (!rc && inputs && !strcmp(inputs, "1") &&
      svc->dataset_info(r->ctx, MG_DATASET_INPUTS, &ii) == MG_OK)
    rc = su_scan_dataset(r, MG_DATASET_INPUTS, 0);
  return rc;
}

int su_plugin_run(const su_method *m, const mg_services *svc, mg_plugin_ctx *ctx) {
  su_run r;
  memset(&r, 0, sizeof r);
  r.method = m;
  r.svc = svc;
  r.ctx = ctx;
  r.mi.struct_size = sizeof r.mi;
  int rc = read_cfg(&r);
  if (!rc)
    rc = svc->model_info(ctx, &r.mi);
  mg_dataset_info ri = {.struct_size = sizeof ri};
  if (!rc)
    rc = svc->dataset_info(ctx, MG_DATASET_REFERENCE, &ri);
  if (!rc)
    rc = check_reference(&r, &ri);
  r.k = r.mi.num_classes;
  r.lo = ri.value_min;
  r.hi = ri.value_max;
  r.ev = json_object();
  if (!rc)
    rc = m->setup(&r);
  if (!rc)
    rc = su_score_init(&r);
  if (!rc)
    rc = su_calibrate(&r, &ri);
  if (!rc) {
    json_t *cal = calibration_json(&r);
    json_object_set_new(r.ev, "calibration", cal);
    if (m->calibrated)
      rc = m->calibrated(&r, cal);
  }
  if (!rc) {
    json_object_set_new(r.ev, "pixel_range",
                        json_pack("{s:f, s:f}", "min", (double)r.lo, "max", (double)r.hi));
    rc = scan_all(&r);
  }
  if (!rc) {
    json_object_set_new(r.ev, "forward_passes", json_integer((json_int_t)r.passes));
    json_object_set_new(r.ev, "options", options_json(&r));
    json_t *wrap = json_pack("{s:O}", m->evidence_key, r.ev);
    char *s = json_dumps(wrap, JSON_COMPACT);
    json_decref(wrap);
    rc = s ? svc->evidence(ctx, s) : MG_ERR_NOMEM;
    free(s);
  }
  json_decref(r.ev);
  su_score_free(&r);
  if (m->release && r.mstate)
    m->release(&r);
  free(r.mstate);
  free(r.ref_x);
  free(r.halves);
  free(r.ref_rows);
  free(r.ref_labels);
  free(r.ref_s);
  return rc;
}
