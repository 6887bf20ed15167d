/* SARIF 2.1.0 for GitHub code scanning and other SARIF consumers: one run,
 * one reporting descriptor per stable rule id, results with relative
 * artifact URIs, GitHub's security-severity on every rule, and partial
 * fingerprints so the same finding is recognised across scans. Controls
 * that fail the gate without a finding of their own (a contradicted fact,
 * a required control not evaluated) become results too, so a failing gate
 * is never an empty SARIF file. Mapping: docs/results.md, "SARIF". */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report.h"
#include "report_xml.h"
#include "intake/sha256.h"

#define SARIF_SCHEMA                                                                               \
  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

/* GitHub maps >= 9.0 critical, >= 7.0 high, >= 4.0 medium, > 0 low, else
 * none; each severity sits inside its band. */
static const char *security_severity(mg_severity s) {
  static const char *const v[] = {"0.0", "2.0", "5.5", "8.0", "9.5"};
  return v[s <= MG_SEV_CRITICAL ? s : 0];
}

static const char *level(mg_severity s) {
  return s >= MG_SEV_HIGH ? "error" : s == MG_SEV_MEDIUM ? "warning" : "note";
}

/* Percent-encodes everything but unreserved characters and '/'. */
static char *uri_encode(const char *s) {
  size_t n = strlen(s);
  char *out = malloc(n * 3 + 1);
  if (!out)
    return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out[o++] = (char)c;
    } else {
      static const char hex[] = "0123456789ABCDEF";
      out[o++] = '%';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    }
  }
  out[o] = '\0';
  return out;
}

/* The URI of an artifact, relative like the package path the user gave:
 * inside a directory package, the file; inside an archive, the archive. */
static char *artifact_uri(const mg_results *r, const char *artifact) {
  const char *pkg = r->package_path ? r->package_path : "";
  while (pkg[0] == '.' && pkg[1] == '/')
    pkg += 2;
  if (pkg[0] == '/') { /* SARIF consumers want relative paths */
    const char *base = strrchr(pkg, '/');
    pkg = base[1] ? base + 1 : pkg + 1;
  }
  size_t pl = strlen(pkg);
  while (pl && pkg[pl - 1] == '/')
    pl--;
  char joined[4096];
  if (artifact && r->package_is_directory) {
    char member[2048];
    snprintf(member, sizeof member, "%s", artifact);
    char *bang = strstr(member, "!/"); /* a member of a nested archive */
    if (bang)
      *bang = '\0';
    snprintf(joined, sizeof joined, "%.*s%s%s", (int)pl, pkg, pl ? "/" : "", member);
  } else {
    snprintf(joined, sizeof joined, "%.*s", (int)pl, pkg);
  }
  return uri_encode(joined[0] ? joined : "package");
}

static json_t *strings(const mg_strlist *l) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < l->count; i++)
    json_array_append_new(a, json_string(l->items[i]));
  return a;
}

static const mg_result_plugin *plugin_of(const mg_results *r, const char *name) {
  for (size_t i = 0; i < r->n_plugins; i++)
    if (!strcmp(r->plugins[i].name, name))
      return &r->plugins[i];
  return NULL;
}

static const mg_result_atlas *atlas_of(const mg_results *r, const char *id) {
  for (size_t i = 0; i < r->n_atlas; i++)
    if (!strcmp(r->atlas[i].id, id))
      return &r->atlas[i];
  return NULL;
}

/* Appends "\n- ID Name" (text) or "\n- [ID](url) Name" (markdown). */
static void append_atlas(char *buf, size_t cap, const mg_results *r, const mg_strlist *ids,
                         int markdown) {
  for (size_t i = 0; i < ids->count; i++) {
    const mg_result_atlas *a = atlas_of(r, ids->items[i]);
    size_t n = strlen(buf);
    if (n + 1 >= cap)
      return;
    if (markdown && a)
      snprintf(buf + n, cap - n, "\n- [%s](%s) %s", a->id, a->url, a->name);
    else
      snprintf(buf + n, cap - n, "\n- %s%s%s", ids->items[i], a ? " " : "", a ? a->name : "");
  }
}

