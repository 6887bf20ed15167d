/* The label-consistency engine (CTL-05), shared by two plugins: each
 * training row's label against the labels of its k nearest clean reference
 * rows (deep k-NN, Peri et al. 2020), in the model's feature space
 * (label-consistency) or in the input space without the model
 * (input-consistency). A training row labelled a whose clean neighbours
 * overwhelmingly carry another label s is a candidate flip s -> a; the
 * count of such rows per pair (a, s) is tested against the same count
 * among the clean reference rows themselves (leave-one-out neighbours),
 * one-sided Fisher exact tests with Holm's correction after Tarone's
 * screen. The witness is the clean data's labels, not the model's output,
 * so it is independent of loss-outliers' reading of the logits. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <modelgate/plugin.h>

#include "hyptest.h"
#include "knn.h"
#include "lc_engine.h"
#include "lc_pairs.h"
#include "mgds.h"

/* Pairs listed in the evidence. */
#define EVIDENCE_PAIRS 10

typedef struct lc_run {
  const lc_flavour *fl;
  const mg_services *svc;
  mg_plugin_ctx *ctx;
  mgds_set set;
  size_t k;        /* neighbours (option k) */
  double share;    /* the other label's share of them that marks a row (option share) */
  char space[300]; /* the space compared, for the messages */
  int32_t *ytr, *yref;
  unsigned char *away_tr; /* per training row: voted to another label */
  knn_vote_t *vt, *vr;
  lc_counts cnt;
  lc_pair *pairs;
  size_t n_pairs;
  double map_p;            /* the all-to-all test's p */
  size_t map_contributing; /* and its contributing labels */
} lc_run;

/* The vote marks a row when another label holds at least share of the k
 * neighbours. */
static int32_t marked_as(const lc_run *r, const knn_vote_t *v, int32_t label) {
  if (label < 0 || v->top == label)
    return -1;
  return (double)v->top_votes >= r->share * (double)r->k - 1e-9 ? v->top : -1;
}

static int vote(lc_run *r) {
  mgds_set *s = &r->set;
  size_t d = (size_t)s->dim;
  float *mean = malloc(d * sizeof *mean);
  r->vt = malloc((s->n_train ? s->n_train : 1) * sizeof *r->vt);
  r->vr = malloc((s->n_ref ? s->n_ref : 1) * sizeof *r->vr);
  r->away_tr = calloc(s->n_train ? s->n_train : 1, 1);
  if (!mean || !r->vt || !r->vr || !r->away_tr) {
    free(mean);
    return MG_ERR_NOMEM;
  }
  mgds_mean(s->ref, s->n_ref, d, 0, mean);
  knn_normalise(s->ref, s->n_ref, d, mean);
  knn_normalise(s->train, s->n_train, d, mean);
  free(mean);
  if (knn_vote(s->train, s->n_train, s->ref, r->yref, s->n_ref, d, r->k, s->n_labels, 0, -1,
               r->vt) ||
      knn_vote(s->ref, s->n_ref, s->ref, r->yref, s->n_ref, d, r->k, s->n_labels, 1, -1, r->vr))
    return MG_ERR_NOMEM;
  int32_t *mt = malloc((s->n_train ? s->n_train : 1) * sizeof *mt);
  int32_t *mr = malloc((s->n_ref ? s->n_ref : 1) * sizeof *mr);
  int rc = MG_ERR_NOMEM;
  if (!mt || !mr)
    goto done;
  for (uint64_t i = 0; i < s->n_train; i++) {
    mt[i] = marked_as(r, &r->vt[i], r->ytr[i]);
    r->away_tr[i] = mt[i] >= 0;
  }
  for (uint64_t i = 0; i < s->n_ref; i++)
    mr[i] = marked_as(r, &r->vr[i], r->yref[i]);
  rc = lc_count(&r->cnt, s->n_labels, r->ytr, mt, s->n_train, r->yref, mr, s->n_ref);
done:
  free(mt);
  free(mr);
  return rc;
}

