/* The scale-up plugin (Guo et al., ICLR 2023, "SCALE-UP: An Efficient
 * Black-box Input-level Backdoor Detection via Analyzing Scaled Prediction
 * Consistency"): amplifies each row's pixels by 3, 5, ..., 2N + 1 (clipped)
 * and measures how consistently the model keeps its clean prediction. It
 * calibrates a per-row threshold at a false-rejection rate on the clean
 * reference set, then scans the training set (and any --inputs rows). A
 * class is implicated only when far more of its rows score above its own
 * clean reference quantile than clean rows would (exact beta-binomial test,
 * Holm-corrected over classes): the paper's data-limited variant
 * standardises by benign statistics for the same reason, clean classes
 * differ in how well they survive amplification. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hyptest.h"
#include "mgd.h"
#include "su_run.h"

/* The options; `modelgate plugins -v` and docs/detectors/scale-up.md. */
static const mg_plugin_option option_table[] = {
    {"scales", MG_OPTION_INTEGER, 5, 1, SU_MAX_SCALES,
     "amplification factors 3, 5, ..., 2N+1 (the paper's 3..11: 5)"},
    {"frr", MG_OPTION_NUMBER, 0.01, 0.0005, 0.2,
     "false-rejection rate the per-row threshold is calibrated to on clean rows"},
    {"sample", MG_OPTION_INTEGER, 1000, 0, 1e9, "training rows screened per class (0: all)"},
    {"pool", MG_OPTION_INTEGER, 2000, 20, 1e7, "clean reference rows used for calibration"},
    {"screen", MG_OPTION_NUMBER, 0.01, 0, 1,
     "screening p-value below which a class is scanned in full"},
    {"class_q", MG_OPTION_NUMBER, 0.05, 0.005, 0.25,
     "upper quantile of a class's clean reference scores used as its cut"},
    {NULL, 0, 0, 0, 0, NULL},
};

static int opt(su_run *r, const char *key, double *out) {
  return mgp_opt(r->svc, r->ctx, "scale-up", option_table, key, out);
}

static int read_cfg(su_run *r) {
  double scales = 0, sample = 0, pool = 0;
  int rc = opt(r, "scales", &scales);
  if (!rc)
    rc = opt(r, "frr", &r->cfg.frr);
  if (!rc)
    rc = opt(r, "sample", &sample);
  if (!rc)
    rc = opt(r, "pool", &pool);
  if (!rc)
    rc = opt(r, "screen", &r->cfg.screen);
  if (!rc)
    rc = opt(r, "class_q", &r->cfg.class_q);
  r->cfg.scales = (uint32_t)scales;
  r->cfg.sample = (uint64_t)sample;
  r->cfg.pool_max = (uint64_t)pool;
  return rc;
}

static json_t *calibration_json(const su_run *r) {
  const su_calib *c = &r->cal;
  return json_pack("{s:I, s:i, s:f, s:o, s:f, s:f, s:f, s:f, s:f, s:o, s:s}", "rows",
                   (json_int_t)r->ref_n, "scales", (int)r->cfg.scales, "target_frr", r->cfg.frr,
                   "threshold", su_score_json(r, &c->t), "frr_in_sample", c->frr_in, "frr_heldout",
                   c->frr_heldout, "frr_heldout_upper95", c->frr_heldout_upper, "spc_mean",
                   c->spc_mean, "spc_sd", c->spc_sd, "kept_histogram",
                   su_hist_json(c->spc_hist, r->cfg.scales), "decision",
                   "order statistic of the clean scores (distribution-free); SPC first, then "
                   "the mean loss of the clean prediction, then a seeded tie-break");
}

static int run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  su_run r;
  memset(&r, 0, sizeof r);
  r.svc = svc;
  r.ctx = ctx;
  r.mi.struct_size = sizeof r.mi;
  int rc = read_cfg(&r);
  if (!rc)
    rc = svc->model_info(ctx, &r.mi);
  mg_dataset_info ri = {.struct_size = sizeof ri};
  if (!rc)
    rc = svc->dataset_info(ctx, MG_DATASET_REFERENCE, &ri);
  if (!rc &&
      (ri.row_floats != r.mi.input_floats || r.mi.num_classes < 2 ||
       !(ri.value_max > ri.value_min) || !isfinite(ri.value_min) || !isfinite(ri.value_max))) {
    svc->log(ctx, MG_LOG_ERROR,
             "scale-up: the reference rows (%llu floats, values %g to %g) do not fit the model "
             "input",
             (unsigned long long)ri.row_floats, (double)ri.value_min, (double)ri.value_max);
    rc = MG_ERR_FORMAT;
  }
  r.k = r.mi.num_classes;
  r.lo = ri.value_min;
  r.hi = ri.value_max;
  r.ev = json_object();
  if (!rc)
    rc = su_score_init(&r);
  if (!rc)
    rc = su_calibrate(&r, &ri);
  if (!rc) {
    json_object_set_new(r.ev, "calibration", calibration_json(&r));
    json_object_set_new(r.ev, "pixel_range",
                        json_pack("{s:f, s:f}", "min", (double)r.lo, "max", (double)r.hi));
  }
  mg_dataset_info ti = {.struct_size = sizeof ti};
  if (!rc && svc->dataset_info(ctx, MG_DATASET_TRAIN, &ti) == MG_OK)
    rc = su_scan_dataset(&r, MG_DATASET_TRAIN, r.cfg.sample);
  const char *inputs = svc->option(ctx, "inputs");
  mg_dataset_info ii = {.struct_size = sizeof ii};
  if (!rc && inputs && !strcmp(inputs, "1") &&
      svc->dataset_info(ctx, MG_DATASET_INPUTS, &ii) == MG_OK)
    rc = su_scan_dataset(&r, MG_DATASET_INPUTS, 0);
  if (!rc) {
    json_object_set_new(r.ev, "forward_passes", json_integer((json_int_t)r.passes));
    json_object_set_new(r.ev, "options",
                        json_pack("{s:i, s:f, s:I, s:I, s:f, s:f}", "scales", (int)r.cfg.scales,
                                  "frr", r.cfg.frr, "sample", (json_int_t)r.cfg.sample, "pool",
                                  (json_int_t)r.cfg.pool_max, "screen", r.cfg.screen, "class_q",
                                  r.cfg.class_q));
    json_t *wrap = json_pack("{s:O}", "scale_up", r.ev);
    char *s = json_dumps(wrap, JSON_COMPACT);
    json_decref(wrap);
    rc = s ? svc->evidence(ctx, s) : MG_ERR_NOMEM;
    free(s);
  }
  json_decref(r.ev);
  su_score_free(&r);
  free(r.ref_rows);
  free(r.ref_labels);
  free(r.ref_s);
  return rc;
}

static const mg_plugin descriptor = {
    MG_PLUGIN_HEADER,
    "scale-up",
    "0.1.0",
    "SCALE-UP: training rows and inputs whose prediction survives pixel amplification "
    "(trigger-like)",
    MG_NEED_MODEL | MG_NEED_REFERENCE,
    su_atlas_all,
    su_mitigations,
    su_controls,
    NULL,
    run,
    NULL,
};

MG_PLUGIN_EXPORT const mg_plugin_option *mg_plugin_option_table(void) {
  return option_table;
}

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &descriptor;
}