static json_t *help_json(const mg_results *r, const char *intro, const mg_strlist *atlas,
                         const mg_strlist *mitigations) {
  char text[4096], md[6144];
  snprintf(text, sizeof text, "%s", intro);
  snprintf(md, sizeof md, "%s", intro);
  if (atlas->count) {
    strncat(text, "\nMITRE ATLAS techniques:", sizeof text - strlen(text) - 1);
    strncat(md, "\n\n**MITRE ATLAS techniques**\n", sizeof md - strlen(md) - 1);
    append_atlas(text, sizeof text, r, atlas, 0);
    append_atlas(md, sizeof md, r, atlas, 1);
  }
  if (mitigations->count) {
    strncat(text, "\nMitigations:", sizeof text - strlen(text) - 1);
    strncat(md, "\n\n**Mitigations**\n", sizeof md - strlen(md) - 1);
    append_atlas(text, sizeof text, r, mitigations, 0);
    append_atlas(md, sizeof md, r, mitigations, 1);
  }
  return json_pack("{s:s, s:s}", "text", text, "markdown", md);
}

/* The worst final severity among the findings of one rule: GitHub takes a
 * rule's security-severity for every alert of that rule. */
static mg_severity rule_severity(const mg_results *r, const char *rule) {
  mg_severity worst = MG_SEV_INFO;
  for (size_t i = 0; i < r->n_findings; i++)
    if (!strcmp(r->findings[i].rule, rule) && r->findings[i].severity > worst)
      worst = r->findings[i].severity;
  return worst;
}

static json_t *rule_json(const mg_results *r, const mg_result_finding *f) {
  const mg_result_plugin *p = plugin_of(r, f->plugin);
  const char *desc =
      p && p->description[0] ? p->description : "modelgate core: package, descriptor and registry";
  mg_severity sev = rule_severity(r, f->rule);
  json_t *tags = json_array();
  json_array_append_new(tags, json_string("security"));
  json_array_append_new(tags, json_string("supply-chain"));
  for (size_t i = 0; i < f->atlas.count; i++)
    json_array_append_new(tags, json_string(f->atlas.items[i]));
  for (size_t i = 0; i < f->controls.count; i++)
    json_array_append_new(tags, json_string(f->controls.items[i]));
  const mg_result_atlas *a = f->atlas.count ? atlas_of(r, f->atlas.items[0]) : NULL;
  char intro[1024];
  snprintf(intro, sizeof intro, "%s (modelgate plugin %s).", desc, f->plugin);
  json_t *rule =
      json_pack("{s:s, s:s, s:{s:s}, s:{s:s}, s:o, s:{s:s}, s:{s:s, s:o, s:s}}", "id", f->rule,
                "name", f->rule, "shortDescription", "text", f->rule, "fullDescription", "text",
                desc, "help", help_json(r, intro, &f->atlas, &f->mitigations),
                "defaultConfiguration", "level", level(sev), "properties", "security-severity",
                security_severity(sev), "tags", tags, "precision", "medium");
  if (rule && a)
    json_object_set_new(rule, "helpUri", json_string(a->url));
  return rule;
}

static json_t *location_json(const mg_results *r, const char *artifact, const char *where) {
  char *uri = artifact_uri(r, artifact);
  /* Artifacts are binary, but GitHub places an alert only with a region
   * that has a start line: line 1 stands for "the file". */
  json_t *location = json_pack("{s:{s:{s:s}, s:{s:i}}}", "physicalLocation", "artifactLocation",
                               "uri", uri ? uri : "package", "region", "startLine", 1);
  free(uri);
  if (location && (artifact || where)) {
    char logical[2200];
    snprintf(logical, sizeof logical, "%s%s%s", artifact ? artifact : "",
             artifact && where ? " " : "", where ? where : "");
    json_object_set_new(location, "logicalLocations",
                        json_pack("[{s:s, s:s}]", "fullyQualifiedName", logical, "kind", "member"));
  }
  return location;
}

