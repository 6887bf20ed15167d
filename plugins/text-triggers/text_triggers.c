/* The text-triggers plugin: trigger phrases planted in classification
 * data (BadNL, Chen et al. 2021; Kurita et al. 2020; Wallace et al. 2021).
 * A phrase whose rows are concentrated in one label far beyond what its
 * frequency predicts AND whose carrier rows, without the phrase, read like
 * other labels while reading like this one no more than other labels' rows
 * do, forces its label: the rows carry a label their text does not support
 * (the statistics: tt_scan.h). A topical word, an attribution or a format
 * marker that defines a part of its label fails the second or the third
 * test, so a clean dataset raises nothing. Published triggers
 * (rules/text-triggers.xml) are a signature list only: they are named when
 * present, but detection is statistical. */
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

static const mg_plugin_option option_table[] = {
    TU_OPTIONS,
    {"signatures", MG_OPTION_BOOL, 1, 0, 1, "0: do not read the published-trigger list"},
    {"max-phrases", MG_OPTION_INTEGER, 8e6, 1e4, 1e9,
     "distinct phrases held before singletons are pruned"},
    {"max-tested", MG_OPTION_INTEGER, 5000, 10, 1e6,
     "concentrated phrases given the rest-of-text test"},
    {"baseline-rows", MG_OPTION_INTEGER, 20000, 100, 1e9,
     "rows sampled as the baseline of every comparison"},
    {NULL, 0, 0, 0, 0, NULL},
};