/* Training rows labelled a that the neighbours mark as s (s < 0: any). */
static uint64_t *rows_of(const lc_run *r, int32_t a, int32_t s, size_t *n) {
  uint64_t *v = malloc((r->set.n_train ? r->set.n_train : 1) * sizeof *v);
  *n = 0;
  if (!v)
    return NULL;
  for (uint64_t i = 0; i < r->set.n_train; i++)
    if (r->ytr[i] == a && r->away_tr[i] && (s < 0 || r->vt[i].top == s))
      v[(*n)++] = i;
  return v;
}

/* Emits a finding listing training rows (taken over: freed here) with its
 * evidence (taken over by mgp_emit). */
static int emit_rows(lc_run *r, mg_severity sev, const char *rule, const char *title,
                     const char *msg, int32_t label, uint64_t *rows, size_t n, double score,
                     json_t *ev) {
  mg_finding f = mgp_finding(sev, rule, title, msg);
  f.label = label;
  f.dataset = MG_DATASET_TRAIN;
  f.indices = rows;
  f.n_indices = n;
  f.score = score;
  int rc = mgp_emit(r->svc, r->ctx, &f, ev, JSON_COMPACT | JSON_REAL_PRECISION(6));
  free(rows);
  return rc;
}

static int emit_pair(lc_run *r, const lc_pair *p) {
  mg_severity sev = mgd_severity_of_p(p->adj);
  if (sev == MG_SEV_INFO || p->count < MGDS_MIN_FLAGGED)
    return MG_OK;
  /* A pair the neighbours already hold at medium can be raised by the label
   * counts (the rows a flip moves from the source to the target): at most
   * a 1e-3 event under clean labels even when the reference set's label
   * mix differs from training's (then the counts prove nothing). */
  lc_shift shift = {1, 1};
  int counted = 0;
  if (sev >= MG_SEV_MEDIUM) {
    shift = lc_label_shift(&r->cnt, p);
    mg_severity by_counts = mgd_severity_of_p(shift.combined);
    counted = by_counts > sev;
    if (counted)
      sev = by_counts;
  }
  char tgt[128], src[128], title[600], msg[3600], counts[1100] = "";
  mgd_class_name(r->svc, r->ctx, p->label, tgt, sizeof tgt);
  mgd_class_name(r->svc, r->ctx, p->source, src, sizeof src);
  size_t n = 0;
  uint64_t *rows = rows_of(r, p->label, p->source, &n);
  if (!rows)
    return MG_ERR_NOMEM;
  snprintf(title, sizeof title,
           "Training rows labelled %s sit among clean %s rows (label flip %s -> %s?)", tgt, src,
           src, tgt);
  if (counted)
    snprintf(counts, sizeof counts,
             " The label counts agree: %llu training rows are labelled %s and %llu %s, against "
             "%llu and %llu in the reference set, the excess a flip %s -> %s leaves (one-sided "
             "Fisher exact test, Bonferroni over the label pairs: p = %.3g); with the neighbour "
             "test by Fisher's method p = %.3g, valid when the reference set's label mix is "
             "training's.",
             (unsigned long long)r->cnt.n[p->label], tgt, (unsigned long long)r->cnt.n[p->source],
             src, (unsigned long long)r->cnt.ref_n[p->label],
             (unsigned long long)r->cnt.ref_n[p->source], src, tgt, shift.p, shift.combined);
  snprintf(msg, sizeof msg,
           "%llu of %llu training rows labelled %s (%.1f%%) have at least %.0f%% of their %zu "
           "nearest clean reference rows (cosine, %s) labelled %s, while only %llu of "
           "%llu clean reference rows of %s do among their own neighbours (%.1f%%). One-sided "
           "Fisher exact test p = %.3g, %.3g after Holm's correction over %ld label pairs. The "
           "clean data says these rows are %s: the pattern of a label-flipping attack (source %s "
           "-> target %s) or of mislabelled data.%s Relabel or drop the listed rows.",
           (unsigned long long)p->count, (unsigned long long)p->n, tgt,
           100.0 * (double)p->count / (double)p->n, 100 * r->share, r->k, r->space, src,
           (unsigned long long)p->ref_count, (unsigned long long)p->ref_n, tgt,
           p->ref_n ? 100.0 * (double)p->ref_count / (double)p->ref_n : 0.0, p->p, p->adj,
           r->cnt.family, src, src, tgt, counts);
  json_t *ev =
      json_pack("{s:i,s:s,s:i,s:s,s:I,s:I,s:I,s:I,s:f,s:f,s:I,s:f}", "source", (int)p->source,
                "source_name", src, "target", (int)p->label, "target_name", tgt, "rows",
                (json_int_t)p->count, "class_rows", (json_int_t)p->n, "reference_rows",
                (json_int_t)p->ref_count, "reference_class_rows", (json_int_t)p->ref_n, "p_value",
                p->p, "p_holm", p->adj, "k", (json_int_t)r->k, "share", r->share);
  if (ev && sev >= MG_SEV_MEDIUM)
    json_object_set_new(ev, "label_counts",
                        json_pack("{s:I,s:I,s:I,s:I,s:f,s:f,s:b}", "target_rows",
                                  (json_int_t)r->cnt.n[p->label], "source_rows",
                                  (json_int_t)r->cnt.n[p->source], "reference_target_rows",
                                  (json_int_t)r->cnt.ref_n[p->label], "reference_source_rows",
                                  (json_int_t)r->cnt.ref_n[p->source], "p_bonferroni", shift.p,
                                  "p_combined", shift.combined, "raised", counted));
  return emit_rows(r, sev, "knn-label-flip", title, msg, p->label, rows, n,
                   ht_score(counted ? shift.combined : p->adj), ev);
}

