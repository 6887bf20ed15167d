/* The reviewer's waivers file: a closed JSON document, checked in full
 * (every key known, dates real, digests hex) so a typo is a usage error
 * before the scan rather than a waiver that silently does nothing. */
#include "config.h"

#include "waivers.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "intake/sha256.h"
#include "review_file.h"

#define MAX_TEXT_BYTES 4096 /* reason, approved_by */
#define MAX_NAME_BYTES 256  /* id, rule, plugin */

static const char *const top_keys[] = {"format", "version", "waivers", NULL};
static const char *const waiver_keys[] = {"id",          "fingerprint",    "rule",   "plugin",
                                          "class",       "package_sha256", "reason", "approved_by",
                                          "approved_on", "expires",        NULL};

/* Everything one parse needs to name a problem. */
typedef struct parse_ctx {
  const char *name;
  size_t index;
  mg_err *err;
} parse_ctx;

static int bad(parse_ctx *x, const char *key, const char *problem) {
  return mg_fail(x->err, MG_ERR_FORMAT, "%s: waivers[%zu]%s%s: %s", x->name, x->index,
                 key ? "." : "", key ? key : "", problem);
}

static const char *unknown_key(json_t *o, const char *const *known) {
  const char *key;
  json_t *v;
  json_object_foreach(o, key, v) {
    size_t i = 0;
    while (known[i] && strcmp(known[i], key))
      i++;
    if (!known[i])
      return key;
  }
  return NULL;
}

/* A required (or optional) string of 1..max bytes, copied. */
static int take_string(parse_ctx *x, json_t *o, const char *key, size_t max, int required,
                       char **out) {
  json_t *v = json_object_get(o, key);
  *out = NULL;
  if (!v)
    return required ? bad(x, key, "missing") : MG_OK;
  if (!json_is_string(v))
    return bad(x, key, "expected a string");
  size_t len = json_string_length(v);
  if (!len || len > max || memchr(json_string_value(v), '\0', len))
    return bad(x, key, len ? "too long or contains NUL" : "empty");
  if (!(*out = strdup(json_string_value(v))))
    return mg_fail(x->err, MG_ERR_NOMEM, "out of memory");
  return MG_OK;
}

static int take_digest(parse_ctx *x, json_t *o, const char *key, int required, char **out) {
  int rc = take_string(x, o, key, 64, required, out);
  if (rc || !*out)
    return rc;
  if (!mg_sha256_is_hex(*out))
    return bad(x, key, "expected 64 hexadecimal digits (a SHA-256)");
  for (char *p = *out; *p; p++)
    *p = (char)tolower((unsigned char)*p);
  return MG_OK;
}

static int leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* YYYY-MM-DD, a real calendar day. */
static int take_date(parse_ctx *x, json_t *o, const char *key, char out[11]) {
  json_t *v = json_object_get(o, key);
  if (!v)
    return bad(x, key, "missing");
  const char *s = json_string_value(v);
  if (!s || json_string_length(v) != 10)
    return bad(x, key, "expected a date YYYY-MM-DD");
  for (int i = 0; i < 10; i++)
    if (i == 4 || i == 7 ? s[i] != '-' : !isdigit((unsigned char)s[i]))
      return bad(x, key, "expected a date YYYY-MM-DD");
  int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1 || d > days[m - 1] + (m == 2 && leap(y)) || y < 1970)
    return bad(x, key, "not a calendar date");
  memcpy(out, s, 11);
  return MG_OK;
}

static void free_waiver(mg_waiver *w) {
  free(w->id);
  free(w->fingerprint);
  free(w->rule);
  free(w->plugin);
  free(w->package_sha256);
  free(w->reason);
  free(w->approved_by);
  memset(w, 0, sizeof *w);
}

/* What the waiver names: exactly one of fingerprint, rule, plugin; class
 * narrows a rule or plugin to one class. */
