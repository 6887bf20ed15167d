/* The loss-outliers plugin: per-sample cross-entropy of the training set
 * under the model. Rows labelled one class that the model confidently
 * reads as another (label flipping, mislabelled data), a high-loss tail
 * (mislabelled or corrupted rows) and a low-loss excess (poisoned rows the
 * model fits too well, e.g. a learned trigger), each class tested against
 * its own clean reference rows with exact tests and Holm's correction, so
 * the noisy classes of a clean dataset do not raise a finding. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hyptest.h"
#include "lo_stats.h"
#include "mgd.h"

static const char *const atlas_all[] = {"AML.T0020", "AML.T0059", "AML.T0018.000", NULL};
static const char *const atlas_labels[] = {"AML.T0020", "AML.T0059", NULL};
static const char *const atlas_fit[] = {"AML.T0020", "AML.T0018.000", NULL};
static const char *const mitigations[] = {"AML.M0007", "AML.M0008", NULL};
static const char *const controls_all[] = {"CTL-05", "CTL-02", NULL};
static const char *const ctl_labels[] = {"CTL-05", "CTL-02", NULL};
static const char *const ctl_fit[] = {"CTL-02", NULL};

/* Rows listed with their z-scores in a finding's evidence (all rows are in
 * its indices). */
#define EVIDENCE_ROWS 100
/* Confusion pairs listed in the plugin's evidence. */
#define EVIDENCE_PAIRS 10
/* A class's candidates are listed from this many rows on (the detectors'
 * smallest finding, MGDS_MIN_FLAGGED). */
#define MIN_CANDIDATES 5
/* A confusion pair's rows are candidates when its uncorrected p is at most
 * this (the detectors' "low" level before the correction). */
#define CANDIDATE_PAIR_P MGD_P_LOW

typedef struct losses {
  double *u;
  int32_t *pred;
  int bad; /* a non-finite logit was seen */
} losses;

typedef struct lo_run {
  const mg_services *svc;
  mg_plugin_ctx *ctx;
  lo_params prm;
  size_t k;
  mgd_data train, ref;
  losses lt, lr;
  int have_ref;
  lo_result res;
} lo_run;

/* The options; docs/detectors/loss-outliers.md. */
static const mg_plugin_option option_table[] = {
    {"tail", MG_OPTION_NUMBER, 0.05, 0.005, 0.25,
     "upper quantile of a class's clean losses counted as its high-loss tail"},
    {"z", MG_OPTION_NUMBER, 3.5, 1, 50, "robust z beyond which rows are counted (evidence only)"},
    {NULL, 0, 0, 0, 0, NULL},
};

static int opt_num(lo_run *r, const char *key, double *out) {
  return mgp_opt(r->svc, r->ctx, "loss-outliers", option_table, key, out);
}

/* What a batch callback fills: the losses of one set. */
typedef struct batch_ctx {
  size_t k;
  losses *l;
} batch_ctx;

static int on_batch(void *user, uint64_t first, size_t rows, const float *x, const int32_t *labels,
                    const float *logits, const float *features, uint64_t dim) {
  (void)x;
  (void)features;
  (void)dim;
  const batch_ctx *b = user;
  losses *l = b->l;
  for (size_t i = 0; i < rows; i++) {
    const float *row = logits + i * b->k;
    int32_t y = labels[i];
    for (size_t j = 0; j < b->k; j++)
      if (!isfinite(row[j]))
        l->bad = 1;
    if (y < 0 || (size_t)y >= b->k) {
      l->u[first + i] = NAN;
      l->pred[first + i] = -1;
      continue;
    }
    l->u[first + i] = lo_loss_logit(row, b->k, y, &l->pred[first + i]);
  }
  return l->bad ? MG_ERR_NUMERIC : MG_OK;
}

