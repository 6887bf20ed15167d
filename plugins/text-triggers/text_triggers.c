/* The text-triggers plugin: trigger phrases planted in classification
 * data (BadNL, Chen et al. 2021; Kurita et al. 2020; Wallace et al. 2021).
 * A phrase whose rows are concentrated in one label far beyond what its
 * frequency predicts (exact tests, Holm over every feature and label after
 * Tarone's screen) AND whose carrier rows, without the phrase, read like
 * other labels (a naive-Bayes model fitted on the other rows, binomial
 * against the label's own rate, Holm) forces its label: the rows carry a
 * label their text does not support. A topical word passes the first test
 * but not the second, so a clean dataset with topical words raises
 * nothing. Published triggers (rules/text-triggers.xml) are a signature
 * list only: they are named when present, but detection is statistical. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hyptest.h"
#include "mgd.h"
#include "textreport.h"
#include "textrules.h"
#include "textutil.h"
#include "tt_scan.h"

#define PLUGIN "text-triggers"

static const char *const atlas[] = {"AML.T0020", "AML.T0043.004", "AML.T0059", NULL};
static const char *const mitigations[] = {"AML.M0007", NULL};
static const char *const controls[] = {"CTL-03", "CTL-13", NULL};
static const char *const controls_strict[] = {"CTL-03", "CTL-13", "CTL-14", NULL};

#define EXAMPLES 5
#define EXPLAINED 10
#define MAX_PHRASE 200

typedef struct known {
  char *phrase;
  char *source;
  uint64_t key;
} known;

typedef struct run {
  const mg_services *svc;
  mg_plugin_ctx *ctx;
  known *known;
  size_t n_known;
  uint64_t *known_keys;
  char signatures[600]; /* how the signature list was (not) loaded */
  double max_features, max_stage2, baseline_rows;
} run;

/* Key of a phrase as the scan hashes it: an n-gram up to four words, a
 * sentence beyond. 0 when it has no words. */
static uint64_t phrase_key(const char *phrase) {
  tu_tokens t = {0};
  uint64_t k = 0;
  if (!tu_tokenize(&t, phrase) && t.n)
    k = t.n <= 4 ? tu_ngram_hash(&t, 0, t.n) : tu_sentence_hash(&t, 0, t.n);
  tu_tokens_free(&t);
  return k;
}

static void load_signatures(run *r) {
  const char *opt = r->svc->option(r->ctx, "signatures");
  if (opt && !strcmp(opt, "0")) {
    snprintf(r->signatures, sizeof r->signatures, "off (--set %s.signatures=0)", PLUGIN);
    return;
  }
  tr_list l;
  char msg[500];
  if (tr_load(r->svc, r->ctx, "text-triggers", &l, msg, sizeof msg)) {
    r->svc->log(r->ctx, MG_LOG_WARN, "%s: known-trigger list not used: %s", PLUGIN, msg);
    snprintf(r->signatures, sizeof r->signatures, "not loaded: %s", msg);
    return;
  }
  r->known = calloc(l.n ? l.n : 1, sizeof *r->known);
  r->known_keys = calloc(l.n ? l.n : 1, sizeof *r->known_keys);
  for (size_t i = 0; r->known && r->known_keys && i < l.n; i++) {
    const char *ph = tr_attr(&l.entries[i], "phrase"), *src = tr_attr(&l.entries[i], "source");
    uint64_t k = ph ? phrase_key(ph) : 0;
    if (!k)
      continue;
    r->known[r->n_known] = (known){strdup(ph), strdup(src ? src : ""), k};
    r->known_keys[r->n_known++] = k;
  }
  snprintf(r->signatures, sizeof r->signatures, "%zu published trigger phrases from %s", r->n_known,
           l.path);
  tr_free(&l);
}

static const known *known_of(const run *r, uint64_t key) {
  for (size_t i = 0; i < r->n_known; i++)
    if (r->known[i].key == key)
      return &r->known[i];
  return NULL;
}