static json_t *result_json(const mg_results *r, const mg_result_finding *f, size_t rule_index) {
  char text[12000];
  snprintf(text, sizeof text, "%s%s%s%s%s", f->title, f->message ? ". " : "",
           f->message ? f->message : "", f->correlation ? " Severity " : "",
           f->correlation ? f->correlation : "");
  char key[4096], fp[MG_SHA256_HEX];
  snprintf(key, sizeof key, "%s|%s|%s|%d|%s", f->rule, f->artifact ? f->artifact : "",
           f->location ? f->location : "", f->label, f->title);
  if (mg_sha256_buffer(key, strlen(key), fp, NULL))
    fp[0] = '\0';
  json_t *props =
      json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "id", f->id, "severity",
                mg_severity_name(f->severity), "plugin", f->plugin, "atlas", strings(&f->atlas),
                "mitigations", strings(&f->mitigations), "controls", strings(&f->controls));
  json_object_set_new(props, "security-severity", json_string(security_severity(f->severity)));
  if (f->label >= 0)
    json_object_set_new(props, "label", json_integer(f->label));
  if (f->dataset) {
    json_t *idx = json_array();
    for (size_t i = 0; i < f->n_indices; i++)
      json_array_append_new(idx, json_integer((json_int_t)f->indices[i]));
    json_object_set_new(props, "samples",
                        json_pack("{s:s, s:o}", "dataset", f->dataset, "indices", idx));
  }
  if (f->correlation)
    json_object_set_new(props, "correlation", json_string(f->correlation));
  json_t *res = json_pack(
      "{s:s, s:I, s:s, s:{s:s}, s:[o], s:{s:s}, s:{s:s}, s:o}", "ruleId", f->rule, "ruleIndex",
      (json_int_t)rule_index, "level", level(f->severity), "message", "text", text, "locations",
      location_json(r, f->artifact, f->location), "partialFingerprints", "modelgateFinding/v1", fp,
      "fingerprints", "modelgate/v1", f->fingerprint, "properties", props);
  /* A reviewer's waiver is an external, accepted suppression: the result
   * stays, with its level, and SARIF consumers show it as dismissed. */
  if (res && f->waived) {
    char why[9000];
    snprintf(why, sizeof why, "%s (waiver %s, approved by %s on %s, expires %s)", f->waived->reason,
             f->waived->id, f->waived->approved_by, f->waived->approved_on, f->waived->expires);
    json_object_set_new(res, "suppressions",
                        json_pack("[{s:s, s:s, s:s}]", "kind", "external", "status", "accepted",
                                  "justification", why));
  }
  if (res && f->baseline != MG_BASELINE_NONE)
    json_object_set_new(res, "baselineState", json_string(mg_baseline_state_name(f->baseline)));
  return res;
}

/* A finding of the baseline this scan no longer has: baselineState absent. */
static json_t *gone_result_json(const mg_results *r, const mg_result_gone *g, size_t rule_index) {
  char text[2400];
  snprintf(text, sizeof text, "Gone since the baseline (%s %s): %s",
           r->baseline_started ? r->baseline_started : "", g->id, g->title);
  return json_pack("{s:s, s:I, s:s, s:{s:s}, s:[o], s:{s:s}, s:s, s:{s:s, s:s}}", "ruleId", g->rule,
                   "ruleIndex", (json_int_t)rule_index, "level", "none", "message", "text", text,
                   "locations", location_json(r, g->artifact, g->location), "fingerprints",
                   "modelgate/v1", g->fingerprint, "baselineState", "absent", "properties", "id",
                   g->id, "severity", mg_severity_name(g->severity));
}

/* The descriptor of a rule only gone findings name. */
static json_t *gone_rule_json(const mg_result_gone *g) {
  return json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:[s]}}", "id", g->rule, "name", g->rule,
                   "shortDescription", "text", g->rule, "properties", "security-severity",
                   security_severity(g->severity), "tags", "security");
}