/* A class's sub-threshold candidates, in the plugin's evidence (not
 * findings: they accuse nothing): the training rows its neighbours vote to
 * any other label, with the class's own count test (one-sided Fisher
 * against the reference rows voted away). The correlation stage raises a
 * finding of an independent witness at low or above on the class when its
 * rows coincide with these beyond chance (src/verdict/correlate.c), for
 * which it needs the class's training rows (class_rows,
 * docs/plugin-abi.md "Candidates"). */
static json_t *candidates_json(const lc_run *r) {
  json_t *out = json_array();
  for (uint32_t a = 0; out && a < r->set.n_labels; a++) {
    uint64_t n_a = r->set.classes[a].n, m_a = r->set.have_ref ? r->set.classes[a].n_ref : 0;
    if (r->cnt.away[a] < MGDS_MIN_FLAGGED)
      continue;
    size_t n = 0;
    uint64_t *rows = rows_of(r, (int32_t)a, -1, &n);
    json_t *list = json_array();
    for (size_t i = 0; rows && list && i < n; i++)
      json_array_append_new(list, json_integer((json_int_t)rows[i]));
    free(rows);
    json_array_append_new(
        out,
        json_pack("{s:i,s:I,s:I,s:I,s:f,s:o*}", "label", (int)a, "class_rows", (json_int_t)n_a,
                  "reference_rows", (json_int_t)r->cnt.ref_away[a], "reference_class_rows",
                  (json_int_t)m_a, "p_value",
                  ht_fisher_greater(r->cnt.away[a], n_a, r->cnt.ref_away[a], m_a), "rows", list));
  }
  return out;
}

/* The all-to-all finding: several labels each relabelled from one other
 * label. It states the pattern (the mapping), which the pair findings do
 * not, so it is reported whenever the combined test is significant and at
 * least three labels contribute. */