static int take_target(parse_ctx *x, json_t *o, mg_waiver *w) {
  int rc = take_digest(x, o, "fingerprint", 0, &w->fingerprint);
  if (!rc)
    rc = take_string(x, o, "rule", MAX_NAME_BYTES, 0, &w->rule);
  if (!rc)
    rc = take_string(x, o, "plugin", MAX_NAME_BYTES, 0, &w->plugin);
  if (rc)
    return rc;
  if (!!w->fingerprint + !!w->rule + !!w->plugin != 1)
    return bad(x, NULL, "name exactly one of \"fingerprint\", \"rule\" or \"plugin\"");
  const char *dot = w->rule ? strchr(w->rule, '.') : NULL;
  if (w->rule && (!dot || dot == w->rule || !dot[1]))
    return bad(x, "rule", "expected a rule id \"<plugin>.<rule>\"");
  if (w->plugin && strchr(w->plugin, '.'))
    return bad(x, "plugin", "a plugin name has no '.' (use \"rule\" for a rule id)");
  json_t *cls = json_object_get(o, "class");
  w->label = -1;
  if (!cls)
    return MG_OK;
  if (w->fingerprint)
    return bad(x, "class",
               "applies only with \"rule\" or \"plugin\" (a fingerprint is one finding)");
  if (!json_is_integer(cls) || json_integer_value(cls) < 0 || json_integer_value(cls) > INT32_MAX)
    return bad(x, "class", "expected a class index (integer, 0 or more)");
  w->label = (int32_t)json_integer_value(cls);
  return MG_OK;
}

static int parse_waiver(parse_ctx *x, json_t *o, mg_waiver *w) {
  memset(w, 0, sizeof *w);
  if (!json_is_object(o))
    return bad(x, NULL, "expected an object");
  const char *extra = unknown_key(o, waiver_keys);
  if (extra) {
    char msg[MAX_NAME_BYTES + 64];
    snprintf(msg, sizeof msg, "unknown key \"%.*s\"", MAX_NAME_BYTES, extra);
    return bad(x, NULL, msg);
  }
  int rc = take_string(x, o, "id", MAX_NAME_BYTES, 0, &w->id);
  if (!rc && !w->id) {
    char id[40];
    snprintf(id, sizeof id, "waivers[%zu]", x->index);
    if (!(w->id = strdup(id)))
      rc = mg_fail(x->err, MG_ERR_NOMEM, "out of memory");
  }
  if (!rc)
    rc = take_target(x, o, w);
  if (!rc)
    rc = take_digest(x, o, "package_sha256", 1, &w->package_sha256);
  if (!rc)
    rc = take_string(x, o, "reason", MAX_TEXT_BYTES, 1, &w->reason);
  if (!rc)
    rc = take_string(x, o, "approved_by", MAX_TEXT_BYTES, 1, &w->approved_by);
  if (!rc)
    rc = take_date(x, o, "approved_on", w->approved_on);
  if (!rc)
    rc = take_date(x, o, "expires", w->expires);
  if (!rc && strcmp(w->approved_on, w->expires) > 0)
    rc = bad(x, "expires", "before approved_on");
  return rc;
}

static int parse_doc(json_t *doc, const char *name, void *into, mg_err *err) {
  mg_waivers *out = into;
  if (!(out->path = strdup(name)))
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  if (!json_is_object(doc))
    return mg_fail(err, MG_ERR_FORMAT, "%s: expected a JSON object", name);
  const char *extra = unknown_key(doc, top_keys);
  if (extra)
    return mg_fail(err, MG_ERR_FORMAT, "%s: unknown key \"%.*s\"", name, MAX_NAME_BYTES, extra);
  json_t *fmt = json_object_get(doc, "format"), *ver = json_object_get(doc, "version"),
         *list = json_object_get(doc, "waivers");
  if (!json_is_string(fmt) || strcmp(json_string_value(fmt), "modelgate-waivers"))
    return mg_fail(err, MG_ERR_FORMAT, "%s: format: expected \"modelgate-waivers\"", name);
  if (!json_is_integer(ver) || json_integer_value(ver) != 1)
    return mg_fail(err, MG_ERR_UNSUPPORTED, "%s: version: only version 1 is understood", name);
  if (!json_is_array(list))
    return mg_fail(err, MG_ERR_FORMAT, "%s: waivers: expected an array", name);
  size_t n = json_array_size(list);
  out->items = calloc(n ? n : 1, sizeof *out->items);
  if (!out->items)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  parse_ctx x = {.name = name, .err = err};
  for (x.index = 0; x.index < n; x.index++) {
    mg_waiver *w = &out->items[x.index];
    int rc = parse_waiver(&x, json_array_get(list, x.index), w);
    if (rc) {
      free_waiver(w);
      return rc;
    }
    out->count++;
    for (size_t k = 0; k < x.index; k++)
      if (!strcmp(out->items[k].id, w->id))
        return bad(&x, "id", "the same id as an earlier waiver");
  }
  return MG_OK;
}