static int compute_losses(lo_run *r, mgd_data *d, losses *l, const char *stage) {
  uint64_t n = d->info.count ? d->info.count : 1;
  l->u = malloc(n * sizeof *l->u);
  l->pred = malloc(n * sizeof *l->pred);
  if (!l->u || !l->pred)
    return MG_ERR_NOMEM;
  batch_ctx b = {r->k, l};
  int rc = mgd_for_batches(d, 256, 0, NULL, stage, on_batch, &b);
  if (rc == MG_ERR_NUMERIC)
    r->svc->log(r->ctx, MG_LOG_ERROR,
                "loss-outliers: the model gave non-finite logits on the %s set", d->name);
  return rc;
}

typedef struct flagged {
  uint64_t *rows;
  size_t n;
} flagged;

typedef struct ranked_row {
  double key; /* |z| */
  uint64_t row;
} ranked_row;

static int cmp_ranked(const void *a, const void *b) {
  const ranked_row *x = a, *y = b;
  if (x->key != y->key)
    return x->key > y->key ? -1 : 1;
  return x->row < y->row ? -1 : x->row > y->row;
}

static int emit(lo_run *r, mg_severity sev, const char *rule, const char *title, const char *msg,
                const char *const *atlas, const char *const *ctl, int32_t label, const flagged *f,
                double p_adj, json_t *ev) {
  ranked_row *by_z = malloc((f->n ? f->n : 1) * sizeof *by_z);
  if (!by_z) {
    json_decref(ev);
    return MG_ERR_NOMEM;
  }
  for (size_t i = 0; i < f->n; i++)
    by_z[i] = (ranked_row){fabs(r->res.z[f->rows[i]]), f->rows[i]};
  qsort(by_z, f->n, sizeof *by_z, cmp_ranked);
  json_t *rows = json_array();
  for (size_t i = 0; i < f->n && i < EVIDENCE_ROWS; i++) {
    uint64_t row = by_z[i].row;
    json_array_append_new(rows, json_pack("{s:I, s:f, s:f, s:i}", "row", (json_int_t)row, "loss",
                                          lo_softplus(r->lt.u[row]), "z", r->res.z[row],
                                          "predicted", (int)r->lt.pred[row]));
  }
  free(by_z);
  json_object_set_new(ev, "rows_by_z", rows);
  json_object_set_new(ev, "p_holm", json_real(p_adj));
  mg_finding fd = mgp_finding(sev, rule, title, msg);
  fd.atlas = atlas;
  fd.controls = ctl;
  fd.label = label;
  fd.dataset = MG_DATASET_TRAIN;
  fd.indices = f->rows;
  fd.n_indices = f->n;
  fd.score = ht_score(p_adj);
  return mgp_emit(r->svc, r->ctx, &fd, ev, JSON_COMPACT);
}

/* Training rows of class c matching a predicate. */
typedef int (*row_pred)(const lo_run *r, uint64_t i, const void *arg);

static int collect(const lo_run *r, int32_t c, row_pred keep, const void *arg, flagged *f) {
  f->n = 0;
  f->rows = malloc((r->train.info.count ? r->train.info.count : 1) * sizeof *f->rows);
  if (!f->rows)
    return MG_ERR_NOMEM;
  for (uint64_t i = 0; i < r->train.info.count; i++)
    if (r->train.labels[i] == c && isfinite(r->lt.u[i]) && keep(r, i, arg))
      f->rows[f->n++] = i;
  return MG_OK;
}

static int below(const lo_run *r, uint64_t i, const void *arg) {
  return r->lt.u[i] < *(const double *)arg;
}

static int above(const lo_run *r, uint64_t i, const void *arg) {
  return r->lt.u[i] > *(const double *)arg;
}

static int predicted_as(const lo_run *r, uint64_t i, const void *arg) {
  return r->lt.pred[i] == *(const int32_t *)arg;
}

/* One tail's finding, upper or lower: the rows past the cut, listed, and
 * the counts and p-values as evidence. */
