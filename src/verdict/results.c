/* Results storage, string tables and the verdict rule. */
#include "config.h"

#include "results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <modelgate/version.h>

#include "cli/cli.h"
#include "intake/sha256.h"

static const char *const plugin_status_names[] = {"ok", "error", "timeout", "skipped"};
static const char *const control_status_names[] = {"pass", "fail", "attested", "not-evaluated",
                                                   "error"};
static const char *const verdict_names[] = {"pass", "fail", "error"};
static const char *const registry_names[] = {"not-checked", "approved", "unknown", "mismatch",
                                             "revoked"};
static const char *const waiver_state_names[] = {"applied", "expired", "other-package",
                                                 "unmatched"};

int mg_severity_parse(const char *s, mg_severity *out) {
  for (int i = 0; i <= MG_SEV_CRITICAL; i++)
    if (!strcmp(s, mg_severity_name((mg_severity)i))) {
      *out = (mg_severity)i;
      return MG_OK;
    }
  return MG_ERR_ARGS;
}

const char *mg_plugin_status_name(mg_plugin_status s) {
  return (unsigned)s <= MG_PLUGIN_SKIPPED ? plugin_status_names[s] : "error";
}

const char *mg_control_status_name(mg_control_status s) {
  return (unsigned)s <= MG_CONTROL_ERROR ? control_status_names[s] : "error";
}

const char *mg_verdict_name(mg_verdict v) {
  return (unsigned)v <= MG_VERDICT_ERROR ? verdict_names[v] : "error";
}

const char *mg_registry_status_name(mg_registry_status s) {
  return (unsigned)s <= MG_REG_REVOKED ? registry_names[s] : "not-checked";
}

const char *mg_waiver_state_name(mg_waiver_state s) {
  return (unsigned)s <= MG_WAIVER_UNMATCHED ? waiver_state_names[s] : "unmatched";
}

const char *mg_baseline_state_name(mg_baseline_state s) {
  return s == MG_BASELINE_NEW ? "new" : s == MG_BASELINE_UNCHANGED ? "unchanged" : NULL;
}

const char *mg_decided_by_name(mg_decided_by d) {
  return d == MG_DECIDED_VENDOR ? "vendor" : d == MG_DECIDED_REVIEWER ? "reviewer" : NULL;
}

void mg_results_init(mg_results *r, const char *command) {
  memset(r, 0, sizeof *r);
  r->command = strdup(command);
  r->tool_version = strdup(MG_VERSION_STRING);
  r->fail_on = MG_SEV_HIGH;
  char stamp[32];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  r->started = strdup(stamp);
}

int mg_strlist_add(mg_strlist *l, const char *s) {
  char **grown = realloc(l->items, (l->count + 1) * sizeof *grown);
  if (!grown)
    return MG_ERR_NOMEM;
  l->items = grown;
  if (!(l->items[l->count] = strdup(s)))
    return MG_ERR_NOMEM;
  l->count++;
  return MG_OK;
}

int mg_strlist_has(const mg_strlist *l, const char *s) {
  for (size_t i = 0; i < l->count; i++)
    if (!strcmp(l->items[i], s))
      return 1;
  return 0;
}

void mg_strlist_free(mg_strlist *l) {
  for (size_t i = 0; i < l->count; i++)
    free(l->items[i]);
  free(l->items);
  l->items = NULL;
  l->count = 0;
}

static void free_finding(mg_result_finding *f) {
  free(f->plugin);
  free(f->rule);
  free(f->title);
  free(f->message);
  free(f->artifact);
  free(f->location);
  mg_strlist_free(&f->atlas);
  mg_strlist_free(&f->mitigations);
  mg_strlist_free(&f->controls);
  free(f->dataset);
  free(f->indices);
  for (size_t i = 0; i < f->n_thumbs; i++)
    free(f->thumbs[i].png);
  free(f->thumbs);
  json_decref(f->evidence);
  free(f->correlation);
}

static void free_reviewer(mg_results *r) {
  for (size_t i = 0; i < r->n_waivers; i++)
    mg_strlist_free(&r->waivers[i].findings);
  free(r->waivers);
  free(r->waivers_path);
  for (size_t i = 0; i < r->n_gone; i++) {
    mg_result_gone *g = &r->gone[i];
    free(g->fingerprint);
    free(g->id);
    free(g->rule);
    free(g->title);
    free(g->artifact);
    free(g->location);
  }
  free(r->gone);
  free(r->baseline_path);
  free(r->baseline_started);
  free(r->baseline_package_name);
  free(r->baseline_package_sha256);
}