/* A control failing the gate that no failing finding already reports. */
static int control_needs_result(const mg_results *r, const mg_result_control *c) {
  if (!mg_results_control_fails_gate(c))
    return 0;
  for (size_t i = 0; i < r->n_findings; i++)
    if (mg_report_finding_fails_gate(r, &r->findings[i]) &&
        mg_strlist_has(&r->findings[i].controls, c->id))
      return 0;
  return 1;
}

static json_t *control_rule_json(const mg_results *r, const mg_result_control *c,
                                 const char *rule_id) {
  json_t *tags = json_array();
  json_array_append_new(tags, json_string("security"));
  json_array_append_new(tags, json_string("checklist"));
  json_array_append_new(tags, json_string(c->id));
  for (size_t i = 0; i < c->atlas.count; i++)
    json_array_append_new(tags, json_string(c->atlas.items[i]));
  char intro[2048];
  snprintf(intro, sizeof intro, "Checklist control %s (%s): %s", c->id, c->section, c->text);
  json_t *rule =
      json_pack("{s:s, s:s, s:{s:s}, s:{s:s}, s:o, s:{s:s}, s:{s:s, s:o, s:s}}", "id", rule_id,
                "name", rule_id, "shortDescription", "text", c->title, "fullDescription", "text",
                c->text, "help", help_json(r, intro, &c->atlas, &c->mitigations),
                "defaultConfiguration", "level", "error", "properties", "security-severity",
                security_severity(MG_SEV_HIGH), "tags", tags, "precision", "high");
  const mg_result_atlas *a = c->atlas.count ? atlas_of(r, c->atlas.items[0]) : NULL;
  if (rule && a)
    json_object_set_new(rule, "helpUri", json_string(a->url));
  return rule;
}

static json_t *control_result_json(const mg_results *r, const mg_result_control *c,
                                   const char *rule_id, size_t rule_index) {
  char text[4096];
  if (c->status == MG_CONTROL_FAIL)
    snprintf(text, sizeof text, "Checklist control %s failed: %s. %s", c->id, c->title,
             c->note ? c->note : "");
  else
    snprintf(text, sizeof text, "Checklist control %s is required by the policy but %s: %s. %s",
             c->id, mg_control_status_name(c->status), c->title, c->note ? c->note : "");
  char key[256], fp[MG_SHA256_HEX];
  snprintf(key, sizeof key, "%s|%s", rule_id, mg_control_status_name(c->status));
  if (mg_sha256_buffer(key, strlen(key), fp, NULL))
    fp[0] = '\0';
  json_t *props = json_pack("{s:s, s:s, s:b, s:o, s:o}", "control", c->id, "status",
                            mg_control_status_name(c->status), "required", c->required, "atlas",
                            strings(&c->atlas), "mitigations", strings(&c->mitigations));
  return json_pack("{s:s, s:I, s:s, s:{s:s}, s:[o], s:{s:s}, s:o}", "ruleId", rule_id, "ruleIndex",
                   (json_int_t)rule_index, "level", "error", "message", "text", text, "locations",
                   location_json(r, NULL, NULL), "partialFingerprints", "modelgateControl/v1", fp,
                   "properties", props);
}

static json_t *notifications(const mg_results *r) {
  json_t *a = json_array();
  for (size_t i = 0; i < r->n_plugins; i++) {
    const mg_result_plugin *p = &r->plugins[i];
    if (p->status == MG_PLUGIN_OK)
      continue;
    char text[2048];
    snprintf(text, sizeof text, "plugin %s %s%s%s", p->name,
             p->status == MG_PLUGIN_SKIPPED   ? "skipped"
             : p->status == MG_PLUGIN_TIMEOUT ? "timed out"
                                              : "failed",
             p->message ? ": " : "", p->message ? p->message : "");
    json_array_append_new(a, json_pack("{s:{s:s}, s:s, s:{s:s, s:s}}", "message", "text", text,
                                       "level", p->status == MG_PLUGIN_SKIPPED ? "note" : "error",
                                       "properties", "plugin", p->name, "status",
                                       mg_plugin_status_name(p->status)));
  }
  if (r->error)
    json_array_append_new(
        a, json_pack("{s:{s:s}, s:s}", "message", "text", r->error, "level", "error"));
  return a;
}