static int emit_tail(lo_run *r, int32_t c, int upper, mg_severity sev, const char *rule,
                     const char *title, const char *msg, const char *const *atlas,
                     const char *const *ctl) {
  const lo_class *lc = &r->res.cls[c];
  flagged f;
  int rc = collect(r, c, upper ? above : below, upper ? &lc->cut_hi : &lc->cut_lo, &f);
  if (rc)
    return rc;
  json_t *ev = json_pack("{s:I, s:I, s:I, s:i, s:f, s:f, s:f, s:f}", "rows", (json_int_t)lc->n,
                         upper ? "above" : "below", (json_int_t)(upper ? lc->hi : lc->lo),
                         "reference_rows", (json_int_t)lc->ref_n, "order_statistic", (int)lc->k,
                         "loss_cut", lo_softplus(upper ? lc->cut_hi : lc->cut_lo),
                         "expected_fraction", (double)lc->k / (double)(lc->ref_n + 1),
                         "p_exchangeable", upper ? lc->p_hi_exch : lc->p_lo_exch,
                         "p_vs_other_classes", upper ? lc->p_hi_rest : lc->p_lo_rest);
  rc = emit(r, sev, rule, title, msg, atlas, ctl, c, &f, upper ? lc->adj_hi : lc->adj_lo, ev);
  free(f.rows);
  return rc;
}

static int emit_tails(lo_run *r, int32_t c) {
  const lo_class *lc = &r->res.cls[c];
  char name[128], title[800], msg[3000];
  mgd_class_name(r->svc, r->ctx, c, name, sizeof name);
  double q = (double)lc->k / (double)(lc->ref_n + 1);
  int rc = MG_OK;
  mg_severity sev = mgd_severity_of_p(lc->adj_lo);
  if (sev > MG_SEV_INFO) {
    snprintf(title, sizeof title,
             "Training rows labelled %s are fitted far better than clean data of the class", name);
    snprintf(msg, sizeof msg,
             "%llu of %llu training rows labelled %s (%.1f%%) have a lower loss than the %u-th "
             "smallest of the class's %llu clean reference rows (%.1f%% expected if the training "
             "rows were like clean data; cross-entropy below %.3g). Exact beta-binomial "
             "exceedance p = %.3g; against the other classes' rate p = %.3g; %.3g after Holm's "
             "correction over %zu tests. Rows a model fits better than any clean example usually "
             "carry a feature it learned to shortcut, such as a backdoor trigger: inspect the "
             "listed rows (ordered by robust z-score of the loss in the evidence).",
             (unsigned long long)lc->lo, (unsigned long long)lc->n, name,
             100.0 * (double)lc->lo / (double)lc->n, lc->k, (unsigned long long)lc->ref_n,
             100.0 * q, lo_softplus(lc->cut_lo), lc->p_lo_exch, lc->p_lo_rest, lc->adj_lo,
             r->res.n_tests);
    rc = emit_tail(r, c, 0, sev, "low-loss-excess", title, msg, atlas_fit, ctl_fit);
  }
  sev = mgd_severity_of_p(lc->adj_hi);
  if (!rc && sev > MG_SEV_INFO) {
    snprintf(title, sizeof title, "Excess of high-loss training rows labelled %s", name);
    snprintf(msg, sizeof msg,
             "%llu of %llu training rows labelled %s (%.1f%%) have a higher loss than the %u-th "
             "largest of the class's %llu clean reference rows (%.1f%% expected; cross-entropy "
             "above %.3g). Exact beta-binomial exceedance p = %.3g; against the other classes' "
             "rate p = %.3g; %.3g after Holm's correction over %zu tests. Training rows the model "
             "fits worse than held-out data are usually mislabelled or corrupted.",
             (unsigned long long)lc->hi, (unsigned long long)lc->n, name,
             100.0 * (double)lc->hi / (double)lc->n, lc->k, (unsigned long long)lc->ref_n,
             100.0 * q, lo_softplus(lc->cut_hi), lc->p_hi_exch, lc->p_hi_rest, lc->adj_hi,
             r->res.n_tests);
    rc = emit_tail(r, c, 1, sev, "high-loss-excess", title, msg, atlas_labels, ctl_labels);
  }
  return rc;
}

