/* Evidence, findings and pictures for neural-cleanse. Every class's
 * reversed trigger is in the evidence (norm, indices, attack success) and
 * in two overview mosaics; flagged classes get a finding and their mask,
 * pattern and masked pattern as separate images. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mgd.h"
#include "nc_report.h"

/* The host keeps at most 64 images per plugin: two mosaics and three
 * pictures for each of at most this many flagged classes. */
#define NC_IMAGES_FLAGGED_MAX 20
#define NC_MOSAIC_COLS 10

mg_severity nc_severity(double p, int natural_looking) {
  mg_severity s = p <= 1e-4       ? MG_SEV_CRITICAL
                  : p <= 1e-3     ? MG_SEV_HIGH
                  : p <= 1e-2     ? MG_SEV_MEDIUM
                  : p <= NC_ALPHA ? MG_SEV_LOW
                                  : MG_SEV_INFO;
  /* a trigger made of the class's own features is weaker evidence */
  if (natural_looking && s > MG_SEV_INFO)
    s = (mg_severity)(s - 1);
  return s;
}

/* The pixel-space rows route decides only where the feature-layer one
 * cannot run (no usable feature layer): its exchangeability fails on some
 * clean classes (docs/detectors/neural-cleanse.md). */
static int pixel_decides(const nc_verify *v, const nc_fverify *fv) {
  return v->available && !fv->available;
}

/* Finite numbers as JSON reals, the rest as null. */
static json_t *real(double v) {
  return isfinite(v) ? json_real(v) : json_null();
}

/* Pixel planes the report can show: 1 or 3 channels; other counts are
 * shown as their mean. out has out_c * hw floats in [0, 1]. */
static uint32_t picture_channels(uint32_t c) {
  return c == 3 ? 3 : 1;
}

static void picture(const nc_problem *pb, const float *mask, const float *pattern, int what,
                    float *out) {
  size_t hw = (size_t)pb->height * pb->width;
  uint32_t oc = picture_channels(pb->channels);
  float span = pb->hi - pb->lo;
  for (uint32_t c = 0; c < oc; c++)
    for (size_t i = 0; i < hw; i++) {
      double v;
      if (what == 0) {
        v = mask[i];
      } else {
        double s = 0;
        uint32_t from = oc == pb->channels ? c : 0, to = oc == pb->channels ? c + 1 : pb->channels;
        for (uint32_t ch = from; ch < to; ch++)
          s += (pattern[ch * hw + i] - pb->lo) / span;
        v = s / (double)(to - from);
        if (what == 2)
          v *= mask[i];
      }
      out[c * hw + i] = (float)(v < 0 ? 0 : v > 1 ? 1 : v);
    }
}

/* All classes side by side, one pixel of grey between tiles, in class
 * order so the reader can find a class by position. */
static int mosaic(const mg_services *svc, mg_plugin_ctx *ctx, const nc_problem *pb,
                  const nc_result *res, size_t k, int what, const char *name, const char *caption) {
  uint32_t h = pb->height, w = pb->width, oc = picture_channels(pb->channels);
  size_t cols = k < NC_MOSAIC_COLS ? k : NC_MOSAIC_COLS, rows = (k + cols - 1) / cols;
  size_t H = rows * (h + 1) + 1, W = cols * (w + 1) + 1, hw = (size_t)h * w;
  if (H > 4096 || W > 4096)
    return MG_OK; /* too large to be useful as one picture; the evidence has the norms */
  float *img = malloc(oc * H * W * sizeof *img), *tile = malloc(oc * hw * sizeof *tile);
  int rc = img && tile ? MG_OK : MG_ERR_NOMEM;
  if (!rc) {
    for (size_t i = 0; i < oc * H * W; i++)
      img[i] = 0.5f;
    for (size_t t = 0; t < k; t++) {
      picture(pb, res[t].mask, res[t].pattern, what, tile);
      size_t r0 = 1 + (t / cols) * (h + 1), c0 = 1 + (t % cols) * (w + 1);
      for (uint32_t c = 0; c < oc; c++)
        for (uint32_t y = 0; y < h; y++)
          memcpy(img + c * H * W + (r0 + y) * W + c0, tile + c * hw + (size_t)y * w,
                 w * sizeof *img);
    }
    rc = svc->attach_image(ctx, name, caption, oc, (uint32_t)H, (uint32_t)W, img);
  }
  free(img);
  free(tile);
  return rc;
}