void mg_results_free(mg_results *r) {
  free_reviewer(r);
  for (size_t i = 0; i < r->n_findings; i++)
    free_finding(&r->findings[i]);
  free(r->findings);
  for (size_t i = 0; i < r->n_plugins; i++) {
    mg_result_plugin *p = &r->plugins[i];
    free(p->name);
    free(p->version);
    free(p->description);
    free(p->message);
    json_decref(p->evidence);
    for (size_t k = 0; k < p->n_images; k++) {
      free(p->images[k].name);
      free(p->images[k].caption);
      free(p->images[k].png);
    }
    free(p->images);
    mg_strlist_free(&p->controls);
  }
  free(r->plugins);
  for (size_t i = 0; i < r->n_controls; i++) {
    mg_result_control *c = &r->controls[i];
    free(c->id);
    free(c->section);
    free(c->title);
    free(c->text);
    free(c->note);
    free(c->remediation);
    mg_strlist_free(&c->findings);
    mg_strlist_free(&c->evidence);
    mg_strlist_free(&c->atlas);
    mg_strlist_free(&c->mitigations);
    json_decref(c->attestation);
  }
  free(r->controls);
  free(r->files);
  for (size_t i = 0; i < r->n_atlas; i++) {
    free(r->atlas[i].id);
    free(r->atlas[i].name);
    free(r->atlas[i].url);
  }
  free(r->atlas);
  for (size_t i = 0; i < r->n_facts; i++) {
    free(r->facts[i].control);
    free(r->facts[i].source);
    free(r->facts[i].note);
  }
  free(r->facts);
  free(r->error);
  free(r->tool_version);
  free(r->atlas_version);
  free(r->started);
  free(r->package_path);
  free(r->package_name);
  free(r->package_sha256);
  free(r->command);
  free(r->registry_path);
  free(r->registry_signature);
  memset(r, 0, sizeof *r);
}

static char *dup_or_null(const char *s) {
  return s ? strdup(s) : NULL;
}

static json_t *str_or_null(const char *s) {
  return s ? json_string(s) : json_null();
}

/* The fingerprint: sha256 of the compact JSON array
 * ["modelgate-finding/1", plugin, rule, label, artifact, location, dataset,
 *  samples] where samples is the sha256 of the sorted distinct row indices
 * in decimal joined by commas (null without rows). Titles, messages, scores
 * and severities are left out: they may be worded or computed differently
 * from one run to the next while the finding is the same. */
static int compare_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static int samples_digest(const mg_result_finding *f, char hex[MG_SHA256_HEX]) {
  uint64_t *sorted = malloc(f->n_indices * sizeof *sorted);
  char *text = malloc(f->n_indices * 21 + 1);
  int rc = MG_ERR_NOMEM;
  if (sorted && text) {
    memcpy(sorted, f->indices, f->n_indices * sizeof *sorted);
    qsort(sorted, f->n_indices, sizeof *sorted, compare_u64);
    size_t len = 0;
    for (size_t i = 0; i < f->n_indices; i++)
      if (!i || sorted[i] != sorted[i - 1])
        len += (size_t)sprintf(text + len, "%s%llu", len ? "," : "", (unsigned long long)sorted[i]);
    rc = mg_sha256_buffer(text, len, hex, NULL);
  }
  free(sorted);
  free(text);
  return rc;
}

static int fingerprint(mg_result_finding *f) {
  char samples[MG_SHA256_HEX];
  int have_samples = f->dataset && f->n_indices;
  if (have_samples && samples_digest(f, samples))
    return MG_ERR_NOMEM;
  json_t *key =
      json_pack("[s, s, s, o, o, o, o, o]", "modelgate-finding/1", f->plugin, f->rule,
                f->label >= 0 ? json_integer(f->label) : json_null(), str_or_null(f->artifact),
                str_or_null(f->location), str_or_null(f->dataset),
                have_samples ? json_string(samples) : json_null());
  char *text = key ? json_dumps(key, JSON_COMPACT) : NULL;
  json_decref(key);
  int rc = text ? mg_sha256_buffer(text, strlen(text), f->fingerprint, NULL) : MG_ERR_NOMEM;
  free(text);
  return rc;
}

static int copy_list(mg_strlist *dst, const char *const *given, const char *const *fallback) {
  const char *const *src = given ? given : fallback;
  for (; src && *src; src++)
    if (!mg_strlist_has(dst, *src) && mg_strlist_add(dst, *src))
      return MG_ERR_NOMEM;
  return MG_OK;
}

