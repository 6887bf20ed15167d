/* The strip plugin (Gao et al. 2019, "STRIP: A Defence Against Trojan
 * Attacks on Deep Neural Networks"): a row's score is the mean softmax
 * entropy of the model over N blends of the row with clean reference
 * images (strip_engine.c); a low entropy means the prediction survives
 * superimposition, as a trigger that overrides any content does. The rest
 * is the prediction-consistency engine (plugins/scale-up/su_run.h): the
 * threshold at a 1% false-rejection rate on the clean reference set (here
 * the empirical quantile of the clean entropies), the scan of the training
 * set (and any --inputs rows), and per class an exact beta-binomial test
 * of its rows below its own clean reference quantile, Holm-corrected over
 * classes: clean classes differ a lot in how well their predictions
 * survive blending, so one global cut cannot decide. This file adds what
 * is STRIP's own: the paper's normal-fit threshold for comparison, the
 * entropy histograms and their plot. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hyptest.h"
#include "mgd.h"
#include "strip_engine.h"
#include "strip_plot.h"
#include "su_run.h"

#define NAME "strip"
/* Entropy histogram bins over [0, log classes]. */
#define HIST_BINS 40
/* Rows read per chunk: forward batches start at a chunk's first row. */
#define STRIP_CHUNK_ROWS 2048

/* The options; `modelgate plugins -v` and docs/detectors/strip.md. */
static const mg_plugin_option option_table[] = {
    {"n", MG_OPTION_INTEGER, 24, 2, 1000, "blends per row: superimposed clean images N"},
    /* Trigger-like rows have a LOW entropy: the cuts are lower quantiles. */
    SU_OPTIONS_WORDED(200,
                      "false-rejection rate: the per-row threshold is this quantile of the clean "
                      "reference entropies, rows below it are flagged",
                      "lower quantile of a class's clean reference entropies used as its cut "
                      "(rows below it count)"),
};

static const char *const atlas_all[] = {"AML.T0018.000", "AML.T0043.004", "AML.T0020", NULL};
static const char *const atlas_inputs[] = {"AML.T0043.004", "AML.T0018.000", NULL};

typedef struct strip_state {
  strip_engine eng; /* overlays: the reference rows the engine keeps */
  double hist_hi;   /* log(classes): the largest entropy */
  uint64_t hist_ref[HIST_BINS];
} strip_state;

static int setup(su_run *r) {
  double n = 0;
  int rc = su_opt(r, "n", &n);
  r->cfg.scales = (uint32_t)n; /* overlays: the copies of a row */
  strip_state *st = calloc(1, sizeof *st);
  if (!st)
    return MG_ERR_NOMEM;
  r->mstate = st;
  st->hist_hi = log((double)r->k);
  return rc;
}

static void release(su_run *r) {
  strip_engine_free(&((strip_state *)r->mstate)->eng);
}

/* The overlays are the reference rows, read before any row is scored. */
static int reference_read(su_run *r) {
  strip_state *st = r->mstate;
  return strip_engine_init(&st->eng, r->svc, r->ctx, r->ref_x, r->ref_n, r->mi.input_floats, r->k,
                           r->cfg.scales, r->svc->seed(r->ctx));
}

/* Mean entropies over the blends. A reference row never overlays itself
 * and gets its clean prediction (its group when the reference set has no
 * labels); a scanned row stops early once it cannot fall below its bound
 * (entropies are non-negative: the flags stay exact). No tie-break: a row
 * is past a cut only when its entropy is strictly below it. */
static int score(su_run *r, const su_rows *rows, su_score *out) {
  strip_state *st = r->mstate;
  size_t m = rows->m, n1 = m ? m : 1;
  double *mean = malloc(n1 * sizeof *mean), *stop = malloc(n1 * sizeof *stop);
  size_t *self = malloc(n1 * sizeof *self);
  int32_t *pred = malloc(n1 * sizeof *pred);
  int rc = mean && stop && self && pred ? MG_OK : MG_ERR_NOMEM;
  int ref = rows->ref_first != SIZE_MAX;
  for (size_t i = 0; !rc && i < m; i++) {
    self[i] = ref ? rows->ref_first + i : SIZE_MAX;
    stop[i] = rows->bound ? rows->bound[i].loss : INFINITY;
    pred[i] = -1;
  }
  if (!rc && ref)
    rc = su_predict(r, rows->x, m, pred);
  uint64_t before = st->eng.passes;
  if (!rc)
    rc = strip_engine_run(&st->eng, rows->x, m, rows->ids, ref ? self : NULL, rows->stream,
                          rows->bound ? stop : NULL, mean, NULL);
  r->passes += st->eng.passes - before;
  for (size_t i = 0; !rc && i < m; i++)
    out[i] = (su_score){.kept = 0, .rank = 0, .loss = mean[i], .tie = 0, .pred = pred[i]};
  free(mean);
  free(stop);
  free(self);
  free(pred);
  return rc;
}

static int hist_bin(const strip_state *st, double h) {
  int b = (int)(h / st->hist_hi * HIST_BINS);
  return b < 0 ? 0 : b >= HIST_BINS ? HIST_BINS - 1 : b;
}