static int emit_pair(lo_run *r, const lo_pair *p) {
  mg_severity graded = mgd_severity_of_p(p->adj);
  if (graded == MG_SEV_INFO)
    return MG_OK;
  /* Without a reference set the pattern is still named, at info. */
  mg_severity sev = r->res.calibrated ? graded : MG_SEV_INFO;
  char tgt[128], src[128], title[800], msg[3000];
  mgd_class_name(r->svc, r->ctx, p->label, tgt, sizeof tgt);
  mgd_class_name(r->svc, r->ctx, p->pred, src, sizeof src);
  flagged f;
  int rc = collect(r, p->label, predicted_as, &p->pred, &f);
  if (rc)
    return rc;
  double rate = (double)p->count / (double)p->n;
  if (r->res.calibrated) {
    snprintf(title, sizeof title,
             "Training rows labelled %s look like %s to the model (label flipping %s -> %s?)", tgt,
             src, src, tgt);
    snprintf(msg, sizeof msg,
             "%llu of %llu training rows labelled %s (%.1f%%) are predicted as %s, while only "
             "%llu of %llu clean reference rows of %s are (%.1f%%). A model fits its training "
             "rows at least as well as held-out ones, so this excess means the labels, not the "
             "model, are wrong: the pattern of a label-flipping attack (source %s -> target %s) "
             "or of mislabelled data. One-sided Fisher exact test p = %.3g, %.3g after Holm's "
             "correction over %zu tests. The listed rows are those labelled %s and predicted as "
             "%s; rows the model memorised with their wrong label cannot be seen this way.",
             (unsigned long long)p->count, (unsigned long long)p->n, tgt, 100 * rate, src,
             (unsigned long long)p->ref_count, (unsigned long long)p->ref_n, tgt,
             p->ref_n ? 100.0 * (double)p->ref_count / (double)p->ref_n : 0.0, src, tgt, p->p,
             p->adj, r->res.n_tests, tgt, src);
  } else {
    snprintf(title, sizeof title,
             "Training rows labelled %s predicted as %s far more often than the reverse "
             "(uncalibrated: no reference set)",
             tgt, src);
    snprintf(msg, sizeof msg,
             "%llu training rows labelled %s are predicted as %s, against %llu labelled %s "
             "predicted as %s (binomial p = %.3g, %.3g after Holm). Natural confusions are often "
             "lopsided, so without a clean reference set this is not a calibrated decision: add a "
             "clean held-out reference set to the package to test the excess properly.",
             (unsigned long long)p->count, tgt, src, (unsigned long long)p->ref_count, src, tgt,
             p->p, p->adj);
  }
  json_t *ev = json_pack(
      "{s:i, s:s, s:i, s:s, s:I, s:I, s:I, s:I, s:f, s:b}", "source", (int)p->pred, "source_name",
      src, "target", (int)p->label, "target_name", tgt, "rows", (json_int_t)p->count, "class_rows",
      (json_int_t)p->n, r->res.calibrated ? "reference_rows" : "reverse_rows",
      (json_int_t)p->ref_count, r->res.calibrated ? "reference_class_rows" : "pair_rows",
      (json_int_t)p->ref_n, "p_value", p->p, "calibrated", r->res.calibrated);
  rc = emit(r, sev, r->res.calibrated ? "label-flip" : "confusion-asymmetry", title, msg,
            atlas_labels, ctl_labels, p->label, &f, p->adj, ev);
  free(f.rows);
  return rc;
}

/* Sub-threshold candidates (docs/plugin-abi.md "Candidates"): per class,
 * the training rows the model predicts as a class s where the pair's own
 * test already points to an excess over the reference rows (one-sided
 * Fisher p <= CANDIDATE_PAIR_P before any correction). Every
 * misclassified row would not do: the model's natural confusions are the
 * rows a feature-space witness also singles out on a clean class, so they
 * coincide beyond chance without any attack. Candidates accuse nothing;
 * the correlation stage raises an independent witness's finding at low or
 * above on the class when its rows coincide with these far beyond chance
 * (src/verdict/correlate.c). Only with a reference set. */