mg_result_finding *mg_results_add_finding(mg_results *r, const char *plugin, const mg_finding *f,
                                          const char *const *default_atlas,
                                          const char *const *default_mitigations,
                                          const char *const *default_controls) {
  if (r->n_findings == r->cap_findings) {
    size_t cap = r->cap_findings ? r->cap_findings * 2 : 32;
    mg_result_finding *grown = realloc(r->findings, cap * sizeof *grown);
    if (!grown)
      return NULL;
    r->findings = grown;
    r->cap_findings = cap;
  }
  mg_result_finding *out = &r->findings[r->n_findings];
  memset(out, 0, sizeof *out);
  snprintf(out->id, sizeof out->id, "F%04zu", r->n_findings + 1);
  mg_severity sev = f->severity > MG_SEV_CRITICAL ? MG_SEV_CRITICAL : f->severity;
  out->severity = out->reported = sev;
  out->plugin = strdup(plugin);
  char rule[256];
  snprintf(rule, sizeof rule, "%s.%s", plugin, f->rule ? f->rule : "finding");
  out->rule = strdup(rule);
  out->title = strdup(f->title ? f->title : "(untitled finding)");
  out->message = dup_or_null(f->message);
  out->artifact = dup_or_null(f->artifact);
  out->location = dup_or_null(f->location);
  out->label = f->label;
  out->dataset = dup_or_null(f->dataset);
  out->score = f->score;
  int bad = !out->plugin || !out->rule || !out->title ||
            copy_list(&out->atlas, f->atlas, default_atlas) ||
            copy_list(&out->mitigations, f->mitigations, default_mitigations) ||
            copy_list(&out->controls, f->controls, default_controls);
  if (!bad && f->n_indices && f->indices) {
    out->indices = malloc(f->n_indices * sizeof *out->indices);
    if (out->indices) {
      memcpy(out->indices, f->indices, f->n_indices * sizeof *out->indices);
      out->n_indices = f->n_indices;
    } else
      bad = 1;
  }
  if (!bad && f->evidence_json) {
    json_error_t jerr;
    out->evidence = json_loads(f->evidence_json, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(out->evidence)) {
      /* Keep what the plugin said, marked, rather than dropping it. */
      json_decref(out->evidence);
      out->evidence = json_pack("{s:s}", "unparsed", f->evidence_json);
    }
  }
  if (bad || fingerprint(out)) {
    free_finding(out);
    return NULL;
  }
  r->n_findings++;
  return out;
}