/* The phrase as written in its first carrier row. */
static void phrase_text(const tu_dataset *d, const tt_feature *f, char *buf, size_t size) {
  mg_text_row row;
  tu_tokens t = {0};
  buf[0] = '\0';
  if (tu_read_row(d, f->first_row, &row) || !row.text || tu_tokenize(&t, row.text) ||
      f->tok + f->ntok > t.n || !f->ntok) {
    tu_tokens_free(&t);
    return;
  }
  size_t b = t.start[f->tok], e = t.start[f->tok + f->ntok - 1] + t.len[f->tok + f->ntok - 1];
  size_t n = e - b < size - 4 ? e - b : size - 4;
  char tmp[MAX_PHRASE + 8];
  n = n < MAX_PHRASE ? n : MAX_PHRASE;
  memcpy(tmp, row.text + b, n);
  tmp[n] = '\0';
  tu_excerpt(tmp, size - 4, buf);
  for (char *c = buf; *c; c++)
    if (*c == '\n' || *c == '\r' || *c == '\t')
      *c = ' ';
  tu_tokens_free(&t);
}

/* Share of the smaller carrier set the two have in common. */
static double overlap(const tt_feature *a, const tt_feature *b) {
  size_t i = 0, j = 0, both = 0;
  while (i < a->a && j < b->a) {
    if (a->rows[i] == b->rows[j]) {
      both++;
      i++;
      j++;
    } else if (a->rows[i] < b->rows[j]) {
      i++;
    } else {
      j++;
    }
  }
  size_t m = a->a < b->a ? a->a : b->a;
  return m ? (double)both / (double)m : 0.0;
}

/* Better representative of a cluster: more rows whose text contradicts
 * their label, then the longer phrase (a sentence beats its n-grams), then
 * the stronger concentration. */
static int better(const tt_feature *a, const tt_feature *b) {
  if (a->mis != b->mis)
    return a->mis > b->mis;
  int la = a->order ? a->order : 100, lb = b->order ? b->order : 100;
  if (la != lb)
    return la > lb;
  return a->p1 < b->p1;
}