static json_t *hist_json(const uint64_t *h) {
  json_t *a = json_array();
  for (int i = 0; i < HIST_BINS; i++)
    json_array_append_new(a, json_integer((json_int_t)h[i]));
  return a;
}

/* Clean entropies of rows idx[0..n): mean and standard deviation. */
static void moments(const su_run *r, const size_t *idx, size_t n, double *mu, double *sd) {
  double *v = malloc((n ? n : 1) * sizeof *v);
  *mu = *sd = NAN;
  if (!v)
    return;
  for (size_t i = 0; i < n; i++)
    v[i] = r->ref_s[idx[i]].loss;
  *mu = mgd_mean(v, n);
  *sd = mgd_stddev(v, n, *mu);
  free(v);
}

static size_t count_below(const su_run *r, const size_t *idx, size_t n, double t) {
  size_t below = 0;
  for (size_t i = 0; i < n; i++)
    below += r->ref_s[idx[i]].loss < t;
  return below;
}

/* The paper's rule for comparison: a normal fit of the clean entropies,
 * threshold mu + z_frr * sigma, and its held-out FRR on the engine's
 * halves; the clean entropy histogram. */
static int calibrated(su_run *r, json_t *cal) {
  strip_state *st = r->mstate;
  size_t n = r->ref_n, h1 = n / 2, h2 = n - h1;
  const size_t *idx = r->halves;
  double z = ht_norm_quantile(r->cfg.frr), mu, sd, mu1, sd1, mu2, sd2;
  moments(r, idx, n, &mu, &sd);
  moments(r, idx, h1, &mu1, &sd1);
  moments(r, idx + h1, h2, &mu2, &sd2);
  double t_gauss = mu + z * sd;
  if (!isfinite(t_gauss))
    return MG_ERR_NUMERIC;
  size_t k_gauss =
      count_below(r, idx + h1, h2, mu1 + z * sd1) + count_below(r, idx, h1, mu2 + z * sd2);
  for (size_t i = 0; i < n; i++)
    st->hist_ref[hist_bin(st, r->ref_s[i].loss)]++;
  json_t *own = json_pack("{s:s, s:i, s:f, s:f, s:f, s:f, s:o}", "decision",
                          "empirical quantile (distribution-free; the normal fit is reported for "
                          "comparison)",
                          "overlays", (int)r->cfg.scales, "threshold_gaussian", t_gauss,
                          "entropy_mean", mu, "entropy_sd", sd, "frr_heldout_gaussian",
                          (double)k_gauss / (double)n, "histogram", hist_json(st->hist_ref));
  json_object_update(cal, own);
  json_decref(own);
  json_object_set_new(
      r->ev, "histogram_bins",
      json_pack("{s:i, s:f, s:f}", "count", HIST_BINS, "lo", 0.0, "hi", st->hist_hi));
  return MG_OK;
}

/* A scanned set's entropy histogram; the training set's against the
 * reference's as an image. */
static int scanned(su_run *r, const su_set *s, json_t *set_evidence) {
  strip_state *st = r->mstate;
  uint64_t hist[HIST_BINS] = {0};
  for (uint64_t i = 0; i < s->info.count; i++)
    if (s->state[i] & SU_SCANNED)
      hist[hist_bin(st, s->score[i].loss)]++;
  json_object_set_new(set_evidence, "histogram", hist_json(hist));
  if (strcmp(s->name, MG_DATASET_TRAIN))
    return MG_OK;
  return strip_plot_attach(r->svc, r->ctx, "strip-entropy", st->hist_ref, hist, HIST_BINS,
                           st->hist_hi, r->cal.t.loss, "training");
}

static void describe(const su_run *r, char *buf, size_t len) {
  snprintf(buf, len,
           "their pixels blended 50/50 with those of %u clean reference images (the mean softmax "
           "entropy over the blends)",
           r->cfg.scales);
}

static json_t *options_json(const su_run *r) {
  return json_pack("{s:i}", "n", (int)r->cfg.scales);
}

static const su_method method = {
    .name = NAME,
    .display = "STRIP",
    .evidence_key = "strip",
    .loss_key = "entropy",
    .loss_only = 1,
    .no_kept = 1,
    .quantile_threshold = 1,
    .rule_stem = "low-entropy",
    .beyond = "below",
    .chunk_rows = STRIP_CHUNK_ROWS,
    .keep_reference = 1,
    .setup = setup,
    .score = score,
    .reference_read = reference_read,
    .calibrated = calibrated,
    .scanned = scanned,
    .release = release,
    .describe = describe,
    .property = "resist superimposition",
    .why = "An input whose prediction no blended image can change carries a dominant feature: a "
           "backdoor trigger is the usual cause (Gao et al. 2019). STRIP's blend halves a "
           "trigger's contrast, so small patches can be missed.",
    .options_json = options_json,
    .options = option_table,
    .atlas_all = atlas_all,
    .atlas_inputs = atlas_inputs,
};

SU_PLUGIN(method, NAME, "0.1.0",
          "STRIP: training rows and inputs whose prediction survives superimposition "
          "(trigger-like)")
