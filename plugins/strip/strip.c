/* The strip plugin (Gao et al. 2019, "STRIP: A Defence Against Trojan
 * Attacks on Deep Neural Networks"): calibrates the superimposition-entropy
 * threshold at a 1% false-rejection rate on the clean reference set, then
 * scans the training set (and any --inputs rows) for rows whose prediction
 * survives blending with other images: a trigger that overrides any content.
 * A class is implicated only when far more of its rows fall below its own
 * clean reference quantile than clean rows would (exact beta-binomial test,
 * Holm-corrected over classes): clean classes differ a lot in how well
 * their predictions survive blending, so one global cut cannot decide. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hyptest.h"
#include "mgd.h"
#include "strip_engine.h"
#include "strip_run.h"

/* The options; `modelgate plugins -v` and docs/detectors/strip.md. */
static const mg_plugin_option option_table[] = {
    {"n", MG_OPTION_INTEGER, 24, 2, 1000, "blends per row: superimposed clean images N"},
    {"frr", MG_OPTION_NUMBER, 0.01, 0.0005, 0.2,
     "false-rejection rate the entropy cut is calibrated to on clean rows"},
    {"sample", MG_OPTION_INTEGER, 200, 0, 1e9, "training rows screened per class (0: all)"},
    {"pool", MG_OPTION_INTEGER, 2000, 20, 1e7, "clean reference rows used for calibration"},
    {"screen", MG_OPTION_NUMBER, 0.01, 0, 1,
     "screening p-value below which a class is scanned in full"},
    {"class_q", MG_OPTION_NUMBER, 0.05, 0.005, 0.25,
     "quantile of a class's clean reference entropies used as its cut"},
    {NULL, 0, 0, 0, 0, NULL},
};

/* ---- options */

static int opt_num(strip_run *r, const char *key, double *out) {
  return mgp_opt(r->svc, r->ctx, "strip", option_table, key, out);
}

static int read_cfg(strip_run *r) {
  double n = 0, sample = 0, pool = 0;
  int rc = opt_num(r, "n", &n);
  if (!rc)
    rc = opt_num(r, "frr", &r->cfg.frr);
  if (!rc)
    rc = opt_num(r, "sample", &sample);
  if (!rc)
    rc = opt_num(r, "pool", &pool);
  if (!rc)
    rc = opt_num(r, "screen", &r->cfg.screen);
  if (!rc)
    rc = opt_num(r, "class_q", &r->cfg.class_q);
  r->cfg.n = (uint32_t)n;
  r->cfg.sample = (uint64_t)sample;
  r->cfg.pool_max = (uint64_t)pool;
  return rc;
}

/* ---- entry points */

static int strip_run_plugin(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  strip_run r;
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
  if (!rc && (ri.row_floats != r.mi.input_floats || r.mi.num_classes < 2)) {
    svc->log(ctx, MG_LOG_ERROR,
             "strip: the reference rows (%llu floats) do not fit the model input",
             (unsigned long long)ri.row_floats);
    rc = MG_ERR_FORMAT;
  }
  r.k = r.mi.num_classes;
  r.hist_hi = log((double)r.k);
  r.ev = json_object();
  if (!rc)
    rc = strip_load_pool(&r, &ri);
  if (!rc)
    rc = strip_engine_init(&r.eng, svc, ctx, r.pool, r.pool_n, r.mi.input_floats, r.k, r.cfg.n,
                           svc->seed(ctx));
  if (!rc)
    rc = strip_run_calibration(&r);
  if (!rc) {
    json_object_set_new(
        r.ev, "calibration",
        json_pack("{s:I, s:i, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:s, s:o}", "rows",
                  (json_int_t)r.pool_n, "overlays", (int)r.cfg.n, "target_frr", r.cfg.frr,
                  "threshold", r.cal.t, "threshold_gaussian", r.cal.t_gauss, "entropy_mean",
                  r.cal.mu, "entropy_sd", r.cal.sd, "frr_in_sample", r.cal.frr_in, "frr_heldout",
                  r.cal.frr_heldout, "frr_heldout_upper95", r.cal.frr_heldout_upper,
                  "frr_heldout_gaussian", r.cal.frr_heldout_gauss, "decision",
                  "empirical quantile (distribution-free; the normal fit is reported "
                  "for comparison)",
                  "histogram", strip_hist_json(r.hist_ref)));
    json_object_set_new(
        r.ev, "histogram_bins",
        json_pack("{s:i, s:f, s:f}", "count", HIST_BINS, "lo", 0.0, "hi", r.hist_hi));
  }
  mg_dataset_info ti = {.struct_size = sizeof ti};
  if (!rc && svc->dataset_info(ctx, MG_DATASET_TRAIN, &ti) == MG_OK)
    rc = strip_scan_dataset(&r, MG_DATASET_TRAIN, r.cfg.sample);
  const char *inputs = svc->option(ctx, "inputs");
  mg_dataset_info ii = {.struct_size = sizeof ii};
  if (!rc && inputs && !strcmp(inputs, "1") &&
      svc->dataset_info(ctx, MG_DATASET_INPUTS, &ii) == MG_OK)
    rc = strip_scan_dataset(&r, MG_DATASET_INPUTS, 0);
  if (!rc) {
    json_object_set_new(r.ev, "forward_passes", json_integer((json_int_t)r.eng.passes));
    json_object_set_new(r.ev, "options",
                        json_pack("{s:i, s:f, s:I, s:I, s:f}", "n", (int)r.cfg.n, "frr", r.cfg.frr,
                                  "sample", (json_int_t)r.cfg.sample, "pool",
                                  (json_int_t)r.cfg.pool_max, "screen", r.cfg.screen));
    json_t *wrap = json_pack("{s:O}", "strip", r.ev);
    char *s = json_dumps(wrap, JSON_COMPACT);
    json_decref(wrap);
    rc = s ? svc->evidence(ctx, s) : MG_ERR_NOMEM;
    free(s);
  }
  json_decref(r.ev);
  strip_engine_free(&r.eng);
  free(r.pool);
  free(r.pool_rows);
  free(r.pool_labels);
  free(r.pool_pred);
  free(r.ref_h);
  return rc;
}

static const mg_plugin descriptor = {
    MG_PLUGIN_HEADER,
    "strip",
    "0.1.0",
    "STRIP: training rows and inputs whose prediction survives superimposition (trigger-like)",
    MG_NEED_MODEL | MG_NEED_REFERENCE,
    strip_atlas_all,
    strip_mitigations,
    strip_controls,
    NULL,
    strip_run_plugin,
    NULL,
};

MG_PLUGIN_EXPORT const mg_plugin_option *mg_plugin_option_table(void) {
  return option_table;
}

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &descriptor;
}