/* Takes the document (NULL when it could not be read or parsed: err says
 * why) into out; out is empty on error. */
static int from_doc(json_t *doc, const char *name, mg_waivers *out, mg_err *err) {
  memset(out, 0, sizeof *out);
  int rc = mg_review_take(doc, name, parse_doc, out, err);
  if (rc)
    mg_waivers_free(out);
  return rc;
}

int mg_waivers_parse(const char *text, size_t len, const char *name, mg_waivers *out, mg_err *err) {
  return from_doc(mg_review_json(text, len, name, err), name, out, err);
}

int mg_waivers_load(const char *path, const mg_limits *lim, mg_waivers *out, mg_err *err) {
  return from_doc(mg_review_json_file(path, lim, MG_LIMIT_WAIVERS_BYTES, err), path, out, err);
}

void mg_waivers_free(mg_waivers *w) {
  for (size_t i = 0; i < w->count; i++)
    free_waiver(&w->items[i]);
  free(w->items);
  free(w->path);
  memset(w, 0, sizeof *w);
}

void mg_waivers_today(char out[11]) {
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(out, 11, "%Y-%m-%d", &tm);
}

static int matches(const mg_waiver *w, const mg_result_finding *f) {
  if (w->fingerprint)
    return !strcmp(w->fingerprint, f->fingerprint);
  if (w->label >= 0 && w->label != f->label)
    return 0;
  return w->rule ? !strcmp(w->rule, f->rule) : !strcmp(w->plugin, f->plugin);
}

static void reset(mg_results *r) {
  for (size_t i = 0; i < r->n_findings; i++)
    r->findings[i].waived = NULL;
  for (size_t i = 0; i < r->n_waivers; i++)
    mg_strlist_free(&r->waivers[i].findings);
  free(r->waivers);
  free(r->waivers_path);
  r->waivers = NULL;
  r->waivers_path = NULL;
  r->n_waivers = 0;
}

int mg_waivers_apply(const mg_waivers *w, const char *today, mg_results *r) {
  reset(r);
  if (!w)
    return MG_OK;
  r->waivers = calloc(w->count ? w->count : 1, sizeof *r->waivers);
  r->waivers_path = strdup(w->path);
  if (!r->waivers || !r->waivers_path)
    return MG_ERR_NOMEM;
  /* In file order: the first valid waiver matching a finding is the one
   * its reports name. */
  for (size_t i = 0; i < w->count; i++) {
    const mg_waiver *wv = &w->items[i];
    mg_result_waiver *out = &r->waivers[r->n_waivers++];
    out->w = wv;
    int valid = 0;
    if (strcmp(today, wv->expires) > 0)
      out->state = MG_WAIVER_EXPIRED;
    else if (!r->package_sha256 || strcmp(r->package_sha256, wv->package_sha256))
      out->state = MG_WAIVER_OTHER_PACKAGE;
    else
      valid = 1;
    for (size_t k = 0; k < r->n_findings; k++) {
      mg_result_finding *f = &r->findings[k];
      if (!matches(wv, f))
        continue;
      if (mg_strlist_add(&out->findings, f->id))
        return MG_ERR_NOMEM;
      if (valid && !f->waived)
        f->waived = wv;
    }
    if (valid)
      out->state = out->findings.count ? MG_WAIVER_APPLIED : MG_WAIVER_UNMATCHED;
  }
  return MG_OK;
}