static json_t *candidates_json(const lo_run *r) {
  json_t *out = json_array();
  unsigned char *keep = calloc(r->k * r->k, 1);
  if (!out || !keep) {
    free(keep);
    json_decref(out);
    return NULL;
  }
  for (size_t i = 0; r->res.calibrated && i < r->res.n_pairs; i++) {
    const lo_pair *lp = &r->res.pairs[i];
    if (lp->p <= CANDIDATE_PAIR_P)
      keep[(size_t)lp->label * r->k + (size_t)lp->pred] = 1;
  }
  for (size_t c = 0; r->res.calibrated && c < r->k; c++) {
    json_t *rows = json_array(), *sources = json_array();
    uint64_t ref_rows = 0;
    for (size_t s = 0; s < r->k; s++)
      if (keep[c * r->k + s])
        json_array_append_new(sources, json_integer((json_int_t)s));
    for (uint64_t i = 0; rows && i < r->train.info.count; i++) {
      int32_t y = r->train.labels[i], pr = r->lt.pred[i];
      if (y == (int32_t)c && pr >= 0 && (size_t)pr < r->k && keep[c * r->k + (size_t)pr])
        json_array_append_new(rows, json_integer((json_int_t)i));
    }
    for (uint64_t i = 0; i < r->ref.info.count; i++) {
      int32_t y = r->ref.labels[i], pr = r->lr.pred[i];
      ref_rows += y == (int32_t)c && pr >= 0 && (size_t)pr < r->k && keep[c * r->k + (size_t)pr];
    }
    size_t n = json_array_size(rows);
    const lo_class *lc = &r->res.cls[c];
    if (n < MIN_CANDIDATES) {
      json_decref(rows);
      json_decref(sources);
      continue;
    }
    json_array_append_new(
        out, json_pack("{s:i,s:I,s:o,s:I,s:I,s:f,s:o}", "label", (int)c, "class_rows",
                       (json_int_t)lc->n, "predicted", sources, "reference_rows",
                       (json_int_t)ref_rows, "reference_class_rows", (json_int_t)lc->ref_n,
                       "p_value", ht_fisher_greater(n, lc->n, ref_rows, lc->ref_n), "rows", rows));
  }
  free(keep);
  return out;
}

static int evidence(lo_run *r) {
  json_t *classes = json_array();
  for (size_t c = 0; c < r->k; c++) {
    const lo_class *lc = &r->res.cls[c];
    if (!lc->n)
      continue;
    char name[128];
    mgd_class_name(r->svc, r->ctx, (int32_t)c, name, sizeof name);
    json_t *o = json_pack("{s:i, s:s, s:I, s:f, s:f, s:I, s:f}", "class", (int)c, "name", name,
                          "rows", (json_int_t)lc->n, "median_loss", lo_softplus(lc->median),
                          "mad_loss_logit", lc->mad, "rows_beyond_z", (json_int_t)lc->beyond_z,
                          "expected_beyond_z_if_normal", lc->expected_z);
    if (lc->k) {
      json_object_set_new(o, "reference_rows", json_integer((json_int_t)lc->ref_n));
      json_object_set_new(o, "low_tail",
                          json_pack("{s:I, s:f, s:f, s:s}", "rows", (json_int_t)lc->lo, "p",
                                    lc->p_lo, "p_holm", lc->adj_lo, "severity",
                                    mg_severity_name(mgd_severity_of_p(lc->adj_lo))));
      json_object_set_new(o, "high_tail",
                          json_pack("{s:I, s:f, s:f, s:s}", "rows", (json_int_t)lc->hi, "p",
                                    lc->p_hi, "p_holm", lc->adj_hi, "severity",
                                    mg_severity_name(mgd_severity_of_p(lc->adj_hi))));
    }
    json_array_append_new(classes, o);
  }
  json_t *pairs = json_array();
  for (size_t i = 0; i < r->res.n_pairs && i < EVIDENCE_PAIRS; i++) {
    const lo_pair *p = &r->res.pairs[i];
    json_array_append_new(pairs, json_pack("{s:i, s:i, s:I, s:I, s:I, s:I, s:f, s:f}", "label",
                                           (int)p->label, "predicted", (int)p->pred, "rows",
                                           (json_int_t)p->count, "class_rows", (json_int_t)p->n,
                                           "baseline_rows", (json_int_t)p->ref_count, "baseline_of",
                                           (json_int_t)p->ref_n, "p", p->p, "p_holm", p->adj));
  }
  json_t *o =
      json_pack("{s:{s:b, s:I, s:I, s:I, s:o, s:o, s:{s:f, s:f}, s:s}}", "loss_outliers",
                "calibrated", r->res.calibrated, "train_rows", (json_int_t)r->train.info.count,
                "reference_rows", (json_int_t)(r->have_ref ? r->ref.info.count : 0), "tests",
                (json_int_t)r->res.n_tests, "classes", classes, "top_confusions", pairs, "options",
                "tail", r->prm.tail, "z", r->prm.z_cut, "z_scale",
                "robust z of u = log(exp(loss) - 1), per class: (u - median) / (1.4826 MAD)");
  if (o)
    json_object_set_new(o, "candidates", candidates_json(r));
  char *s = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  int rc = s ? r->svc->evidence(r->ctx, s) : MG_ERR_NOMEM;
  free(s);
  return rc;
}

