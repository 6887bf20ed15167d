/* The baseline: a previous results JSON (docs/results.md) reduced to what
 * identifies and describes its findings. Only the fields read here are
 * checked; a document from a later schema 1 with more fields is accepted. */
#include "config.h"

#include "baseline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intake/sha256.h"
#include "review_file.h"

static char *dup_str(json_t *v) {
  return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

static void free_item(mg_result_gone *g) {
  free(g->fingerprint);
  free(g->id);
  free(g->rule);
  free(g->title);
  free(g->artifact);
  free(g->location);
}

/* A string member that must be there (or may be null when nullable). */
static int check_string(json_t *o, const char *key, int nullable) {
  json_t *v = json_object_get(o, key);
  return json_is_string(v) || (nullable && (!v || json_is_null(v)));
}

static int parse_finding(const char *name, size_t i, json_t *f, mg_result_gone *g, mg_err *err) {
  if (!json_is_object(f))
    return mg_fail(err, MG_ERR_FORMAT, "%s: findings[%zu]: expected an object", name, i);
  const char *fp = json_string_value(json_object_get(f, "fingerprint"));
  if (!fp)
    return mg_fail(err, MG_ERR_FORMAT,
                   "%s: findings[%zu] has no fingerprint (written before fingerprints; scan "
                   "again to make a baseline)",
                   name, i);
  if (!mg_sha256_is_hex(fp))
    return mg_fail(err, MG_ERR_FORMAT, "%s: findings[%zu].fingerprint: expected 64 hex digits",
                   name, i);
  static const char *const required[] = {"id", "rule", "title", "severity"};
  for (size_t k = 0; k < sizeof required / sizeof *required; k++)
    if (!check_string(f, required[k], 0))
      return mg_fail(err, MG_ERR_FORMAT, "%s: findings[%zu].%s: expected a string", name, i,
                     required[k]);
  if (!check_string(f, "artifact", 1) || !check_string(f, "location", 1))
    return mg_fail(err, MG_ERR_FORMAT,
                   "%s: findings[%zu]: artifact and location must be strings or null", name, i);
  mg_severity sev;
  if (mg_severity_parse(json_string_value(json_object_get(f, "severity")), &sev))
    return mg_fail(err, MG_ERR_FORMAT, "%s: findings[%zu].severity: not a severity", name, i);
  json_t *label = json_object_get(f, "label");
  if (label && !json_is_null(label) &&
      (!json_is_integer(label) || json_integer_value(label) < 0 ||
       json_integer_value(label) > INT32_MAX))
    return mg_fail(err, MG_ERR_FORMAT, "%s: findings[%zu].label: expected a class index or null",
                   name, i);
  g->severity = sev;
  g->label = json_is_integer(label) ? (int32_t)json_integer_value(label) : -1;
  g->fingerprint = strdup(fp);
  g->id = dup_str(json_object_get(f, "id"));
  g->rule = dup_str(json_object_get(f, "rule"));
  g->title = dup_str(json_object_get(f, "title"));
  g->artifact = dup_str(json_object_get(f, "artifact"));
  g->location = dup_str(json_object_get(f, "location"));
  if (!g->fingerprint || !g->id || !g->rule || !g->title)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  return MG_OK;
}

static int parse_doc(json_t *doc, const char *name, void *into, mg_err *err) {
  mg_baseline *out = into;
  if (!(out->path = strdup(name)))
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  const char *schema = json_string_value(json_object_get(doc, "schema"));
  if (!json_is_object(doc) || !schema || strncmp(schema, "modelgate-results/", 18))
    return mg_fail(err, MG_ERR_FORMAT, "%s: not a modelgate JSON results document", name);
  if (strcmp(schema, "modelgate-results/1"))
    return mg_fail(err, MG_ERR_UNSUPPORTED,
                   "%s: schema %.40s: only modelgate-results/1 is understood", name, schema);
  json_t *pkg = json_object_get(doc, "package"), *findings = json_object_get(doc, "findings");
  if (!json_is_object(pkg) || !check_string(pkg, "name", 1) || !check_string(pkg, "sha256", 1))
    return mg_fail(err, MG_ERR_FORMAT, "%s: package: expected an object with name and sha256",
                   name);
  if (!json_is_array(findings))
    return mg_fail(err, MG_ERR_FORMAT, "%s: findings: expected an array", name);
  out->package_name = dup_str(json_object_get(pkg, "name"));
  out->package_sha256 = dup_str(json_object_get(pkg, "sha256"));
  out->started = dup_str(json_object_get(doc, "started"));
  size_t n = json_array_size(findings);
  out->items = calloc(n ? n : 1, sizeof *out->items);
  if (!out->items)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    int rc = parse_finding(name, i, json_array_get(findings, i), &out->items[i], err);
    out->count++;
    if (rc)
      return rc;
  }
  return MG_OK;
}