int mg_results_add_core(mg_results *r, mg_severity sev, const char *rule, const char *artifact,
                        const char *title, const char *message, const char *const *atlas,
                        const char *const *mitigations, const char *const *controls,
                        json_t *evidence) {
  mg_finding f = MG_FINDING_INIT;
  f.severity = sev;
  f.rule = rule;
  f.title = title;
  f.message = message;
  f.artifact = artifact;
  f.atlas = atlas;
  f.mitigations = mitigations;
  f.controls = controls;
  char *ev = evidence ? json_dumps(evidence, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  f.evidence_json = ev;
  mg_result_finding *out = mg_results_add_finding(r, "core", &f, NULL, NULL, NULL);
  free(ev);
  json_decref(evidence);
  return out ? MG_OK : MG_ERR_NOMEM;
}

mg_result_plugin *mg_results_add_plugin(mg_results *r, const char *name, const char *version,
                                        const char *description) {
  if (r->n_plugins == r->cap_plugins) {
    size_t cap = r->cap_plugins ? r->cap_plugins * 2 : 16;
    mg_result_plugin *grown = realloc(r->plugins, cap * sizeof *grown);
    if (!grown)
      return NULL;
    r->plugins = grown;
    r->cap_plugins = cap;
  }
  mg_result_plugin *p = &r->plugins[r->n_plugins];
  memset(p, 0, sizeof *p);
  p->name = strdup(name);
  p->version = strdup(version ? version : "");
  p->description = strdup(description ? description : "");
  p->evidence = json_object();
  if (!p->name || !p->version || !p->description || !p->evidence) {
    free(p->name);
    free(p->version);
    free(p->description);
    json_decref(p->evidence);
    return NULL;
  }
  r->n_plugins++;
  return p;
}

mg_result_plugin *mg_results_find_plugin(mg_results *r, const char *name) {
  for (size_t i = 0; i < r->n_plugins; i++)
    if (!strcmp(r->plugins[i].name, name))
      return &r->plugins[i];
  return NULL;
}

int mg_results_add_fact(mg_results *r, const char *control, const char *source, int pass,
                        const char *note) {
  mg_result_fact *grown = realloc(r->facts, (r->n_facts + 1) * sizeof *grown);
  if (!grown)
    return MG_ERR_NOMEM;
  r->facts = grown;
  mg_result_fact *f = &r->facts[r->n_facts];
  f->control = strdup(control);
  f->source = strdup(source);
  f->note = strdup(note ? note : "");
  f->pass = pass;
  if (!f->control || !f->source || !f->note) {
    free(f->control);
    free(f->source);
    free(f->note);
    return MG_ERR_NOMEM;
  }
  r->n_facts++;
  return MG_OK;
}

void mg_results_set_error(mg_results *r, const mg_err *err) {
  if (r->error && r->error_is_verdict) { /* a real error replaces the summary */
    free(r->error);
    r->error = NULL;
    r->error_is_verdict = 0;
  }
  if (r->error)
    return;
  r->error = strdup(err->msg[0] ? err->msg : mg_strerror(err->code));
  r->error_code = err->code ? err->code : MG_ERR_INTERNAL;
}

int mg_results_finding_fails_gate(const mg_results *r, const mg_result_finding *f) {
  return (int)f->severity >= (int)r->fail_on && !f->waived;
}

int mg_results_worst(const mg_results *r) {
  int worst = -1;
  for (size_t i = 0; i < r->n_findings; i++)
    if ((int)r->findings[i].severity > worst)
      worst = (int)r->findings[i].severity;
  return worst;
}

int mg_results_control_fails_gate(const mg_result_control *c) {
  int unmet = c->required && c->status != MG_CONTROL_PASS &&
              !(c->attestable && c->status == MG_CONTROL_ATTESTED);
  return c->status == MG_CONTROL_FAIL || (unmet && c->status != MG_CONTROL_ERROR);
}

/* Every exit 2 says why (issue 14): an incomplete scan names the first
 * plugin that could not finish, or the required control left unevaluated,
 * as the scan's error (stderr line and the JSON "error"). */
static void explain_incomplete(mg_results *r) {
  char why[1200] = "";
  size_t bad = 0;
  for (size_t i = 0; i < r->n_plugins; i++) {
    const mg_result_plugin *p = &r->plugins[i];
    if (p->status != MG_PLUGIN_ERROR && p->status != MG_PLUGIN_TIMEOUT)
      continue;
    if (!bad++)
      snprintf(why, sizeof why, "plugin %s %s: %.900s", p->name,
               p->status == MG_PLUGIN_TIMEOUT ? "timed out" : "could not finish",
               p->message ? p->message : "no reason given");
  }
  if (bad > 1) {
    size_t n = strlen(why);
    snprintf(why + n, sizeof why - n, " (and %zu more plugins)", bad - 1);
  }
  for (size_t i = 0; !bad && i < r->n_controls; i++)
    if (r->controls[i].required && r->controls[i].status == MG_CONTROL_ERROR) {
      snprintf(why, sizeof why, "required control %s could not be evaluated", r->controls[i].id);
      bad = 1;
    }
  if (!bad)
    return;
  mg_err e;
  mg_err_clear(&e);
  e.code = MG_ERR_PLUGIN;
  snprintf(e.msg, sizeof e.msg, "scan incomplete: %s", why);
  mg_results_set_error(r, &e);
  r->error_is_verdict = 1;
}

void mg_results_decide(mg_results *r) {
  if (r->error && r->error_is_verdict) { /* decided again: explain afresh */
    free(r->error);
    r->error = NULL;
    r->error_is_verdict = 0;
    r->error_code = 0;
  }
  if (r->error) {
    r->verdict = MG_VERDICT_ERROR;
    return;
  }
  /* Evidence against the package fails the gate; missing evidence (a
   * plugin that could not finish, a required control it would have
   * evidenced) is an incomplete scan. The first wins over the second. */
  int failed = 0, incomplete = 0;
  for (size_t i = 0; i < r->n_findings; i++)
    failed |= mg_results_finding_fails_gate(r, &r->findings[i]);
  for (size_t i = 0; i < r->n_controls; i++) {
    const mg_result_control *c = &r->controls[i];
    failed |= mg_results_control_fails_gate(c);
    incomplete |= c->required && c->status == MG_CONTROL_ERROR;
  }
  for (size_t i = 0; i < r->n_plugins; i++)
    incomplete |=
        r->plugins[i].status == MG_PLUGIN_ERROR || r->plugins[i].status == MG_PLUGIN_TIMEOUT;
  r->verdict = failed ? MG_VERDICT_FAIL : incomplete ? MG_VERDICT_ERROR : MG_VERDICT_PASS;
  if (r->verdict == MG_VERDICT_ERROR)
    explain_incomplete(r);
}

int mg_results_exit_code(const mg_results *r) {
  switch (r->verdict) {
  case MG_VERDICT_PASS:
    return MG_EXIT_PASS;
  case MG_VERDICT_FAIL:
    return MG_EXIT_FAIL;
  default:
    return MG_EXIT_ERROR;
  }
}