static int lo_run_plugin(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  lo_run r;
  memset(&r, 0, sizeof r);
  r.svc = svc;
  r.ctx = ctx;
  r.prm.mad_floor = 1e-3;
  int rc = opt_num(&r, "tail", &r.prm.tail);
  if (!rc)
    rc = opt_num(&r, "z", &r.prm.z_cut);
  if (!rc)
    rc = mgd_data_open(&r.train, svc, ctx, MG_DATASET_TRAIN);
  r.k = r.train.model.num_classes;
  if (!rc && r.k < 2)
    rc = MG_ERR_UNSUPPORTED;
  if (!rc)
    rc = compute_losses(&r, &r.train, &r.lt, "loss-outliers: training losses");
  mg_dataset_info ri = {.struct_size = sizeof ri};
  if (!rc && svc->dataset_info(ctx, MG_DATASET_REFERENCE, &ri) == MG_OK && ri.has_labels) {
    rc = mgd_data_open(&r.ref, svc, ctx, MG_DATASET_REFERENCE);
    r.have_ref = !rc;
    if (!rc)
      rc = compute_losses(&r, &r.ref, &r.lr, "loss-outliers: reference losses");
  } else if (!rc) {
    svc->log(ctx, MG_LOG_WARN,
             "loss-outliers: the package has no labelled reference set; per-class decisions "
             "need it as the held-out baseline, so only uncalibrated screens are reported (info)");
  }
  lo_set ts = {(size_t)r.train.info.count, r.lt.u, r.train.labels, r.lt.pred};
  lo_set rs = {r.have_ref ? (size_t)r.ref.info.count : 0, r.lr.u, r.ref.labels, r.lr.pred};
  if (!rc && lo_analyse(&ts, r.have_ref ? &rs : NULL, r.k, &r.prm, &r.res))
    rc = MG_ERR_NOMEM;
  for (size_t c = 0; !rc && r.res.calibrated && c < r.k; c++)
    rc = emit_tails(&r, (int32_t)c);
  for (size_t i = 0; !rc && i < r.res.n_pairs; i++)
    rc = emit_pair(&r, &r.res.pairs[i]);
  if (!rc)
    rc = evidence(&r);
  lo_result_free(&r.res);
  free(r.lt.u);
  free(r.lt.pred);
  free(r.lr.u);
  free(r.lr.pred);
  mgd_data_close(&r.train);
  if (r.have_ref)
    mgd_data_close(&r.ref);
  return rc;
}

static const mg_plugin descriptor = {
    MG_PLUGIN_HEADER,
    "loss-outliers",
    "0.1.0",
    "training rows whose loss under the model says the label is wrong or the fit too good",
    MG_NEED_MODEL | MG_NEED_TRAIN,
    atlas_all,
    mitigations,
    controls_all,
    NULL,
    lo_run_plugin,
    NULL,
};

MG_PLUGIN_EXPORT const mg_plugin_option *mg_plugin_option_table(void) {
  return option_table;
}

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &descriptor;
}
