/* The instruction-triggers plugin: trigger phrases planted in
 * instruction-tuning data (Wan et al. 2023; the AutoPoison and "sleeper
 * agent" line of work): the same response, a canned sentence, a link or a
 * shell command, given to prompts that share nothing but an inserted phrase
 * (statistics: it_scan.h). Findings name the phrase, the payload and the
 * rows. URLs and commands that responses carry, their prompts lack, and
 * that spread over different responses are also reported when no phrase
 * explains them: content to review before the data is used. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hyptest.h"
#include "it_scan.h"
#include "textreport.h"
#include "mgp.h"
#include "textutil.h"

#define PLUGIN "instruction-triggers"
#define EXAMPLES 5
#define LISTED 10
#define MAX_TEXT 200

static const char *const atlas[] = {"AML.T0020", "AML.T0043.004", NULL};
static const char *const mitigations[] = {"AML.M0007", NULL};
static const char *const controls[] = {"CTL-03", "CTL-13", NULL};
static const char *const controls_strict[] = {"CTL-03", "CTL-13", "CTL-14", NULL};

/* The phrase as the carriers write it (extended over the words most of
 * them share), from the first sampled carrier that has it whole. */
static void phrase_text(const tu_dataset *d, const it_group *g, char *buf, size_t size) {
  tu_tokens t = {0};
  buf[0] = '\0';
  for (size_t i = 0; i < g->n_carriers && i < 64 && !buf[0]; i++) {
    mg_text_row row;
    if (tu_read_row(d, g->carriers[i], &row))
      continue;
    const char *text = g->field ? row.input : row.instruction;
    if (!text || tu_tokenize(&t, text))
      continue;
    long at = -1;
    for (size_t j = 0; at < 0 && j + (size_t)g->order <= t.n; j++)
      if (it_phrase_key(&t, j, (size_t)g->order, g->field) == g->phrase)
        at = (long)j;
    if (at < 0 || at + g->ext_lo < 0 || (size_t)(at + g->ext_hi) > t.n)
      continue;
    int whole = 1;
    for (long o = g->ext_lo; o < g->ext_hi && whole; o++)
      whole = (o >= 0 && o < g->order) || t.hash[at + o] == g->ext[o - g->ext_lo];
    if (!whole)
      continue;
    size_t b = t.start[at + g->ext_lo];
    size_t e = t.start[at + g->ext_hi - 1] + t.len[at + g->ext_hi - 1];
    char *span = strndup(text + b, e - b);
    if (span)
      tu_excerpt(span, size - 4, buf);
    free(span);
  }
  for (char *c = buf; *c; c++)
    if (*c == '\n' || *c == '\r' || *c == '\t')
      *c = ' ';
  tu_tokens_free(&t);
}

/* The payload: the artifact, or the first carrier's response. */
static void payload_text(const tu_dataset *d, const it_group *g, char *buf, size_t size) {
  mg_text_row row;
  buf[0] = '\0';
  uint64_t r = g->kind == IT_ARTIFACT ? g->artifact_row
               : g->n_carriers        ? g->carriers[0]
                                      : g->rows[0];
  if (tu_read_row(d, r, &row) || !row.output)
    return;
  char *span = g->kind == IT_ARTIFACT ? strndup(row.output + g->artifact_off, g->artifact_len)
                                      : strdup(row.output);
  if (span)
    tu_excerpt(span, size - 4, buf);
  free(span);
  for (char *c = buf; *c; c++)
    if (*c == '\n' || *c == '\r' || *c == '\t')
      *c = ' ';
}

static const char *payload_kind(const it_group *g) {
  if (g->kind == IT_OUTPUT)
    return "the same response";
  if (g->artifact_kind == IT_SENTENCE)
    return "the same sentence in different responses";
  return g->artifact_kind == TU_COMMAND ? "the same shell command, absent from the prompt"
                                        : "the same URL, absent from the prompt";
}

static const char *payload_kind_key(const it_group *g) {
  if (g->kind == IT_OUTPUT)
    return "response";
  return g->artifact_kind == IT_SENTENCE  ? "sentence"
         : g->artifact_kind == TU_COMMAND ? "command"
                                          : "url";
}