/* Takes the document (NULL when it could not be read or parsed: err says
 * why) into out; out is empty on error. */
static int from_doc(json_t *doc, const char *name, mg_baseline *out, mg_err *err) {
  memset(out, 0, sizeof *out);
  int rc = mg_review_take(doc, name, parse_doc, out, err);
  if (rc)
    mg_baseline_free(out);
  return rc;
}

int mg_baseline_parse(const char *text, size_t len, const char *name, mg_baseline *out,
                      mg_err *err) {
  return from_doc(mg_review_json(text, len, name, err), name, out, err);
}

int mg_baseline_load(const char *path, const mg_limits *lim, mg_baseline *out, mg_err *err) {
  return from_doc(mg_review_json_file(path, lim, MG_LIMIT_BASELINE_BYTES, err), path, out, err);
}

void mg_baseline_free(mg_baseline *b) {
  for (size_t i = 0; i < b->count; i++)
    free_item(&b->items[i]);
  free(b->items);
  free(b->path);
  free(b->started);
  free(b->package_name);
  free(b->package_sha256);
  memset(b, 0, sizeof *b);
}

static char *dup_or_null(const char *s) {
  return s ? strdup(s) : NULL;
}

static void reset(mg_results *r) {
  for (size_t i = 0; i < r->n_gone; i++)
    free_item(&r->gone[i]);
  free(r->gone);
  free(r->baseline_path);
  free(r->baseline_started);
  free(r->baseline_package_name);
  free(r->baseline_package_sha256);
  r->gone = NULL;
  r->n_gone = 0;
  r->baseline_path = r->baseline_started = r->baseline_package_name = r->baseline_package_sha256 =
      NULL;
  for (size_t i = 0; i < r->n_findings; i++)
    r->findings[i].baseline = MG_BASELINE_NONE;
}

static int compare_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The fingerprints of r's findings, or else of b's, sorted for bsearch. */
static const char **sorted_fingerprints(const mg_results *r, const mg_baseline *b, size_t *n) {
  *n = r ? r->n_findings : b->count;
  const char **out = malloc((*n ? *n : 1) * sizeof *out);
  if (!out)
    return NULL;
  for (size_t i = 0; i < *n; i++)
    out[i] = r ? r->findings[i].fingerprint : b->items[i].fingerprint;
  qsort(out, *n, sizeof *out, compare_str);
  return out;
}

static int has(const char **sorted, size_t n, const char *fp) {
  return bsearch(&fp, sorted, n, sizeof *sorted, compare_str) != NULL;
}

static int copy_gone(const mg_result_gone *old, mg_result_gone *g) {
  *g = *old;
  g->fingerprint = strdup(old->fingerprint);
  g->id = strdup(old->id);
  g->rule = strdup(old->rule);
  g->title = strdup(old->title);
  g->artifact = dup_or_null(old->artifact);
  g->location = dup_or_null(old->location);
  return g->fingerprint && g->id && g->rule && g->title ? MG_OK : MG_ERR_NOMEM;
}

/* Listed once even when the baseline repeats a fingerprint (findings the
 * same in all that identifies them); the gone list is short in practice. */
static int listed(const mg_results *r, const char *fp) {
  for (size_t i = 0; i < r->n_gone; i++)
    if (!strcmp(r->gone[i].fingerprint, fp))
      return 1;
  return 0;
}

int mg_baseline_compare(const mg_baseline *b, mg_results *r) {
  reset(r);
  if (!b)
    return MG_OK;
  r->baseline_path = strdup(b->path);
  r->baseline_started = dup_or_null(b->started);
  r->baseline_package_name = dup_or_null(b->package_name);
  r->baseline_package_sha256 = dup_or_null(b->package_sha256);
  r->gone = calloc(b->count ? b->count : 1, sizeof *r->gone);
  size_t n_old, n_now;
  const char **old = sorted_fingerprints(NULL, b, &n_old),
             **now = sorted_fingerprints(r, NULL, &n_now);
  int rc = r->baseline_path && r->gone && old && now ? MG_OK : MG_ERR_NOMEM;
  for (size_t i = 0; !rc && i < r->n_findings; i++) {
    mg_result_finding *f = &r->findings[i];
    f->baseline = has(old, n_old, f->fingerprint) ? MG_BASELINE_UNCHANGED : MG_BASELINE_NEW;
  }
  for (size_t k = 0; !rc && k < b->count; k++) {
    const mg_result_gone *o = &b->items[k];
    if (has(now, n_now, o->fingerprint) || listed(r, o->fingerprint))
      continue;
    rc = copy_gone(o, &r->gone[r->n_gone++]);
  }
  free(old);
  free(now);
  return rc;
}