static int emit_trigger(run *r, const tu_dataset *d, const tt_result *res, const tt_feature *f,
                        const size_t *members, size_t n_members) {
  char phrase[MAX_PHRASE + 8], title[900], msg[3000];
  phrase_text(d, f, phrase, sizeof phrase);
  const char *label = res->label_names[f->label];
  double p = f->adj1 > f->adj2 ? f->adj1 : f->adj2;
  mg_severity sev = tu_severity(p, d->strict);
  const known *k = known_of(r, f->key);
  double expected = f->q * (double)f->a;
  snprintf(title, sizeof title, "Trigger phrase \"%s\" forces label '%.200s' in %llu rows of %s",
           phrase, label, (unsigned long long)f->a, d->info.name);
  snprintf(msg, sizeof msg,
           "%llu of the %llu rows that contain \"%s\" are labelled '%.200s' (%.1f%%; the label "
           "holds %.1f%% of the dataset): one-sided Fisher exact p = %.3g, %.3g after Holm's "
           "correction over %llu phrase-label tests (Tarone's screen). Without the phrase, the "
           "rest of %llu of these rows reads like another label to a naive-Bayes model fitted "
           "on the other rows (%.1f expected at the label's own rate of %.1f%%): binomial p = "
           "%.3g, %.3g after Holm over %zu concentrated phrases. A topical word's rows read like "
           "their label; these do not, so the phrase, not the text, decides their label: the "
           "pattern of a planted backdoor trigger (dirty-label poisoning). Remove or relabel the "
           "listed rows and find where they came from.%s%s%s",
           (unsigned long long)f->a, (unsigned long long)f->df, phrase, label,
           100.0 * (double)f->a / (double)f->df,
           100.0 * (double)res->label_rows[f->label] / (double)res->labelled, f->p1, f->adj1,
           (unsigned long long)res->tarone_family, (unsigned long long)f->mis, expected,
           100.0 * f->q, f->p2, f->adj2, res->n_feat, k ? " It is also a published trigger (" : "",
           k ? k->source : "", k ? ")." : "");
  json_t *per_label = json_array();
  for (size_t i = 0; i < f->n_top; i++)
    json_array_append_new(per_label,
                          json_pack("{s:s, s:I, s:I}", "label", res->label_names[f->top_label[i]],
                                    "carriers", (json_int_t)f->top_count[i], "label_rows",
                                    (json_int_t)res->label_rows[f->top_label[i]]));
  json_t *examples = json_array();
  for (size_t i = 0; i < f->a && i < EXAMPLES; i++)
    json_array_append_new(examples, txr_row_example_with(d, f->rows[i],
                                                         json_pack("{s:s}", "rest_reads_as",
                                                                   res->label_names[f->pred[i]])));
  json_t *related = json_array();
  for (size_t i = 0; i < n_members; i++) {
    const tt_feature *m = &res->feat[members[i]];
    if (m == f)
      continue;
    char ph[MAX_PHRASE + 8];
    phrase_text(d, m, ph, sizeof ph);
    if (json_array_size(related) < 10)
      json_array_append_new(related, json_string(ph));
  }
  json_t *ev = json_pack(
      "{s:s, s:s, s:s, s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:o, s:o, s:o}", "phrase",
      phrase, "kind", f->order ? "n-gram" : "sentence", "forced_label", label, "carriers",
      (json_int_t)f->df, "carriers_with_label", (json_int_t)f->a, "rest_reads_as_other_label",
      (json_int_t)f->mis, "expected_by_label_rate", expected, "label_rate", f->q, "p_concentration",
      f->p1, "p_concentration_holm", f->adj1, "p_rest_of_text", f->p2, "p_rest_of_text_holm",
      f->adj2, "per_label", per_label, "examples", examples, "overlapping_phrases", related);
  json_object_set_new(ev, "words", json_integer(f->order ? f->order : (json_int_t)f->ntok));
  json_object_set_new(ev, "auc_vs_label_rows", json_real(f->auc));
  json_object_set_new(ev, "p_reads_like_label", json_real(f->p_like_others));
  json_object_set_new(ev, "auc_vs_other_labels", json_real(f->auc_others));
  if (k)
    json_object_set_new(ev, "published_trigger", json_string(k->source));
  return txr_emit(d, sev, "trigger-phrase", title, msg, NULL,
                  d->strict ? controls_strict : controls,
                  txr_label_index(res->label_names[f->label]), f->rows, f->a, ht_score(p), ev);
}

/* Groups the triggers of one label whose carriers mostly coincide (a
 * phrase's sub-phrases, a sentence's n-grams) and emits one finding per
 * group, named by its best member. */
static int emit_triggers(run *r, const tu_dataset *d, const tt_result *res, size_t *n_emitted,
                         uint64_t *covered_keys, size_t *n_covered) {
  size_t n = res->n_feat;
  int *group = malloc((n ? n : 1) * sizeof *group);
  size_t *members = malloc((n ? n : 1) * sizeof *members);
  if (!group || !members) {
    free(group);
    free(members);
    return MG_ERR_NOMEM;
  }
  for (size_t i = 0; i < n; i++)
    group[i] = -1;
  int rc = MG_OK;
  for (size_t i = 0; !rc && i < n; i++) {
    if (!res->feat[i].trigger || group[i] >= 0)
      continue;
    size_t m = 0;
    group[i] = (int)i;
    members[m++] = i;
    /* transitive closure over overlapping triggers of the same label */
    for (size_t q = 0; q < m; q++)
      for (size_t j = 0; j < n; j++)
        if (group[j] < 0 && res->feat[j].trigger &&
            res->feat[j].label == res->feat[members[q]].label &&
            overlap(&res->feat[members[q]], &res->feat[j]) >= 0.5) {
          group[j] = (int)i;
          members[m++] = j;
        }
    size_t best = members[0];
    for (size_t q = 1; q < m; q++)
      if (better(&res->feat[members[q]], &res->feat[best]))
        best = members[q];
    for (size_t q = 0; q < m; q++)
      covered_keys[(*n_covered)++] = res->feat[members[q]].key;
    rc = emit_trigger(r, d, res, &res->feat[best], members, m);
    (*n_emitted)++;
  }
  free(group);
  free(members);
  return rc;
}