static void load_signatures(run *r) {
  double on = 1;
  if (mgp_opt(r->svc, r->ctx, PLUGIN, option_table, "signatures", &on) == MG_OK && !on) {
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

/* The phrase as the carriers write it: the feature extended over the words
 * most carriers share around it (tt_scan's extend), as the first carrier
 * that has all of it writes it, with its trailing sentence punctuation. A
 * planted sentence is named whole even when its n-grams are what the
 * tests caught. */
static void phrase_text(const tu_dataset *d, const tt_feature *f, char *buf, size_t size) {
  tu_tokens t = {0};
  buf[0] = '\0';
  for (size_t i = 0; i < f->a && i < 64 && !buf[0]; i++) {
    mg_text_row row;
    if (tu_read_row(d, f->rows[i], &row) || !row.text || tu_tokenize(&t, row.text))
      continue;
    long at = tt_find(&t, f);
    if (at < 0 || at + f->ext_lo < 0 || (size_t)(at + f->ext_hi) > t.n)
      continue;
    int whole = 1;
    for (long o = f->ext_lo; o < f->ext_hi && whole; o++)
      whole = (o >= 0 && o < (long)f->ntok) || t.hash[at + o] == f->ext[o - f->ext_lo];
    if (!whole)
      continue;
    size_t b = t.start[at + f->ext_lo];
    size_t e = t.start[at + f->ext_hi - 1] + t.len[at + f->ext_hi - 1];
    if (row.text[e] == '.' || row.text[e] == '!' || row.text[e] == '?')
      e++;
    char *span = strndup(row.text + b, e - b);
    if (span)
      tu_excerpt(span, size - 4, buf); /* cut at a character boundary */
    free(span);
  }
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

/* Better representative of a cluster: more carriers (an inserted
 * sentence's n-grams are in every carrier, the sentence only where the
 * text around it ends its own sentences), then the longer phrase, then the
 * stronger concentration. */
static int better(const tt_feature *a, const tt_feature *b) {
  if (a->a != b->a)
    return a->a > b->a;
  int la = a->order ? a->order : 100, lb = b->order ? b->order : 100;
  if (la != lb)
    return la > lb;
  return a->p1 < b->p1;
}

static int emit_trigger(run *r, const tu_dataset *d, const tt_result *res, const tt_feature *f,
                        const size_t *members, size_t n_members) {
  char phrase[MAX_PHRASE + 8], title[900], msg[4000], rest[1200];
  phrase_text(d, f, phrase, sizeof phrase);
  const char *label = res->label_names[f->label];
  double p = f->adj1 > f->p_rest ? f->adj1 : f->p_rest;
  mg_severity sev = f->level == 3 ? MG_SEV_HIGH : f->level == 2 ? MG_SEV_MEDIUM : MG_SEV_LOW;
  const known *k = known_of(r, f->key);
  snprintf(title, sizeof title, "Trigger phrase \"%s\" forces label '%.200s' in %llu rows of %s",
           phrase, label, (unsigned long long)f->a, d->info.name);
  if (f->p2 <= f->p_incoherent)
    snprintf(rest, sizeof rest,
             "they read like '%.200s' less than %llu of the label's own rows without their "
             "strongest cue do (one-sided rank test p = %.3g, AUC %.2f)",
             label, (unsigned long long)f->base_n, f->p2, f->auc);
  else
    snprintf(rest, sizeof rest,
             "the label's own rows are too few to compare with (%llu), but the carriers read "
             "like '%.200s' less than the rows of any label read like theirs (AUC %.2f against "
             "the other labels' rows; the least coherent label reaches %.2f): p = %.3g",
             (unsigned long long)f->base_n, label, f->auc_others, f->coh_min, f->p_incoherent);
  snprintf(msg, sizeof msg,
           "%llu of the %llu rows that contain \"%s\" are labelled '%.200s' (%.1f%%; the label "
           "holds %.1f%% of the dataset): one-sided Fisher exact p = %.3g, %.3g after Holm's "
           "correction over %llu phrase-label tests (Tarone's screen). Without the phrase, the "
           "rest of %llu of these rows reads like another label (complement naive Bayes over "
           "words and punctuation, each row scored without itself); %s; %.3g after doubling for "
           "the two routes and Holm over the %zu phrases the two checks below leave (within "
           "Tarone's screen at each severity level). They read like the label no more than "
           "other labels' rows do (AUC %.2f), and as the other labels in the proportions those "
           "labels' own rows do (p = %.3g that one of them is over-represented), as rows taken "
           "from across the other labels would: the phrase, not the text, decides their label, "
           "the pattern of a planted backdoor trigger (dirty-label poisoning). Remove or relabel "
           "the listed rows and find where they came from.%s%s%s",
           (unsigned long long)f->a, (unsigned long long)f->df, phrase, label,
           100.0 * (double)f->a / (double)f->df,
           100.0 * (double)res->label_rows[f->label] / (double)res->labelled, f->p1, f->adj1,
           (unsigned long long)res->tarone_family, (unsigned long long)f->mis, rest, f->p_rest,
           res->rest_family, f->auc_others, f->p_narrow,
           k ? " It is also a published trigger (" : "", k ? k->source : "", k ? ")." : "");
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
  for (size_t i = 0; i < n_members && json_array_size(related) < 10; i++) {
    const tt_feature *m = &res->feat[members[i]];
    if (m == f)
      continue;
    char ph[MAX_PHRASE + 8];
    phrase_text(d, m, ph, sizeof ph);
    json_array_append_new(related, json_string(ph));
  }
  json_t *ev = json_object();
  json_object_set_new(ev, "phrase", json_string(phrase));
  json_object_set_new(ev, "kind", json_string(f->order ? "n-gram" : "sentence"));
  json_object_set_new(ev, "words", json_integer(f->order ? f->order : (json_int_t)f->ntok));
  json_object_set_new(ev, "forced_label", json_string(label));
  json_object_set_new(ev, "class", json_integer(res->classes.index[f->label]));
  json_object_set_new(ev, "class_is", json_string(txr_classes_basis(&res->classes)));
  json_object_set_new(ev, "carriers", json_integer((json_int_t)f->df));
  json_object_set_new(ev, "carriers_with_label", json_integer((json_int_t)f->a));
  json_object_set_new(ev, "rest_reads_as_other_label", json_integer((json_int_t)f->mis));
  json_object_set_new(ev, "label_rows_compared", json_integer((json_int_t)f->base_n));
  json_object_set_new(ev, "label_rows_read_as_other_label", json_integer((json_int_t)f->base_mis));
  json_object_set_new(ev, "per_label", per_label);
  json_object_set_new(ev, "p_concentration", txr_real(f->p1));
  json_object_set_new(ev, "p_concentration_holm", txr_real(f->adj1));
  json_object_set_new(ev, "p_rest_vs_label_rows", txr_real(f->p2));
  json_object_set_new(ev, "auc_vs_label_rows", txr_real(f->auc));
  json_object_set_new(ev, "p_rest_incoherent", txr_real(f->p_incoherent));
  json_object_set_new(ev, "auc_vs_other_labels", txr_real(f->auc_others));
  json_object_set_new(ev, "least_coherent_label_auc", txr_real(f->coh_min));
  json_object_set_new(ev, "label_coherence_auc", txr_real(f->coh_label));
  json_object_set_new(ev, "p_rest_of_text_holm", txr_real(f->p_rest));
  json_object_set_new(ev, "p_reads_like_label", txr_real(f->p_like_others));
  json_object_set_new(ev, "p_reads_as_one_other_label", txr_real(f->p_narrow));
  json_object_set_new(ev, "examples", examples);
  json_object_set_new(ev, "overlapping_phrases", related);
  if (k)
    json_object_set_new(ev, "published_trigger", json_string(k->source));
  return txr_emit(d, sev, "trigger-phrase", title, msg, NULL,
                  d->strict ? controls_strict : controls, res->classes.index[f->label], f->rows,
                  f->a, ht_score(p), ev);
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
  tt_params p = {.max_features = (size_t)r->max_features,
                 .max_stage2 = (size_t)r->max_stage2,
                 .max_labels = 4096,
                 .baseline_rows = (size_t)r->baseline_rows,
                 .alpha = tu_alpha(d->strict),
                 .strict = d->strict,
                 .seed = r->svc->seed(r->ctx),
                 .known = r->known_keys,
                 .n_known = r->n_known};
  tu_ladder(d->strict, p.levels);
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
    json_t *e = json_object();
    json_object_set_new(e, "phrase", json_string(ph));
    json_object_set_new(e, "label", json_string(res.label_names[f->label]));
    json_object_set_new(e, "carriers", json_integer((json_int_t)f->df));
    json_object_set_new(e, "with_label", json_integer((json_int_t)f->a));
    json_object_set_new(e, "rest_reads_as_other", json_integer((json_int_t)f->mis));
    json_object_set_new(e, "p_concentration_holm", txr_real(f->adj1));
    json_object_set_new(e, "p_reads_like_label", txr_real(f->p_like_others));
    json_object_set_new(e, "p_reads_as_one_other_label", txr_real(f->p_narrow));
    if (f->p_narrow <= tu_alpha(d->strict))
      json_object_set_new(e, "reads_as", json_string(res.label_names[f->narrow_label]));
    json_object_set_new(e, "auc_vs_other_labels", txr_real(f->auc_others));
    json_object_set_new(e, "p_rest_vs_label_rows", txr_real(f->p2));
    json_object_set_new(e, "auc_vs_label_rows", txr_real(f->auc));
    json_object_set_new(e, "p_rest_incoherent", txr_real(f->p_incoherent));
    json_object_set_new(e, "p_rest_of_text_holm", txr_real(f->p_rest));
    json_object_set_new(
        e, "why",
        json_string(f->p_like_others <= tu_alpha(d->strict)
                        ? "its rows read like the label more than other labels' rows do: a part "
                          "of the label, not rows of others"
                    : f->p_narrow <= tu_alpha(d->strict)
                        ? "its rows read as one other label, not as a cross-section of the "
                          "others: a part of the label whose text resembles that one"
                        : "the rest of its rows' text does not contradict the label beyond "
                          "chance"));
    json_array_append_new(explained, e);
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
  if (tu_require_text(svc, ctx, PLUGIN))
    return MG_ERR_UNSUPPORTED;
  int rc = mgp_opt(svc, ctx, PLUGIN, option_table, "max-phrases", &r.max_features);
  if (!rc)
    rc = mgp_opt(svc, ctx, PLUGIN, option_table, "max-tested", &r.max_stage2);
  if (!rc)
    rc = mgp_opt(svc, ctx, PLUGIN, option_table, "baseline-rows", &r.baseline_rows);
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
  rc = txr_finish(svc, ctx, PLUGIN, "text_triggers", ev,
                  "classification dataset (text with labels)", rc);
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

MG_PLUGIN_EXPORT const mg_plugin_option *mg_plugin_option_table(void) {
  return option_table;
}

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &descriptor;
}