static int class_images(const mg_services *svc, mg_plugin_ctx *ctx, const nc_problem *pb,
                        const nc_result *r, const char *cname, const char *why) {
  size_t hw = (size_t)pb->height * pb->width;
  uint32_t oc = picture_channels(pb->channels);
  float *px = malloc(oc * hw * sizeof *px);
  if (!px)
    return MG_ERR_NOMEM;
  static const char *const kinds[] = {"mask", "pattern", "trigger"};
  static const char *const what[] = {"reversed mask", "reversed pattern",
                                     "reversed trigger (mask x pattern)"};
  int rc = MG_OK;
  for (int i = 0; !rc && i < 3; i++) {
    char name[64], caption[600];
    snprintf(name, sizeof name, "class-%d-%s", (int)r->target, kinds[i]);
    snprintf(caption, sizeof caption, "%s of %s: L1 norm %.1f, attack success %.3f; %s", what[i],
             cname, r->norm, r->success, why);
    picture(pb, r->mask, r->pattern, i, px);
    rc = svc->attach_image(ctx, name, caption, i == 0 ? 1 : oc, pb->height, pb->width, px);
  }
  free(px);
  return rc;
}

static json_t *class_json(const mg_services *svc, mg_plugin_ctx *ctx, const nc_result *r,
                          const nc_decision *d, size_t i, size_t rank) {
  char cname[256];
  mgd_class_name(svc, ctx, r->target, cname, sizeof cname);
  return json_pack("{s:b, s:i, s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:i, s:o}",
                   "screened_out", r->screened_out, "label", (int)r->target, "name", cname, "rank",
                   (int)rank, "norm", real(r->norm), "log_norm", real(d->log_norm[i]),
                   "anomaly_index", real(d->index[i]), "z", real(d->z[i]), "naturalness",
                   real(d->natural[i]), "attack_success", real(r->success), "reached", r->reached,
                   "steps", (int)r->steps, "final_cost", real(r->cost));
}

static int emit_flagged(const mg_services *svc, mg_plugin_ctx *ctx, const nc_result *res,
                        const nc_decision *d, size_t j) {
  size_t i = d->order[j];
  const nc_result *r = &res[i];
  double p = d->p_flag[j];
  int natural = d->natural_looking[j];
  mg_severity sev = nc_severity(p, natural);
  if (sev == MG_SEV_INFO)
    return MG_OK; /* listed in the evidence as discounted */
  char cname[256], title[400], msg[2000], nat[400];
  mgd_class_name(svc, ctx, r->target, cname, sizeof cname);
  /* the median of the classes above this one in the ranking */
  double *above = malloc((d->k - j - 1) * sizeof *above);
  if (!above)
    return MG_ERR_NOMEM;
  for (size_t l = j + 1; l < d->k; l++)
    above[l - j - 1] = res[d->order[l]].norm;
  double med_others = mgd_median(above, d->k - j - 1);
  free(above);
  double next = res[d->order[j + 1]].norm;
  if (natural)
    snprintf(nat, sizeof nat,
             " But inputs carrying it look like the class's own clean inputs to the model "
             "(naturalness %.2f, at or above the other classes' median %.2f), as an easy "
             "natural feature would, so the severity is one step lower.",
             d->natural[i], d->natural_median);
  else
    snprintf(nat, sizeof nat,
             " Inputs carrying it do not move toward the class's own clean inputs "
             "(naturalness %.2f against the other classes' median %.2f): it is a learned "
             "shortcut rather than a class feature.",
             d->natural[i], d->natural_median);
  snprintf(title, sizeof title, "%s has an anomalously small reversed trigger", cname);
  snprintf(msg, sizeof msg,
           "Neural Cleanse reverse-engineered the smallest input change that turns clean "
           "reference images into %s: a mask of L1 norm %.1f pixels, rank %zu of %zu, against a "
           "median of %.1f for the larger classes (ratio %.3f; %.3f of the next smallest). In log "
           "scale it lies %.1f standard deviations below the larger classes; a clean model ranks "
           "a class this far out with p = %.2g (Student-t null, %zu simulated draws). The "
           "reversed trigger sends %.1f%% of other-class reference images to this class. A "
           "backdoor's target needs a much smaller change than any natural class boundary.%s "
           "The paper's MAD anomaly index is %.2f (%s its > 2 rule). Confidence: %s.",
           cname, r->norm, j + 1, d->k, med_others, r->norm / med_others, r->norm / next, d->z[i],
           p, d->null_draws, 100.0 * r->success, nat, d->index[i],
           d->index[i] > 2.0 && r->norm < d->median ? "meets" : "below", mg_severity_name(sev));
  json_t *ev = json_pack(
      "{s:o, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:b}", "norm", real(r->norm), "rank",
      (int)(j + 1), "anomaly_index", real(d->index[i]), "z", real(d->z[i]), "p_value", real(p),
      "ratio_to_median", real(r->norm / med_others), "ratio_to_next", real(r->norm / next),
      "attack_success", real(r->success), "naturalness", real(d->natural[i]), "natural_looking",
      natural, "paper_rule", d->index[i] > 2.0 && r->norm < d->median);
  if (!ev)
    return MG_ERR_NOMEM;
  mg_finding f = mgp_finding(sev, "small-trigger", title, msg);
  f.label = r->target;
  f.score = d->z[i];
  return mgp_emit(svc, ctx, &f, ev, JSON_COMPACT | JSON_SORT_KEYS);
}