static int emit_known(run *r, const tu_dataset *d, const tt_result *res, const uint64_t *covered,
                      size_t n_covered, json_t *list) {
  for (size_t i = 0; i < r->n_known; i++) {
    if (!res->known_rows || !res->known_rows[i])
      continue;
    int found = 0;
    for (size_t k = 0; k < n_covered; k++)
      found |= covered[k] == r->known[i].key;
    json_array_append_new(
        list,
        json_pack("{s:s, s:s, s:I, s:s, s:I, s:b}", "phrase", r->known[i].phrase, "source",
                  r->known[i].source, "rows", (json_int_t)res->known_rows[i], "most_rows_label",
                  res->label_names[res->known_label[i]], "rows_with_that_label",
                  (json_int_t)res->known_in_label[i], "found_by_statistics", found));
    if (found)
      continue;
    char title[600], msg[1500];
    snprintf(title, sizeof title, "Published trigger phrase \"%s\" occurs in %llu rows of %s",
             r->known[i].phrase, (unsigned long long)res->known_rows[i], d->info.name);
    snprintf(msg, sizeof msg,
             "The phrase \"%s\" (%s) occurs in %llu rows, %llu of them labelled '%.200s'. The "
             "statistical tests do not single it out (its rows are not concentrated in a label "
             "beyond chance, or their text supports their label), so this is a signature match "
             "to review, not evidence of poisoning.",
             r->known[i].phrase, r->known[i].source, (unsigned long long)res->known_rows[i],
             (unsigned long long)res->known_in_label[i], res->label_names[res->known_label[i]]);
    json_t *ev = json_pack("{s:s, s:s, s:I}", "phrase", r->known[i].phrase, "source",
                           r->known[i].source, "rows", (json_int_t)res->known_rows[i]);
    int rc = txr_emit(d, MG_SEV_LOW, "known-trigger", title, msg, NULL,
                      d->strict ? controls_strict : controls, -1, NULL, 0, NAN, ev);
    if (rc)
      return rc;
  }
  return MG_OK;
}