static int emit_mapping(lc_run *r, const lc_map *m) {
  double adj = fmin(1, 2 * m->p); /* the pair family and this test */
  mg_severity sev = mgd_severity_of_p(adj);
  uint32_t k = r->set.n_labels;
  if (m->contributing < 3 || sev == MG_SEV_INFO)
    return MG_OK;
  uint64_t *rows = malloc((r->set.n_train ? r->set.n_train : 1) * sizeof *rows);
  json_t *map = json_array();
  if (!rows || !map) {
    free(rows);
    json_decref(map);
    return MG_ERR_NOMEM;
  }
  char mapping[1200] = "", one[160];
  for (uint32_t a = 0; a < k; a++) {
    if (m->p_label[a] > LC_MAP_LABEL_P || m->rows[a] < MGDS_MIN_FLAGGED)
      continue;
    json_array_append_new(map, json_pack("{s:i,s:i,s:I,s:f}", "label", (int)a, "source",
                                         (int)m->source[a], "rows", (json_int_t)m->rows[a],
                                         "p_label", m->p_label[a]));
    snprintf(one, sizeof one, "%s%d -> %d (%llu rows)", *mapping ? ", " : "", (int)m->source[a],
             (int)a, (unsigned long long)m->rows[a]);
    strncat(mapping, one, sizeof mapping - strlen(mapping) - 1);
  }
  size_t n = 0;
  for (uint64_t i = 0; i < r->set.n_train; i++) {
    int32_t a = r->ytr[i];
    if (a >= 0 && r->away_tr[i] && m->p_label[a] <= LC_MAP_LABEL_P &&
        m->rows[a] >= MGDS_MIN_FLAGGED && r->vt[i].top == m->source[a])
      rows[n++] = i;
  }
  char title[300], msg[2600];
  snprintf(title, sizeof title,
           "Training rows of %zu labels sit among clean rows of one other label each "
           "(all-to-all relabelling?)",
           m->contributing);
  snprintf(msg, sizeof msg,
           "For each label, the source label whose clean neighbours most exceed the reference "
           "rows' rate (one-sided Fisher, Bonferroni over the %u possible sources): %zu labels "
           "have such a source at p <= %.2f, and Fisher's combination over all %zu labels gives "
           "chi2 = %.1f on %zu degrees of freedom, p = %.3g (%.3g with the pair family). The "
           "mapping source -> label is %s%s. Rows of many labels that the clean data assigns to "
           "one other label each is the signature of an all-to-all backdoor (y -> pi(y)) or of a "
           "systematic relabelling: inspect the listed rows.",
           k - 1, m->contributing, LC_MAP_LABEL_P, m->labels, m->chi2, 2 * m->labels, m->p, adj,
           mapping, m->permutation ? " (distinct sources: a permutation)" : "");
  json_t *ev =
      json_pack("{s:f,s:f,s:f,s:I,s:I,s:b,s:o}", "chi2", m->chi2, "p_value", m->p, "p_adjusted",
                adj, "labels", (json_int_t)m->labels, "contributing", (json_int_t)m->contributing,
                "permutation", m->permutation, "mapping", map);
  return emit_rows(r, sev, "knn-all-to-all", title, msg, -1, rows, n, ht_score(adj), ev);
}

static int evidence(lc_run *r, double seconds) {
  json_t *classes = json_array(), *pairs = json_array();
  for (uint32_t c = 0; c < r->set.n_labels; c++)
    json_array_append_new(classes,
                          json_pack("{s:i,s:I,s:I,s:I,s:I}", "label", (int)c, "rows",
                                    (json_int_t)r->set.classes[c].n, "voted_away",
                                    (json_int_t)r->cnt.away[c], "reference_rows",
                                    (json_int_t)(r->set.have_ref ? r->set.classes[c].n_ref : 0),
                                    "reference_voted_away", (json_int_t)r->cnt.ref_away[c]));
  for (size_t i = 0; i < r->n_pairs && i < EVIDENCE_PAIRS; i++) {
    const lc_pair *p = &r->pairs[i];
    json_array_append_new(pairs,
                          json_pack("{s:i,s:i,s:I,s:I,s:I,s:I,s:f,s:f}", "label", (int)p->label,
                                    "neighbours_say", (int)p->source, "rows", (json_int_t)p->count,
                                    "class_rows", (json_int_t)p->n, "reference_rows",
                                    (json_int_t)p->ref_count, "reference_class_rows",
                                    (json_int_t)p->ref_n, "p", p->p, "p_holm", p->adj));
  }
  json_t *o =
      json_pack("{s:s,s:s,s:I,s:I,s:I,s:f,s:I,s:o,s:o,s:f,s:f}", "method", r->fl->method, "layer",
                r->set.layer, "train_rows", (json_int_t)r->set.n_train, "reference_rows",
                (json_int_t)r->set.n_ref, "k", (json_int_t)r->k, "share", r->share, "tests",
                (json_int_t)r->cnt.family, "classes", classes, "top_pairs", pairs,
                "seconds_features", r->set.seconds_features, "seconds_analysis", seconds);
  if (o)
    json_object_set_new(o, "candidates", candidates_json(r));
  if (o)
    json_object_set_new(o, "all_to_all",
                        json_pack("{s:f,s:I}", "p", r->map_p, "contributing_labels",
                                  (json_int_t)r->map_contributing));
  char *text = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
  json_decref(o);
  int rc = text ? r->svc->evidence(r->ctx, text) : MG_ERR_NOMEM;
  free(text);
  return rc;
}