/* What both rows findings start from: the class of rank j, its name and
 * the severity of its adjusted p-value (MG_SEV_INFO: no finding). */
typedef struct rows_class {
  size_t i, l, j; /* result index, label, rank (0 = smallest norm) */
  const nc_result *r;
  mg_severity sev;
  double rate_ref; /* chance share of training rows past the cut */
  char cname[256];
} rows_class;

static mg_severity rows_class_of(const mg_services *svc, mg_plugin_ctx *ctx, const nc_result *res,
                                 const nc_decision *d, size_t j, const double *p_adj,
                                 const uint64_t *n_ref, rows_class *c) {
  c->j = j;
  c->i = d->order[j];
  c->r = &res[c->i];
  c->l = (size_t)c->r->target;
  c->sev = mgd_severity_of_p(p_adj[c->l]);
  c->rate_ref = 1.0 / (double)(n_ref[c->l] + 1);
  if (c->sev != MG_SEV_INFO)
    mgd_class_name(svc, ctx, c->r->target, c->cname, sizeof c->cname);
  return c->sev;
}

/* Emits a finding on training rows; takes ev. */
static int emit_rows(const mg_services *svc, mg_plugin_ctx *ctx, const rows_class *c,
                     const char *rule, const char *title, const char *msg, json_t *ev,
                     uint64_t *rows, uint64_t n, double p) {
  if (!ev)
    return MG_ERR_NOMEM;
  mg_finding f = mgp_finding(c->sev, rule, title, msg);
  f.label = c->r->target;
  f.dataset = MG_DATASET_TRAIN;
  f.indices = rows;
  f.n_indices = (size_t)n;
  f.score = -log10(p > 1e-300 ? p : 1e-300);
  return mgp_emit(svc, ctx, &f, ev, JSON_COMPACT | JSON_SORT_KEYS);
}

/* A class whose training rows carry its reversed trigger more often than
 * its held-out clean reference rows do (decides only for a model without
 * a usable feature layer, see pixel_decides). */