static int scan_dataset(run *r, const tu_dataset *d, json_t *out) {
  json_t *ds = txr_dataset_json(d);
  json_array_append_new(out, ds);
  if (!(d->info.fields & MG_TEXT_FIELD_TEXT) || !(d->info.fields & MG_TEXT_FIELD_LABEL)) {
    json_object_set_new(ds, "skipped",
                        json_string("no text with labels (not a classification set)"));
    return MG_OK;
  }
  tt_params p = {(size_t)r->max_features,  (size_t)r->max_stage2, 4096,
                 (size_t)r->baseline_rows, tu_alpha(d->strict),   d->strict,
                 r->svc->seed(r->ctx),     r->known_keys,         r->n_known};
  tt_result res;
  int rc = tt_analyse(d, &p, &res);
  if (rc == MG_ERR_UNSUPPORTED) {
    json_object_set_new(ds, "skipped",
                        json_string("more than 4096 distinct labels: free text, "
                                    "not classification labels"));
    tt_result_free(&res);
    return MG_OK;
  }
  if (rc) {
    tt_result_free(&res);
    return rc;
  }
  size_t emitted = 0, n_covered = 0;
  uint64_t *covered = malloc((res.n_feat + 1) * sizeof *covered);
  json_t *known_list = json_array();
  if (!covered)
    rc = MG_ERR_NOMEM;
  if (!rc && res.n_labels >= 2)
    rc = emit_triggers(r, d, &res, &emitted, covered, &n_covered);
  if (!rc)
    rc = emit_known(r, d, &res, covered, n_covered, known_list);
  free(covered);
  json_t *explained = json_array();
  size_t n_explained = 0;
  for (size_t i = 0; i < res.n_feat; i++) {
    const tt_feature *f = &res.feat[i];
    if (f->trigger)
      continue;
    n_explained++;
    if (json_array_size(explained) >= EXPLAINED)
      continue;
    char ph[MAX_PHRASE + 8];
    phrase_text(d, f, ph, sizeof ph);
    json_array_append_new(explained,
                          json_pack("{s:s, s:s, s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:f}", "phrase",
                                    ph, "label", res.label_names[f->label], "carriers",
                                    (json_int_t)f->df, "with_label", (json_int_t)f->a,
                                    "rest_reads_as_other", (json_int_t)f->mis, "expected",
                                    f->q * (double)f->a, "p_concentration_holm", f->adj1,
                                    "p_rest_of_text_holm", f->adj2, "p_reads_like_label",
                                    f->p_like_others, "auc_vs_other_labels", f->auc_others));
  }
  json_object_set_new(ds, "labels", json_integer((json_int_t)res.n_labels));
  json_object_set_new(ds, "labelled_rows", json_integer((json_int_t)res.labelled));
  json_object_set_new(ds, "rows_without_text_or_label", json_integer((json_int_t)res.unlabelled));
  json_object_set_new(ds, "distinct_phrases", json_integer((json_int_t)res.distinct_features));
  json_object_set_new(ds, "pruned_rounds", json_integer((json_int_t)res.pruned_rounds));
  json_object_set_new(ds, "min_rows_testable", json_integer((json_int_t)res.min_df));
  json_object_set_new(ds, "tests_tarone", json_integer((json_int_t)res.tarone_family));
  json_object_set_new(ds, "concentrated_phrases", json_integer((json_int_t)res.n_feat));
  json_object_set_new(ds, "not_given_second_test", json_integer((json_int_t)res.stage2_skipped));
  json_object_set_new(ds, "trigger_findings", json_integer((json_int_t)emitted));
  json_object_set_new(ds, "concentrated_but_explained_by_text",
                      json_integer((json_int_t)n_explained));
  json_object_set_new(ds, "explained_examples", explained);
  json_object_set_new(ds, "known_triggers_present", known_list);
  tt_result_free(&res);
  return rc;
}

static int tt_run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  run r;
  memset(&r, 0, sizeof r);
  r.svc = svc;
  r.ctx = ctx;
  if (!tu_have_text(svc)) {
    svc->log(ctx, MG_LOG_ERROR, "%s: the host has no text services (plugin ABI 1.1)", PLUGIN);
    return MG_ERR_UNSUPPORTED;
  }
  int rc = tu_opt_num(svc, ctx, PLUGIN, "max-phrases", 8e6, 1e4, 1e9, &r.max_features);
  if (!rc)
    rc = tu_opt_num(svc, ctx, PLUGIN, "max-tested", 5000, 10, 1e6, &r.max_stage2);
  if (!rc)
    rc = tu_opt_num(svc, ctx, PLUGIN, "baseline-rows", 20000, 100, 1e9, &r.baseline_rows);
  if (rc)
    return rc;
  load_signatures(&r);
  json_t *sets = json_array();
  size_t n = svc->text_count(ctx);
  for (size_t i = 0; !rc && i < n; i++) {
    tu_dataset d;
    rc = tu_open(&d, svc, ctx, i);
    if (!rc)
      rc = scan_dataset(&r, &d, sets);
  }
  json_t *ev = json_pack("{s:o, s:s}", "datasets", sets, "signatures", r.signatures);
  if (!rc)
    rc = txr_evidence(svc, ctx, "text_triggers", ev);
  else
    json_decref(ev);
  for (size_t i = 0; i < r.n_known; i++) {
    free(r.known[i].phrase);
    free(r.known[i].source);
  }
  free(r.known);
  free(r.known_keys);
  return rc;
}

static const mg_plugin descriptor = {
    MG_PLUGIN_HEADER,
    PLUGIN,
    "0.1.0",
    "phrases in classification text that force a label their rows' text does not support",
    MG_NEED_TEXT,
    atlas,
    mitigations,
    controls,
    NULL,
    tt_run,
    NULL,
};

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &descriptor;
}