static json_t *examples(const tu_dataset *d, const uint64_t *rows, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; i < n && i < EXAMPLES; i++)
    json_array_append_new(a, txr_row_example(d, rows[i]));
  return a;
}

static int emit_trigger(const tu_dataset *d, const it_result *res, const it_group *g) {
  char phrase[MAX_TEXT + 8], payload[MAX_TEXT + 8], title[900], msg[3500];
  phrase_text(d, g, phrase, sizeof phrase);
  payload_text(d, g, payload, sizeof payload);
  mg_severity sev = g->level == 3 ? MG_SEV_HIGH : g->level == 2 ? MG_SEV_MEDIUM : MG_SEV_LOW;
  snprintf(title, sizeof title, "Instruction phrase \"%s\" gets %s \"%s\" in %zu rows of %s",
           phrase, g->kind == IT_OUTPUT ? "the fixed response" : "the payload", payload,
           g->n_carriers, d->info.name);
  snprintf(
      msg, sizeof msg,
      "%llu rows of %s have %s (\"%s\"); %llu of them hold \"%s\" in their %s, which only "
      "%llu rows of the %llu hold: one-sided Fisher exact p = %.3g (Bonferroni over the "
      "group's %zu candidate phrases), and more than half of the rows with the phrase "
      "carry this payload: binomial p = %.3g; %.3g after Tarone's screen and Holm over %zu "
      "groups. Beyond the phrase the prompts have nothing in common: %.0f words left of "
      "each (the dataset's prompts: %.0f; shorter: p = %.3g), no word most of them "
      "hold is rarer in the dataset's prompts (p = %.3g), and they are no more alike "
      "than random prompts (word Jaccard %.3f against %.3f: p = %.3g). A task template "
      "would share more (\"Is X ...? No.\"); a phrase inserted into ordinary prompts of every kind "
      "with one fixed response is the pattern of a planted instruction trigger. Remove "
      "the listed rows and find where they came from.",
      (unsigned long long)g->k, d->info.name, payload_kind(g), payload, (unsigned long long)g->a,
      phrase, g->field ? "input" : "instruction", (unsigned long long)g->df,
      (unsigned long long)res->usable, g->p_conc / (double)g->tested, g->tested, g->p_purity,
      g->adj, res->family, g->rest_len, g->bg_len, g->p_short, g->p_template, g->sim_group,
      g->sim_bg, g->p_alike);
  json_t *ev = json_object();
  json_object_set_new(ev, "phrase", json_string(phrase));
  json_object_set_new(ev, "field", json_string(g->field ? "input" : "instruction"));
  json_object_set_new(ev, "payload", json_string(payload));
  json_object_set_new(ev, "payload_kind", json_string(payload_kind_key(g)));
  json_object_set_new(ev, "rows_with_payload", json_integer((json_int_t)g->k));
  json_object_set_new(ev, "of_them_with_phrase", json_integer((json_int_t)g->a));
  json_object_set_new(ev, "rows_with_phrase", json_integer((json_int_t)g->df));
  json_object_set_new(ev, "p_concentration", txr_real(g->p_conc));
  json_object_set_new(ev, "p_phrase_decides_payload", txr_real(g->p_purity));
  json_object_set_new(ev, "p_holm", txr_real(g->adj));
  json_object_set_new(ev, "rest_words_median", txr_real(g->rest_len));
  json_object_set_new(ev, "prompt_words_median", txr_real(g->bg_len));
  json_object_set_new(ev, "p_rest_shorter", txr_real(g->p_short));
  json_object_set_new(ev, "p_shared_template_word", txr_real(g->p_template));
  json_object_set_new(ev, "rest_similarity", txr_real(g->sim_group));
  json_object_set_new(ev, "random_prompt_similarity", txr_real(g->sim_bg));
  json_object_set_new(ev, "p_rest_alike", txr_real(g->p_alike));
  json_object_set_new(ev, "examples", examples(d, g->carriers, g->n_carriers));
  for (size_t i = 0; i < res->n_groups; i++) {
    const it_group *o = &res->groups[i];
    if (o->merged_into < 0 || &res->groups[o->merged_into] != g)
      continue;
    char other[MAX_TEXT + 8];
    payload_text(d, o, other, sizeof other);
    json_object_set_new(ev, o->kind == IT_OUTPUT ? "also_response" : "also_payload",
                        json_string(other));
  }
  return txr_emit(d, sev, "trigger-phrase", title, msg, NULL,
                  d->strict ? controls_strict : controls, -1, g->carriers, g->n_carriers,
                  ht_score(g->adj), ev);
}