static int emit_verified(const mg_services *svc, mg_plugin_ctx *ctx, const rows_class *c,
                         const nc_decision *d, const nc_verify *v) {
  double p = v->p_adj[c->l];
  char title[400], msg[2000];
  snprintf(title, sizeof title, "%s training rows carry its reversed trigger", c->cname);
  snprintf(msg, sizeof msg,
           "Neural Cleanse reverse-engineered the smallest input change that turns clean "
           "reference images into %s (mask of L1 norm %.1f pixels, rank %zu of %zu by size). "
           "%" PRIu64 " of the %" PRIu64 " training rows labelled %s already show that trigger "
           "more closely than every one of the %" PRIu64
           " clean reference rows of the class that the search never used (trigger distance "
           "below %.3f; a clean class would have about %.1f such rows, %.2f%%). Poisoned rows "
           "are the trigger stamped on an image; a natural class feature is no closer to the "
           "training rows than to held-out clean rows. p = %.2g for this count (exact "
           "beta-binomial law, %.2g against the other classes' rate, %.2g against its rows under "
           "the other classes' triggers), %.2g after the "
           "correction over the %zu classes (this rank's share of the level: %.3g). The listed "
           "rows are the training rows below the cut. Confidence: %s.",
           c->cname, c->r->norm, c->j + 1, d->k, v->below[c->l], v->n_train[c->l], c->cname,
           v->n_ref[c->l], v->cut[c->l], c->rate_ref * (double)v->n_train[c->l],
           100.0 * c->rate_ref, v->p_exceed[c->l], v->p_others[c->l], v->p_controls[c->l], p, d->k,
           v->weight[c->l], mg_severity_name(c->sev));
  json_t *ev = json_pack(
      "{s:o, s:i, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "norm",
      real(c->r->norm), "rank", (int)(c->j + 1), "train_rows", (json_int_t)v->n_train[c->l],
      "heldout_reference_rows", (json_int_t)v->n_ref[c->l], "rows_below_cut",
      (json_int_t)v->below[c->l], "cut", real(v->cut[c->l]), "reference_median",
      real(v->ref_median[c->l]), "p_exceedance", real(v->p_exceed[c->l]), "p_against_other_classes",
      real(v->p_others[c->l]), "p_against_other_triggers", real(v->p_controls[c->l]), "p_value",
      real(v->p[c->l]), "weight", real(v->weight[c->l]), "p_adjusted", real(p), "attack_success",
      real(c->r->success), "naturalness", real(d->natural[c->i]));
  return emit_rows(svc, ctx, c, "trigger-in-training-rows", title, msg, ev, v->rows[c->l],
                   v->below[c->l], p);
}

/* A class whose training rows lie farther along its trigger's feature
 * shift than every held-out clean reference row of the class. */
static int emit_feature_verified(const mg_services *svc, mg_plugin_ctx *ctx, const rows_class *c,
                                 const nc_decision *d, const nc_fverify *v) {
  double p = v->p_adj[c->l];
  char title[400], msg[2400];
  snprintf(title, sizeof title, "%s training rows look like its reversed trigger to the model",
           c->cname);
  snprintf(msg, sizeof msg,
           "Neural Cleanse reverse-engineered the smallest input change that turns clean "
           "reference images into %s (mask of L1 norm %.1f pixels, rank %zu of %zu by size). In "
           "the model's feature layer that trigger moves inputs along one direction; %" PRIu64
           " of the %" PRIu64 " training rows labelled %s lie farther along it than every one of "
           "the %" PRIu64 " clean reference rows of the class that the search never used (a clean "
           "class would have about %.1f such rows; p = %.2g, exact beta-binomial law, %.2g "
           "against the other classes' rate), and a training row lies farther than a held-out "
           "one with chance %.2f (Mann-Whitney p = %.2g; against the other classes' rank "
           "tests z = %.1f, p = %.2g for the largest of %zu). Poisoned rows carry the real "
           "trigger, which the model reads as the reversed one even where their pixels differ. "
           "p = %.2g after the correction over the classes and the two tests (this rank's share "
           "of the count's level: %.3g). The listed rows are the training rows beyond %s. "
           "Confidence: %s.",
           c->cname, c->r->norm, c->j + 1, d->k, v->above[c->l], v->n_train[c->l], c->cname,
           v->n_ref[c->l], c->rate_ref * (double)v->n_train[c->l], v->p_exceed[c->l],
           v->p_others[c->l], v->auc[c->l], v->p_rank[c->l], v->z_rank[c->l], v->p_rank_fw[c->l],
           d->k, p, v->weight[c->l],
           v->by_rank[c->l] ? "the held-out rows' upper quartile (the rank test decided)"
                            : "the cut (the count decided)",
           mg_severity_name(c->sev));
  json_t *ev =
      json_pack("{s:o, s:i, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s}",
                "norm", real(c->r->norm), "rank", (int)(c->j + 1), "train_rows",
                (json_int_t)v->n_train[c->l], "heldout_reference_rows", (json_int_t)v->n_ref[c->l],
                "rows_beyond_cut", (json_int_t)v->above[c->l], "p_exceedance",
                real(v->p_exceed[c->l]), "p_against_other_classes", real(v->p_others[c->l]),
                "p_tail", real(v->p_tail[c->l]), "auc", real(v->auc[c->l]), "p_rank",
                real(v->p_rank[c->l]), "p_rank_across_classes", real(v->p_rank_fw[c->l]), "weight",
                real(v->weight[c->l]), "p_adjusted", real(p), "naturalness", real(d->natural[c->i]),
                "decided_by", v->by_rank[c->l] ? "rank test" : "count beyond the cut");
  return emit_rows(svc, ctx, c, "trigger-features-in-training-rows", title, msg, ev, v->rows[c->l],
                   v->listed[c->l], p);
}

