/* SARIF 2.1.0 for GitHub code scanning and other SARIF consumers: one run,
 * one reporting descriptor per stable rule id, results with relative
 * artifact URIs, GitHub's security-severity, and partial fingerprints so
 * the same finding is recognised across scans. */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "atomic_file.h"
#include "report_xml.h"
#include "sha256.h"

/* GitHub maps >= 9.0 critical, >= 7.0 high, >= 4.0 medium, else low. */
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
    snprintf(joined, sizeof joined, "%.*s/%s", (int)pl, pkg, member);
  } else {
    snprintf(joined, sizeof joined, "%.*s", (int)pl, pkg);
  }
  return uri_encode(joined[0] ? joined : "package");
}

static json_t *strings(const mg_strlist *l) {
  json_t *a = json_array();
  for (size_t i = 0; i < l->count; i++)
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

/* The reporting descriptor for a rule, from its first finding. */
static json_t *rule_json(const mg_results *r, const mg_result_finding *f) {
  const mg_result_plugin *p = plugin_of(r, f->plugin);
  const char *desc =
      p && p->description[0] ? p->description : "modelgate core: package, descriptor and registry";
  json_t *tags = json_array();
  json_array_append_new(tags, json_string("security"));
  for (size_t i = 0; i < f->atlas.count; i++)
    json_array_append_new(tags, json_string(f->atlas.items[i]));
  const mg_result_atlas *a = f->atlas.count ? atlas_of(r, f->atlas.items[0]) : NULL;
  char help[512];
  snprintf(help, sizeof help, "%s%s%s", a ? a->id : "", a ? ": " : "", a ? a->name : desc);
  json_t *rule = json_pack(
      "{s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s, s:o, s:s}}", "id", f->rule, "name",
      f->rule, "shortDescription", "text", f->rule, "fullDescription", "text", desc, "help", "text",
      help, "defaultConfiguration", "level", level(f->reported), "properties", "security-severity",
      security_severity(f->reported), "tags", tags, "precision", "medium");
  if (rule && a)
    json_object_set_new(rule, "helpUri", json_string(a->url));
  return rule;
}

static json_t *result_json(const mg_results *r, const mg_result_finding *f, size_t rule_index) {
  char text[12000];
  snprintf(text, sizeof text, "%s%s%s%s%s", f->title, f->message ? ". " : "",
           f->message ? f->message : "", f->correlation ? " Severity " : "",
           f->correlation ? f->correlation : "");
  char *uri = artifact_uri(r, f->artifact);
  char key[4096], fp[MG_SHA256_HEX];
  snprintf(key, sizeof key, "%s|%s|%s|%d|%s", f->rule, f->artifact ? f->artifact : "",
           f->location ? f->location : "", f->label, f->title);
  if (mg_sha256_buffer(key, strlen(key), fp, NULL))
    fp[0] = '\0';
  json_t *props = json_pack("{s:s, s:s, s:o, s:o, s:o}", "severity", mg_severity_name(f->severity),
                            "plugin", f->plugin, "atlas", strings(&f->atlas), "mitigations",
                            strings(&f->mitigations), "controls", strings(&f->controls));
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
  json_t *location = json_pack("{s:{s:{s:s}}}", "physicalLocation", "artifactLocation", "uri",
                               uri ? uri : "package");
  if (f->artifact || f->location) {
    char logical[2200];
    snprintf(logical, sizeof logical, "%s%s%s", f->artifact ? f->artifact : "",
             f->location ? " " : "", f->location ? f->location : "");
    json_object_set_new(location, "logicalLocations",
                        json_pack("[{s:s, s:s}]", "fullyQualifiedName", logical, "kind", "member"));
  }
  free(uri);
  return json_pack("{s:s, s:I, s:s, s:{s:s}, s:[o], s:{s:s}, s:o}", "ruleId", f->rule, "ruleIndex",
                   (json_int_t)rule_index, "level", level(f->severity), "message", "text", text,
                   "locations", location, "partialFingerprints", "modelgateFinding/v1", fp,
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
    json_array_append_new(a, json_pack("{s:{s:s}, s:s}", "message", "text", text, "level",
                                       p->status == MG_PLUGIN_SKIPPED ? "note" : "error"));
  }
  if (r->error)
    json_array_append_new(
        a, json_pack("{s:{s:s}, s:s}", "message", "text", r->error, "level", "error"));
  return a;
}

int mg_report_sarif_write(const mg_results *r, const char *path, mg_err *err) {
  json_t *rules = json_array(), *results = json_array();
  const char **rule_ids = calloc(r->n_findings + 1, sizeof *rule_ids);
  size_t n_rules = 0;
  for (size_t i = 0; rule_ids && i < r->n_findings; i++) {
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
  free(rule_ids);
  json_t *doc = json_pack(
      "{s:s, s:s, s:[{s:{s:{s:s, s:s, s:s, s:s, s:o}}, s:o, s:[{s:b, s:i, s:o}], s:s, s:{s:s, "
      "s:s?, s:s?, s:s?}}]}",
      "$schema", "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0", "runs",
      "tool", "driver", "name", "modelgate", "version", r->tool_version, "semanticVersion",
      r->tool_version, "informationUri", "https://atlas.mitre.org/", "rules", rules, "results",
      results, "invocations", "executionSuccessful", r->verdict != MG_VERDICT_ERROR, "exitCode",
      mg_results_exit_code(r), "toolExecutionNotifications", notifications(r), "columnKind",
      "unicodeCodePoints", "properties", "verdict", mg_verdict_name(r->verdict), "package",
      r->package_name, "packageSha256", r->package_sha256, "atlasVersion", r->atlas_version);
  if (!doc)
    return mg_fail(err, MG_ERR_NOMEM, "%s: cannot build the SARIF report", path);
  mg_atomic a;
  int rc = mg_atomic_open(&a, path, err);
  if (!rc) {
    if (json_dumpf(doc, a.fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
      mg_atomic_abort(&a);
      rc = mg_fail(err, MG_ERR_IO, "%s: write failed", path);
    } else {
      rc = mg_atomic_commit(&a, err);
    }
  }
  json_decref(doc);
  return rc;
}