static int analyse(lc_run *r) {
  double t0 = mgds_now();
  int rc = MG_OK;
  if (!(r->ytr = mgds_labels(&r->set, 0)) || !(r->yref = mgds_labels(&r->set, 1)))
    return MG_ERR_NOMEM;
  if (!r->set.have_ref || r->set.n_ref < r->k + 1) {
    /* Skipped (MG_ERR_NEEDS), so CTL-05 does not count an unchecked run. */
    r->svc->log(r->ctx, MG_LOG_INFO,
                "%s: needs a labelled reference set of more than %zu rows (%s)", r->fl->name, r->k,
                r->set.ref_note ? r->set.ref_note : "too few rows");
    return MG_ERR_NEEDS;
  }
  if ((rc = vote(r)))
    return rc;
  if ((rc = lc_pairs(&r->cnt, &r->pairs, &r->n_pairs)))
    return rc;
  for (size_t i = 0; i < r->n_pairs && !rc; i++)
    rc = emit_pair(r, &r->pairs[i]);
  lc_map m;
  memset(&m, 0, sizeof m);
  if (!rc)
    rc = lc_mapping(&r->cnt, r->pairs, r->n_pairs, &m);
  if (!rc)
    rc = emit_mapping(r, &m);
  if (!rc)
    r->map_p = m.p, r->map_contributing = m.contributing;
  lc_map_free(&m);
  return rc ? rc : evidence(r, mgds_now() - t0);
}

int lc_engine_run(const lc_flavour *fl, const mg_plugin_option *options, const mg_services *svc,
                  mg_plugin_ctx *ctx) {
  lc_run r;
  memset(&r, 0, sizeof r);
  r.fl = fl;
  r.svc = svc;
  r.ctx = ctx;
  double k = 20, share = 0.8;
  int rc = mgp_opt(svc, ctx, fl->name, options, "k", &k);
  if (!rc)
    rc = mgp_opt(svc, ctx, fl->name, options, "share", &share);
  if (rc)
    return rc;
  r.k = (size_t)k;
  r.share = share;
  r.map_p = 1;
  if ((rc = mgds_load_default(&r.set, svc, ctx, fl->name, fl->default_layer)))
    return rc;
  if (!strcmp(r.set.layer, MGDS_LAYER_INPUTS))
    snprintf(r.space, sizeof r.space, "the inputs themselves, without the model");
  else
    snprintf(r.space, sizeof r.space, "the model's %s features", r.set.layer);
  rc = analyse(&r);
  if (rc)
    svc->log(ctx, MG_LOG_ERROR, "%s: analysis failed (error %d)", fl->name, rc);
  lc_counts_free(&r.cnt);
  free(r.pairs);
  free(r.ytr);
  free(r.yref);
  free(r.away_tr);
  free(r.vt);
  free(r.vr);
  mgds_free(&r.set);
  return rc;
}