/* The feature-layer verification's per-class table for the evidence. */
static json_t *fverify_json(const nc_result *res, const nc_decision *d, const nc_fverify *v,
                            int orthogonal) {
  json_t *per = json_array();
  for (size_t j = 0; per && j < d->k; j++) {
    size_t l = (size_t)res[d->order[j]].target;
    if (json_array_append_new(
            per,
            json_pack("{s:i, s:i, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
                      "s:s}",
                      "label", (int)l, "rank", (int)(j + 1), "train_rows",
                      (json_int_t)v->n_train[l], "heldout_reference_rows", (json_int_t)v->n_ref[l],
                      "rows_beyond_cut", (json_int_t)v->above[l], "p_exceedance",
                      real(v->p_exceed[l]), "p_against_other_classes", real(v->p_others[l]),
                      "p_tail", real(v->p_tail[l]), "auc", real(v->auc[l]), "p_rank",
                      real(v->p_rank[l]), "p_rank_across_classes", real(v->p_rank_fw[l]), "weight",
                      real(v->weight[l]), "p_adjusted", real(v->p_adj[l]), "second_search_norm",
                      real(v->restart_norm ? v->restart_norm[l] : NAN), "direction_from",
                      v->from_restart && v->from_restart[l] ? "second search" : "first search"))) {
      json_decref(per);
      return NULL;
    }
  }
  return per ? json_pack("{s:s, s:s, s:s, s:s, s:f, s:o}", "direction",
                         orthogonal ? "the shift minus its part along the class's own direction "
                                      "(clean class mean minus all clean rows' mean)"
                                    : "the whole shift (triggered rows' mean minus the class's "
                                      "clean mean)",
                         "statistic",
                         "the class's training rows' projections on its trigger's feature shift "
                         "against its held-out clean reference rows': the count beyond every "
                         "held-out row, and the Mann-Whitney rank test of the whole distribution",
                         "null",
                         "training and held-out reference rows of the class exchangeable: the "
                         "count BetaBinomial(n, 1, m) exactly, intersection-union with a one-sided "
                         "Fisher test against the other classes' rate; the rank test's normal "
                         "approximation; Bonferroni over the two",
                         "correction", "weighted Bonferroni by norm rank (shares 1/2, 1/4, ...)",
                         "alpha", MGD_P_LOW, "classes", per)
             : NULL;
}

/* The verification's per-class table for the evidence. */
static json_t *verify_json(const nc_result *res, const nc_decision *d, const nc_verify *v) {
  json_t *per = json_array();
  for (size_t j = 0; per && j < d->k; j++) {
    size_t l = (size_t)res[d->order[j]].target;
    if (json_array_append_new(
            per,
            json_pack("{s:i, s:i, s:I, s:I, s:I, s:I, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                      "label", (int)l, "rank", (int)(j + 1), "train_rows",
                      (json_int_t)v->n_train[l], "heldout_reference_rows", (json_int_t)v->n_ref[l],
                      "rows_below_cut", (json_int_t)v->below[l], "rows_below_cut_other_triggers",
                      (json_int_t)v->below_controls[l], "p_against_other_triggers",
                      real(v->p_controls[l]), "reference_ties_at_cut", (json_int_t)v->ref_ties[l],
                      "cut", real(v->cut[l]), "reference_median", real(v->ref_median[l]),
                      "p_exceedance", real(v->p_exceed[l]), "p_against_other_classes",
                      real(v->p_others[l]), "p_value", real(v->p[l]), "weight", real(v->weight[l]),
                      "p_adjusted", real(v->p_adj[l])))) {
      json_decref(per);
      return NULL;
    }
  }
  return per ? json_pack("{s:s, s:s, s:s, s:s, s:o}", "statistic",
                         "training rows of the class whose trigger distance is below every "
                         "held-out clean reference row of the class",
                         "null",
                         "training and held-out reference rows of the class exchangeable: "
                         "BetaBinomial(n, 1, m) exactly; intersection-union with a one-sided "
                         "Fisher test against the other classes' rate",
                         "correction", "weighted Bonferroni by norm rank (shares 1/2, 1/4, ...)",
                         "decides",
                         "only without a usable feature layer (the class's training and held-out "
                         "rows are not exchangeable in pixel space on every clean model)",
                         "classes", per)
             : NULL;
}