/* Control statuses for consumers that read run properties. */
static json_t *control_statuses(const mg_results *r) {
  json_t *o = json_object();
  for (size_t i = 0; o && i < r->n_controls; i++)
    json_object_set_new(o, r->controls[i].id,
                        json_string(mg_control_status_name(r->controls[i].status)));
  return o;
}

json_t *mg_report_sarif_build(const mg_results *r) {
  json_t *rules = json_array(), *results = json_array();
  size_t cap = r->n_findings + r->n_controls + r->n_gone + 1;
  const char **rule_ids = calloc(cap, sizeof *rule_ids);
  char **owned = calloc(r->n_controls + 1, sizeof *owned);
  if (!rules || !results || !rule_ids || !owned) {
    json_decref(rules);
    json_decref(results);
    free(rule_ids);
    free(owned);
    return NULL;
  }
  size_t n_rules = 0;
  for (size_t i = 0; i < r->n_findings; i++) {
    const mg_result_finding *f = &r->findings[i];
    size_t k = 0;
    while (k < n_rules && strcmp(rule_ids[k], f->rule))
      k++;
    if (k == n_rules) {
      rule_ids[n_rules++] = f->rule;
      json_array_append_new(rules, rule_json(r, f));
    }
    json_array_append_new(results, result_json(r, f, k));
  }
  for (size_t i = 0; i < r->n_controls; i++) {
    const mg_result_control *c = &r->controls[i];
    if (!control_needs_result(r, c))
      continue;
    char id[128];
    snprintf(id, sizeof id, "core.checklist.%.100s", c->id);
    for (char *p = id; *p; p++) /* rule ids are lower case, like plugin rules */
      *p = (char)tolower((unsigned char)*p);
    if (!(owned[i] = strdup(id)))
      continue;
    rule_ids[n_rules] = owned[i];
    json_array_append_new(rules, control_rule_json(r, c, id));
    json_array_append_new(results, control_result_json(r, c, id, n_rules));
    n_rules++;
  }
  for (size_t i = 0; i < r->n_gone; i++) {
    const mg_result_gone *g = &r->gone[i];
    size_t k = 0;
    while (k < n_rules && strcmp(rule_ids[k], g->rule))
      k++;
    if (k == n_rules) {
      rule_ids[n_rules++] = g->rule;
      json_array_append_new(rules, gone_rule_json(g));
    }
    json_array_append_new(results, gone_result_json(r, g, k));
  }
  for (size_t i = 0; i < r->n_controls; i++)
    free(owned[i]);
  free(owned);
  free(rule_ids);
  char automation[300];
  snprintf(automation, sizeof automation, "modelgate/%.200s/",
           r->package_name ? r->package_name : "package");
  return json_pack(
      "{s:s, s:s, s:[{s:{s:{s:s, s:s, s:s, s:s, s:o}}, s:{s:s}, s:o, s:[{s:b, s:i, s:o}], s:s, "
      "s:{s:s, s:s?, s:s?, s:s?, s:s, s:o}}]}",
      "$schema", SARIF_SCHEMA, "version", "2.1.0", "runs", "tool", "driver", "name", "modelgate",
      "version", r->tool_version, "semanticVersion", r->tool_version, "informationUri",
      "https://atlas.mitre.org/", "rules", rules, "automationDetails", "id", automation, "results",
      results, "invocations", "executionSuccessful", r->verdict != MG_VERDICT_ERROR, "exitCode",
      mg_results_exit_code(r), "toolExecutionNotifications", notifications(r), "columnKind",
      "unicodeCodePoints", "properties", "verdict", mg_verdict_name(r->verdict), "package",
      r->package_name, "packageSha256", r->package_sha256, "atlasVersion", r->atlas_version,
      "failOn", mg_severity_name(r->fail_on), "controls", control_statuses(r));
}

int mg_report_sarif_write(const mg_results *r, const char *path, mg_err *err) {
  return mg_report_json_dump(mg_report_sarif_build(r), "SARIF", path, err);
}
