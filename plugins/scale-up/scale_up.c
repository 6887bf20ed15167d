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

#include "mgd.h"
#include "su_run.h"

/* The options; `modelgate plugins -v` and docs/detectors/scale-up.md. */
static const mg_plugin_option option_table[] = {
    {"scales", MG_OPTION_INTEGER, 5, 1, SU_MAX_SCALES,
     "amplification factors 3, 5, ..., 2N+1 (the paper's 3..11: 5)"},
    SU_OPTIONS(1000),
};

static const char *const atlas_all[] = {"AML.T0018.000", "AML.T0043.004", "AML.T0020", NULL};
static const char *const atlas_inputs[] = {"AML.T0043.004", "AML.T0018.000", NULL};

static int setup(su_run *r) {
  double scales = 0;
  int rc = su_opt(r, "scales", &scales);
  r->cfg.scales = (uint32_t)scales;
  return rc;
}

/* Copy v: the pixels amplified by 2v + 3 about the range's low end, clipped. */
static int forward_copy(su_run *r, uint32_t v, const float *x, size_t m, float *logits) {
  const float lo = r->lo, hi = r->hi, f = (float)(2 * v + 3);
  for (size_t i = 0; i < m * r->mi.input_floats; i++) {
    float y = lo + f * (x[i] - lo);
    r->xb[i] = y > hi ? hi : y < lo ? lo : y;
  }
  return r->svc->model_forward(r->ctx, r->xb, m, logits, NULL, NULL);
}

static void describe(const su_run *r, char *buf, size_t len) {
  snprintf(buf, len, "their pixels amplified %u times (factors 3 to %u, clipped)", r->cfg.scales,
           2 * r->cfg.scales + 1);
}

static json_t *options_json(const su_run *r) {
  return json_pack("{s:i}", "scales", (int)r->cfg.scales);
}

static const su_method method = {
    .name = "scale-up",
    .display = "SCALE-UP",
    .evidence_key = "scale_up",
    .loss_key = "loss",
    .loss_only = 0,
    .setup = setup,
    .forward_copy = forward_copy,
    .copy_loss = su_class_loss,
    .describe = describe,
    .property = "keep their prediction under pixel amplification",
    .why = "Amplification washes out an image's content but not a trigger's saturated pixels, so "
           "a prediction that survives it is carried by a dominant feature: a backdoor trigger "
           "is the usual cause (Guo et al. 2023).",
    .options_json = options_json,
    .options = option_table,
    .atlas_all = atlas_all,
    .atlas_inputs = atlas_inputs,
};

SU_PLUGIN(method, "scale-up", "0.1.0",
          "SCALE-UP: training rows and inputs whose prediction survives pixel amplification "
          "(trigger-like)")