/* The whole ranking as one evidence object. */
static json_t *evidence(const mg_services *svc, mg_plugin_ctx *ctx, const nc_problem *pb,
                        const nc_params *prm, const nc_result *res, size_t k, const nc_decision *d,
                        const nc_verify *v, const nc_fverify *fv) {
  json_t *per = json_array(), *ranking = json_array(), *pv = json_array(), *pn = json_array();
  json_t *flagged = json_array(), *discounted = json_array();
  size_t *rank = malloc(k * sizeof *rank);
  int ok = per && ranking && pv && pn && flagged && discounted && rank;
  for (size_t j = 0; ok && j < k; j++)
    rank[d->order[j]] = j + 1;
  for (size_t i = 0; ok && i < k; i++)
    ok = !json_array_append_new(per, class_json(svc, ctx, &res[i], d, i, rank[i]));
  for (size_t j = 0; ok && j < k; j++)
    ok = !json_array_append_new(ranking, json_integer(res[d->order[j]].target));
  for (size_t j = 0; ok && j < d->max_tests; j++)
    ok = !json_array_append_new(pv, real(d->p[j])) &&
         !json_array_append_new(pn, real(d->p_normal[j]));
  for (size_t j = 0; ok && j < d->n_flagged; j++) {
    json_t *l = json_integer(res[d->order[j]].target);
    ok = !json_array_append_new(
        nc_severity(d->p_flag[j], d->natural_looking[j]) > MG_SEV_INFO ? flagged : discounted, l);
  }
  for (size_t j = 0; ok && j < k; j++) {
    int32_t l = res[d->order[j]].target;
    int by_rank =
        j < d->n_flagged && nc_severity(d->p_flag[j], d->natural_looking[j]) > MG_SEV_INFO;
    double p = fv->available ? fv->p_adj[l] : pixel_decides(v, fv) ? v->p_adj[l] : 1.0;
    if (!by_rank && mgd_severity_of_p(p) > MG_SEV_INFO)
      ok = !json_array_append_new(flagged, json_integer(l));
  }
  free(rank);
  size_t c0 = d->order[0];
  const nc_result *c = &res[c0];
  json_t *cand =
      json_pack("{s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b}", "label", (int)c->target,
                "norm", real(c->norm), "anomaly_index", real(d->index[c0]), "z", real(d->z[c0]),
                "p_value", real(d->p[0]), "ratio_to_next", real(d->ratio_second), "ratio_to_median",
                real(d->ratio_median), "attack_success", real(c->success), "naturalness",
                real(d->natural[c0]), "paper_rule", d->paper_flag);
  json_t *setup = json_pack(
      "{s:i, s:f, s:b, s:I, s:I, s:i, s:i, s:i, s:f, s:f, s:f, s:f, s:f, s:f, "
      "s:i, s:i}",
      "screen_steps", (int)prm->screen_steps, "mask_init", prm->mask_init, "early_gate",
      prm->early_gate, "samples", (json_int_t)pb->n, "batch", (json_int_t)prm->batch, "max_steps",
      (int)prm->max_steps, "epoch_steps", (int)prm->epoch_steps, "group", (int)prm->group, "lr",
      prm->lr, "beta1", prm->beta1, "beta2", prm->beta2, "init_cost", prm->init_cost,
      "success_threshold", prm->success, "early_tolerance", prm->early_tolerance, "patience",
      (int)prm->patience, "early_patience", (int)prm->early_patience);
  json_t *test = json_pack(
      "{s:s, s:s, s:f, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "statistic",
      "step-down z of the log-norm against the larger classes (mean, sd)", "null",
      "iid Student-t, 4 degrees of freedom, simulated for this number of classes", "alpha",
      NC_ALPHA, "null_draws", (json_int_t)d->null_draws, "p_values", pv, "p_values_normal_null", pn,
      "rest_log_mean", real(d->rest_centre), "rest_log_sd", real(d->rest_spread), "norm_median",
      real(d->median), "norm_mad", real(d->mad), "naturalness_median", real(d->natural_median));
  pv = pn = NULL;
  json_t *ver = v->available ? verify_json(res, d, v) : json_null();
  json_t *fver = fv->available ? fverify_json(res, d, fv, pb->orthogonal) : json_null();
  json_t *nc = ok && cand && setup && test && ver && fver
                   ? json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:o}",
                               "num_classes", (json_int_t)k, "classes", per, "ranking", ranking,
                               "candidate", cand, "flagged", flagged, "discounted", discounted,
                               "test", test, "setup", setup, "decided_by",
                               fv->available          ? "ranking or training rows' features"
                               : pixel_decides(v, fv) ? "ranking or training rows"
                                                      : "ranking",
                               "verification", ver, "feature_verification", fver)
                   : NULL;
  if (!nc) {
    json_decref(per);
    json_decref(ranking);
    json_decref(flagged);
    json_decref(discounted);
    json_decref(cand);
    json_decref(setup);
    json_decref(test);
    json_decref(ver);
    json_decref(fver);
  }
  json_decref(pv);
  json_decref(pn);
  return nc ? json_pack("{s:o}", "neural_cleanse", nc) : NULL;
}

