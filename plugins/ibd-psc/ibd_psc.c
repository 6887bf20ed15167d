/* The ibd-psc plugin (Hou et al., ICML 2024, "IBD-PSC: Input-level
 * Backdoor Detection via Parameter-oriented Scaling Consistency"): runs
 * each row through copies of the model whose last 1, 2, ..., L
 * BatchNormalization layers have their scale and shift multiplied by
 * 1.5, 3, ...; a backdoored model keeps sending triggered rows to the
 * target under this amplification much more than it keeps clean rows at
 * their class. The score is the paper's PSC, the mean over the copies of
 * the probability of the row's clean prediction. Calibration, the class
 * test and the findings are scale-up's engine (plugins/scale-up/su_run.h):
 * a per-row threshold at a false-rejection rate on clean reference rows,
 * and per class an exact beta-binomial test against its own clean rows,
 * Holm-corrected. A model without BatchNormalization gets an info result
 * and the plugin is skipped with that reason. */
#include "config.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mgd.h"
#include "su_run.h"

#define NAME "ibd-psc"
/* The smallest factor; copy factors double from it (1.5, 3, 6, ...). */
#define FIRST_FACTOR 1.5

/* The options; `modelgate plugins -v` and docs/detectors/ibd-psc.md. */
static const mg_plugin_option option_table[] = {
    {"layers", MG_OPTION_INTEGER, 3, 1, 16,
     "amplify the last 1, 2, ..., N BatchNormalization layers (at most the model's)"},
    {"factors", MG_OPTION_INTEGER, 2, 1, 4, "factors 1.5, 3, ... (N of them, doubling)"},
    SU_OPTIONS(300),
};

static const char *const atlas_all[] = {"AML.T0018.000", "AML.T0043.004", "AML.T0020", NULL};
static const char *const atlas_inputs[] = {"AML.T0043.004", "AML.T0018.000", NULL};

/* The copies: copy v amplifies the last 1 + v / factors layers by
 * FIRST_FACTOR * 2^(v % factors). */
typedef struct psc_copies {
  uint32_t bn;      /* the model's BatchNormalization layers */
  uint32_t layers;  /* amplified depths 1..layers */
  uint32_t factors; /* factors per depth */
} psc_copies;

static double copy_factor(const psc_copies *c, uint32_t v) {
  return FIRST_FACTOR * ldexp(1.0, (int)(v % c->factors));
}

/* The ABI 1.3 services, or the reason the plugin cannot run. */
static int have_bn_services(const mg_services *svc) {
  return svc->struct_size >= offsetof(mg_services, model_forward_bn) + sizeof svc->model_forward_bn;
}

/* Skipped with the reason, like every plugin whose input is absent: the
 * report's banner and CTL-11 name skipped plugins, so nothing passes
 * silently, and the printed report keeps no finding that says nothing. */
static int not_applicable(su_run *r) {
  r->svc->log(r->ctx, MG_LOG_INFO, "%s",
              "not applicable: the model has no BatchNormalization layer to amplify, so no row "
              "was tested (strip and scale-up still test them)");
  return MG_ERR_NEEDS;
}

static int setup(su_run *r) {
  double layers = 0, factors = 0;
  int rc = su_opt(r, "layers", &layers);
  if (!rc)
    rc = su_opt(r, "factors", &factors);
  if (rc)
    return rc;
  if (!have_bn_services(r->svc)) {
    r->svc->log(r->ctx, MG_LOG_INFO, "this modelgate has no BatchNorm amplification (ABI < 1.3)");
    return MG_ERR_NEEDS;
  }
  psc_copies *c = calloc(1, sizeof *c);
  if (!c)
    return MG_ERR_NOMEM;
  r->mstate = c;
  if ((rc = r->svc->model_bn_count(r->ctx, &c->bn)))
    return rc;
  if (!c->bn)
    return not_applicable(r);
  c->layers = (uint32_t)layers < c->bn ? (uint32_t)layers : c->bn;
  c->factors = (uint32_t)factors;
  r->cfg.scales = c->layers * c->factors;
  return MG_OK;
}

static int forward_copy(su_run *r, uint32_t v, const float *x, size_t m, float *logits) {
  const psc_copies *c = r->mstate;
  return r->svc->model_forward_bn(r->ctx, x, m, 1 + v / c->factors, (float)copy_factor(c, v),
                                  logits);
}

/* 1 - softmax(row)[c], exact near 0: when c is the arg max it is the
 * other classes' summed odds r over 1 + r, so confident rows keep their
 * order down to 1e-300 instead of tying at p = 1. */
static double miss(const float *row, size_t k, size_t c) {
  double m = row[0];
  for (size_t j = 1; j < k; j++)
    if (row[j] > m)
      m = row[j];
  double rest = 0; /* the other classes' odds against the arg max */
  for (size_t j = 0; j < k; j++)
    if (j != c)
      rest += exp((double)row[j] - m);
  if ((double)row[c] >= m)
    return rest / (1 + rest);
  return rest / (rest + exp((double)row[c] - m));
}

static void describe(const su_run *r, char *buf, size_t len) {
  const psc_copies *c = r->mstate;
  snprintf(buf, len,
           "the scale and shift of the model's last 1 to %u of its %u BatchNormalization layers "
           "amplified by %g to %g (%u amplified models)",
           c->layers, c->bn, copy_factor(c, 0), copy_factor(c, c->factors - 1), r->cfg.scales);
}

static json_t *options_json(const su_run *r) {
  const psc_copies *c = r->mstate;
  json_t *f = json_array();
  for (uint32_t i = 0; i < c->factors; i++)
    json_array_append_new(f, json_real(copy_factor(c, i)));
  return json_pack("{s:i, s:i, s:o, s:i}", "layers", (int)c->layers, "factors", (int)c->factors,
                   "factor_values", f, "batchnorm_layers", (int)c->bn);
}

static const su_method method = {
    .name = NAME,
    .display = "IBD-PSC",
    .evidence_key = "ibd_psc",
    .loss_key = "one_minus_psc",
    .loss_only = 1,
    .setup = setup,
    .forward_copy = forward_copy,
    .copy_loss = miss,
    .describe = describe,
    .property = "keep their prediction under amplified BatchNorm parameters",
    .why = "Amplifying a model's parameters degrades what it learned of clean content, but a "
           "backdoor's trigger route is over-activated and keeps deciding, so a prediction that "
           "survives the amplified models is carried by a trigger (Hou et al. 2024).",
    .options_json = options_json,
    .options = option_table,
    .atlas_all = atlas_all,
    .atlas_inputs = atlas_inputs,
};

SU_PLUGIN(method, NAME, "0.1.0",
          "IBD-PSC: training rows and inputs whose prediction survives amplified BatchNorm "
          "parameters (trigger-like)")