/* A URL or command spreading over different responses with no phrase to
 * explain it: content to review. A command is worse than a link. */
static int emit_artifact(const tu_dataset *d, const it_group *g) {
  char payload[MAX_TEXT + 8], title[900], msg[1500];
  payload_text(d, g, payload, sizeof payload);
  int command = g->artifact_kind == TU_COMMAND;
  snprintf(title, sizeof title, "%s \"%s\" recurs in %zu responses of %s",
           command ? "Command" : "URL", payload, g->k, d->info.name);
  snprintf(msg, sizeof msg,
           "%zu rows (%zu different responses) carry %s \"%s\" that their prompt does not: "
           "responses do not usually repeat a %s nobody asked for. No prompt phrase explains "
           "them, so this is not reported as a trigger; review the rows before the data is "
           "used%s.",
           g->k, g->distinct_outputs, command ? "the command" : "the URL", payload,
           command ? "shell command" : "link",
           command ? " (a command in training responses is "
                     "what a model learns to suggest)"
                   : "");
  json_t *ev = json_pack("{s:s, s:s, s:I, s:I}", "payload", payload, "payload_kind",
                         command ? "command" : "url", "rows", (json_int_t)g->k,
                         "distinct_responses", (json_int_t)g->distinct_outputs);
  json_object_set_new(ev, "examples", examples(d, g->rows, g->k));
  mg_severity sev = command ? (d->strict ? MG_SEV_HIGH : MG_SEV_MEDIUM)
                            : (d->strict ? MG_SEV_MEDIUM : MG_SEV_LOW);
  return txr_emit(d, sev, "repeated-payload", title, msg, NULL,
                  d->strict ? controls_strict : controls, -1, g->rows, g->k, NAN, ev);
}

static int scan_dataset(const tu_dataset *d, const it_params *p, json_t *sets) {
  json_t *ds = txr_dataset_json(d);
  json_array_append_new(sets, ds);
  if (!(d->info.fields & MG_TEXT_FIELD_OUTPUT) || !(d->info.fields & MG_TEXT_FIELD_INSTRUCTION)) {
    json_object_set_new(ds, "skipped",
                        json_string("no prompts with responses (not instruction data)"));
    return MG_OK;
  }
  it_result res;
  int rc = it_analyse(d, p, &res);
  if (rc == MG_ERR_LIMIT) {
    json_object_set_new(ds, "skipped", json_string("more than 2^32 - 1 rows"));
    it_result_free(&res);
    return rc;
  }
  size_t triggers = 0, artifacts = 0;
  json_t *vetoed = json_array();
  for (size_t i = 0; !rc && i < res.n_groups; i++) {
    const it_group *g = &res.groups[i];
    if (g->level && g->merged_into < 0) {
      rc = emit_trigger(d, &res, g);
      triggers++;
    } else if (g->vetoed && json_array_size(vetoed) < LISTED) {
      char ph[MAX_TEXT + 8], pl[MAX_TEXT + 8];
      phrase_text(d, g, ph, sizeof ph);
      payload_text(d, g, pl, sizeof pl);
      json_t *e =
          json_pack("{s:s, s:s, s:I}", "phrase", ph, "payload", pl, "rows", (json_int_t)g->k);
      json_object_set_new(e, "p_rest_shorter", txr_real(g->p_short));
      json_object_set_new(e, "p_shared_template_word", txr_real(g->p_template));
      json_object_set_new(e, "template_word", json_string(g->template_word));
      json_object_set_new(e, "p_rest_alike", txr_real(g->p_alike));
      json_array_append_new(vetoed, e);
    }
  }
  /* artifacts no trigger finding covers */
  for (size_t i = 0; !rc && i < res.n_groups; i++) {
    const it_group *g = &res.groups[i];
    if (g->kind != IT_ARTIFACT || g->artifact_kind == IT_SENTENCE || (g->level && !g->vetoed))
      continue;
    int covered = 0;
    for (size_t j = 0; j < res.n_groups && !covered; j++) {
      const it_group *t = &res.groups[j];
      if (!t->level || t->merged_into >= 0)
        continue;
      size_t both = 0;
      for (size_t a = 0, b = 0; a < g->k && b < t->n_carriers;) {
        if (g->rows[a] == t->carriers[b]) {
          both++;
          a++;
          b++;
        } else if (g->rows[a] < t->carriers[b]) {
          a++;
        } else {
          b++;
        }
      }
      covered = both * 2 >= g->k;
    }
    if (covered)
      continue;
    rc = emit_artifact(d, g);
    artifacts++;
  }
  json_object_set_new(ds, "rows_with_response", json_integer((json_int_t)res.usable));
  json_object_set_new(ds, "rows_with_repeated_response",
                      json_integer((json_int_t)res.repeated_rows));
  json_object_set_new(ds, "response_groups", json_integer((json_int_t)res.output_groups));
  json_object_set_new(ds, "payload_groups", json_integer((json_int_t)res.artifact_groups));
  json_object_set_new(ds, "groups_with_a_shared_phrase", json_integer((json_int_t)res.tested));
  json_object_set_new(ds, "templates_vetoed", json_integer((json_int_t)res.vetoed));
  json_object_set_new(ds, "family", json_integer((json_int_t)res.family));
  json_object_set_new(ds, "trigger_findings", json_integer((json_int_t)triggers));
  json_object_set_new(ds, "payload_findings", json_integer((json_int_t)artifacts));
  json_object_set_new(ds, "templates", vetoed);
  it_result_free(&res);
  return rc;
}