int nc_report(const mg_services *svc, mg_plugin_ctx *ctx, const nc_problem *pb,
              const nc_params *prm, const nc_result *res, size_t k, const nc_decision *d,
              const nc_verify *v, const nc_fverify *fv) {
  json_t *ev = evidence(svc, ctx, pb, prm, res, k, d, v, fv);
  char *evs = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
  json_decref(ev);
  if (!evs)
    return MG_ERR_NOMEM;
  int rc = svc->evidence(ctx, evs);
  free(evs);
  for (size_t j = 0; !rc && j < d->n_flagged; j++)
    rc = emit_flagged(svc, ctx, res, d, j);
  for (size_t j = 0; !rc && j < k; j++) {
    rows_class c;
    if (fv->available &&
        rows_class_of(svc, ctx, res, d, j, fv->p_adj, fv->n_ref, &c) != MG_SEV_INFO)
      rc = emit_feature_verified(svc, ctx, &c, d, fv);
    if (!rc && pixel_decides(v, fv) &&
        rows_class_of(svc, ctx, res, d, j, v->p_adj, v->n_ref, &c) != MG_SEV_INFO)
      rc = emit_verified(svc, ctx, &c, d, v);
  }
  if (!rc)
    rc = mosaic(svc, ctx, pb, res, k, 0, "masks",
                "Reversed masks of every class, in class order (white = pixel in the trigger)");
  if (!rc)
    rc = mosaic(svc, ctx, pb, res, k, 2, "triggers",
                "Reversed triggers (mask x pattern) of every class, in class order");
  /* Pictures of the flagged classes, and of those the paper's rule (index
   * > 2 below the median) singles out although the calibrated test does
   * not flag them, so the report shows what the docs say it shows. */
  for (size_t j = 0, shown = 0; !rc && j < k && shown < NC_IMAGES_FLAGGED_MAX; j++) {
    size_t i = d->order[j];
    int paper = d->index[i] > 2.0 && res[i].norm < d->median;
    int by_rank = j < d->n_flagged;
    int by_features = fv->available && mgd_severity_of_p(fv->p_adj[res[i].target]) > MG_SEV_INFO;
    int by_rows = pixel_decides(v, fv) && mgd_severity_of_p(v->p_adj[res[i].target]) > MG_SEV_INFO;
    if (!by_rank && !by_features && !by_rows && !paper)
      continue;
    char cname[256], why[160];
    mgd_class_name(svc, ctx, res[i].target, cname, sizeof cname);
    if (by_rows)
      snprintf(why, sizeof why, "its training rows carry it (adjusted p = %.2g)",
               v->p_adj[res[i].target]);
    else if (by_features)
      snprintf(why, sizeof why, "its training rows carry its feature shift (adjusted p = %.2g)",
               fv->p_adj[res[i].target]);
    else if (by_rank)
      snprintf(why, sizeof why, "flagged by the calibrated test (adjusted p = %.2g)", d->p_flag[j]);
    else
      snprintf(why, sizeof why,
               "the paper's anomaly index %.2f > 2, not flagged by the calibrated test",
               d->index[i]);
    rc = class_images(svc, ctx, pb, &res[i], cname, why);
    shown++;
  }
  for (size_t i = 0; !rc && i < k; i++)
    svc->log(ctx, MG_LOG_INFO,
             "class %d: norm %.2f, z %.2f, anomaly index %.2f, naturalness %.2f, success %.3f, "
             "%u steps",
             (int)res[i].target, res[i].norm, d->z[i], d->index[i], d->natural[i], res[i].success,
             res[i].steps);
  return rc;
}