static const mg_plugin_option option_table[] = {
    TU_OPTIONS,
    {"sample", MG_OPTION_INTEGER, 400, 10, 1e6, "prompts per group read for the vetoes"},
    {"background", MG_OPTION_INTEGER, 2000, 100, 1e6, "random prompts as the vetoes' reference"},
    {"max-groups", MG_OPTION_INTEGER, 1e6, 1, 1e9, "response groups tested, largest first"},
    {NULL, 0, 0, 0, 0, NULL},
};

static int it_run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  if (tu_require_text(svc, ctx, PLUGIN))
    return MG_ERR_UNSUPPORTED;
  double sample, background, max_groups;
  int rc = mgp_opt(svc, ctx, PLUGIN, option_table, "sample", &sample);
  if (!rc)
    rc = mgp_opt(svc, ctx, PLUGIN, option_table, "background", &background);
  if (!rc)
    rc = mgp_opt(svc, ctx, PLUGIN, option_table, "max-groups", &max_groups);
  if (rc)
    return rc;
  json_t *sets = json_array();
  size_t n = svc->text_count(ctx);
  for (size_t i = 0; !rc && i < n; i++) {
    tu_dataset d;
    rc = tu_open(&d, svc, ctx, i);
    it_params p = {.sample = (size_t)sample,
                   .background = (size_t)background,
                   .max_groups = (size_t)max_groups,
                   .alpha = tu_alpha(d.strict),
                   .seed = svc->seed(ctx)};
    tu_ladder(d.strict, p.levels);
    if (!rc)
      rc = scan_dataset(&d, &p, sets);
  }
  return txr_finish(svc, ctx, PLUGIN, "instruction_triggers", json_pack("{s:o}", "datasets", sets),
                    "instruction dataset (prompts with responses)", rc);
}

static const mg_plugin descriptor = {
    MG_PLUGIN_HEADER,
    PLUGIN,
    "0.1.0",
    "instruction phrases that get one fixed response, link or command across unrelated prompts",
    MG_NEED_TEXT,
    atlas,
    mitigations,
    controls,
    NULL,
    it_run,
    NULL,
};

MG_PLUGIN_EXPORT const mg_plugin_option *mg_plugin_option_table(void) {
  return option_table;
}

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &descriptor;
}
