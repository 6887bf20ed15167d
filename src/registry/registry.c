/* Registry loading, validation, lookup and editing. */
#include "config.h"

#include "registry.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/atomic_file.h"

static const char *const kind_names[] = {"model", "dataset", "source", "package", "other"};

const char *mg_artifact_kind_name(mg_artifact_kind k) {
  return (unsigned)k <= MG_KIND_OTHER ? kind_names[k] : "other";
}

int mg_artifact_kind_parse(const char *s, mg_artifact_kind *out) {
  for (int i = 0; i <= MG_KIND_OTHER; i++)
    if (!strcmp(s, kind_names[i])) {
      *out = (mg_artifact_kind)i;
      return MG_OK;
    }
  return MG_ERR_ARGS;
}

void mg_registry_init(mg_registry *reg) {
  memset(reg, 0, sizeof *reg);
}

static void free_items(mg_registry *reg) {
  for (size_t i = 0; i < reg->count; i++)
    free(reg->items[i].trained_on);
  if (reg->is_sha256sum)
    for (size_t i = 0; i < reg->count; i++)
      free((char *)reg->items[i].name);
  free(reg->items);
  reg->items = NULL;
  reg->count = 0;
}

void mg_registry_free(mg_registry *reg) {
  free_items(reg);
  json_decref(reg->doc);
  free(reg->path);
  memset(reg, 0, sizeof *reg);
}

/* Copies a hex digest, lowercased; 0 when it is not 64 hex digits. */
static int take_digest(const char *s, char out[MG_SHA256_HEX]) {
  if (!s || strlen(s) != 64)
    return 0;
  for (int i = 0; i < 64; i++) {
    if (!isxdigit((unsigned char)s[i]))
      return 0;
    out[i] = (char)tolower((unsigned char)s[i]);
  }
  out[64] = '\0';
  return 1;
}

static int bad_entry(const mg_registry *reg, size_t i, const char *key, const char *problem,
                     mg_err *err) {
  return mg_fail(err, MG_ERR_FORMAT, "%s: artifacts[%zu].%s: %s", reg->path, i, key, problem);
}

static const char *opt_string(json_t *obj, const char *key, int *wrong) {
  json_t *v = json_object_get(obj, key);
  if (!v || json_is_null(v))
    return NULL;
  if (!json_is_string(v)) {
    *wrong = 1;
    return NULL;
  }
  return json_string_value(v);
}

static int parse_entry(mg_registry *reg, size_t i, json_t *e, mg_artifact *a, mg_err *err) {
  memset(a, 0, sizeof *a);
  if (!json_is_object(e))
    return mg_fail(err, MG_ERR_FORMAT, "%s: artifacts[%zu]: expected an object", reg->path, i);
  int wrong = 0;
  a->name = opt_string(e, "name", &wrong);
  if (wrong || !a->name || !*a->name)
    return bad_entry(reg, i, "name", "expected a non-empty string", err);
  if (!take_digest(opt_string(e, "sha256", &wrong), a->sha256))
    return bad_entry(reg, i, "sha256", "expected 64 hexadecimal digits", err);
  json_t *size = json_object_get(e, "size");
  if (size) {
    if (!json_is_integer(size) || json_integer_value(size) < 0)
      return bad_entry(reg, i, "size", "expected a non-negative integer", err);
    a->size = (uint64_t)json_integer_value(size);
    a->has_size = 1;
  }
  const char *kind = opt_string(e, "kind", &wrong);
  if (wrong || (kind && mg_artifact_kind_parse(kind, &a->kind)))
    return bad_entry(reg, i, "kind", "expected model, dataset, source, package or other", err);
  if (!kind)
    a->kind = MG_KIND_OTHER;
  const char *status = opt_string(e, "status", &wrong);
  if (wrong || (status && strcmp(status, "approved") && strcmp(status, "revoked")))
    return bad_entry(reg, i, "status", "expected \"approved\" or \"revoked\"", err);
  a->revoked = status && !strcmp(status, "revoked");
  a->origin = opt_string(e, "origin", &wrong);
  if (wrong)
    return bad_entry(reg, i, "origin", "expected a string", err);
  a->added = opt_string(e, "added", &wrong);
  if (wrong)
    return bad_entry(reg, i, "added", "expected a string", err);
  a->reason = opt_string(e, "reason", &wrong);
  if (wrong)
    return bad_entry(reg, i, "reason", "expected a string", err);
  a->package = opt_string(e, "package", &wrong);
  if (wrong || (a->package && !*a->package))
    return bad_entry(reg, i, "package", "expected the package's name", err);
  const char *parent = opt_string(e, "parent", &wrong);
  if (wrong || (parent && !take_digest(parent, a->parent)))
    return bad_entry(reg, i, "parent", "expected the parent model's 64-digit sha256", err);
  json_t *trained = json_object_get(e, "trained_on");
  if (trained) {
    if (!json_is_array(trained))
      return bad_entry(reg, i, "trained_on", "expected an array of sha256 digests", err);
    size_t n = json_array_size(trained);
    a->trained_on = calloc(n ? n : 1, sizeof *a->trained_on);
    if (!a->trained_on)
      return mg_fail(err, MG_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < n; k++)
      if (!take_digest(json_string_value(json_array_get(trained, k)), a->trained_on[k])) {
        free(a->trained_on);
        a->trained_on = NULL;
        return bad_entry(reg, i, "trained_on", "every item must be 64 hexadecimal digits", err);
      }
    a->n_trained_on = n;
  }
  return MG_OK;
}

/* Builds items[] from the JSON document (after load and after edits). */
static int index_doc(mg_registry *reg, mg_err *err) {
  free_items(reg);
  json_t *arts = json_object_get(reg->doc, "artifacts");
  if (!json_is_array(arts))
    return mg_fail(err, MG_ERR_FORMAT, "%s: \"artifacts\" must be an array", reg->path);
  size_t n = json_array_size(arts);
  reg->items = calloc(n ? n : 1, sizeof *reg->items);
  if (!reg->items)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    int rc = parse_entry(reg, i, json_array_get(arts, i), &reg->items[i], err);
    if (rc)
      return rc;
    reg->count = i + 1;
  }
  return MG_OK;
}

static int load_json(mg_registry *reg, const char *text, size_t len, mg_err *err) {
  json_error_t jerr;
  reg->doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!reg->doc)
    return mg_fail(err, MG_ERR_FORMAT, "%s:%d:%d: %s", reg->path, jerr.line, jerr.column,
                   jerr.text);
  if (!json_is_object(reg->doc))
    return mg_fail(err, MG_ERR_FORMAT, "%s: expected a JSON object", reg->path);
  json_t *fmt = json_object_get(reg->doc, "format");
  if (fmt && (!json_is_string(fmt) || strcmp(json_string_value(fmt), "modelgate-registry")))
    return mg_fail(err, MG_ERR_FORMAT, "%s: format: expected \"modelgate-registry\"", reg->path);
  json_t *ver = json_object_get(reg->doc, "version");
  if (ver && (!json_is_integer(ver) || json_integer_value(ver) != 1))
    return mg_fail(err, MG_ERR_UNSUPPORTED, "%s: version: only version 1 is understood", reg->path);
  return index_doc(reg, err);
}

/* "digest  name" or "digest *name" per line, as sha256sum writes. */
static int load_sha256sum(mg_registry *reg, char *text, mg_err *err) {
  size_t cap = 0;
  unsigned line = 0;
  for (char *s = text, *next; s && *s; s = next) {
    line++;
    next = strchr(s, '\n');
    if (next)
      *next++ = '\0';
    size_t n = strlen(s);
    if (n && s[n - 1] == '\r')
      s[--n] = '\0';
    if (!n || s[0] == '#')
      continue;
    mg_artifact a;
    memset(&a, 0, sizeof a);
    char digest[65];
    if (n < 67 || (memcpy(digest, s, 64), digest[64] = '\0', !take_digest(digest, a.sha256)) ||
        s[64] != ' ' || (s[65] != ' ' && s[65] != '*'))
      return mg_fail(err, MG_ERR_FORMAT,
                     "%s:%u: expected '<64 hex digits>  <name>' (sha256sum format)", reg->path,
                     line);
    const char *name = s + 66;
    while (name[0] == '.' && name[1] == '/')
      name += 2;
    if (!*name)
      return mg_fail(err, MG_ERR_FORMAT, "%s:%u: empty name", reg->path, line);
    if (reg->count == cap) {
      cap = cap ? cap * 2 : 16;
      mg_artifact *grown = realloc(reg->items, cap * sizeof *grown);
      if (!grown)
        return mg_fail(err, MG_ERR_NOMEM, "out of memory");
      reg->items = grown;
    }
    if (!(a.name = strdup(name)))
      return mg_fail(err, MG_ERR_NOMEM, "out of memory");
    a.kind = MG_KIND_OTHER;
    reg->items[reg->count++] = a;
  }
  return MG_OK;
}

int mg_registry_parse(mg_registry *reg, char *text, size_t len, mg_err *err) {
  if (memchr(text, '\0', len))
    return mg_fail(err, MG_ERR_FORMAT, "%s: contains NUL bytes (not a registry)", reg->path);
  const char *p = text;
  while (isspace((unsigned char)*p))
    p++;
  if (*p == '{')
    return load_json(reg, text, len, err);
  reg->is_sha256sum = 1;
  return load_sha256sum(reg, text, err);
}

int mg_registry_load(mg_registry *reg, const char *path, const mg_limits *lim, int create,
                     mg_err *err) {
  mg_registry_init(reg);
  if (!(reg->path = strdup(path)))
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  FILE *fp = fopen(path, "rb");
  if (!fp && errno == ENOENT && create) {
    reg->doc =
        json_pack("{s:s, s:i, s:[]}", "format", "modelgate-registry", "version", 1, "artifacts");
    return reg->doc ? MG_OK : mg_fail(err, MG_ERR_NOMEM, "out of memory");
  }
  if (!fp)
    return mg_fail(err, MG_ERR_IO, "%s: %s", path, strerror(errno));
  struct stat st;
  int rc = fstat(fileno(fp), &st) ? mg_fail(err, MG_ERR_IO, "%s: %s", path, strerror(errno))
           : !S_ISREG(st.st_mode)
               ? mg_fail(err, MG_ERR_IO, "%s: not a regular file", path)
               : mg_limit_check(lim, MG_LIMIT_REGISTRY_BYTES, (uint64_t)st.st_size, path, err);
  char *text = rc ? NULL : malloc((size_t)st.st_size + 1);
  if (!rc && !text)
    rc = mg_fail(err, MG_ERR_NOMEM, "out of memory");
  size_t len = 0;
  if (!rc) {
    len = fread(text, 1, (size_t)st.st_size, fp);
    if (len != (size_t)st.st_size)
      rc = mg_fail(err, MG_ERR_IO, "%s: short read", path);
    text[len] = '\0';
  }
  fclose(fp);
  if (!rc)
    rc = mg_registry_parse(reg, text, len, err);
  free(text);
  return rc;
}

const mg_artifact *mg_registry_by_digest(const mg_registry *reg, const char *sha256,
                                         const mg_artifact *from) {
  size_t i = from ? (size_t)(from - reg->items) + 1 : 0;
  for (; i < reg->count; i++)
    if (!strcmp(reg->items[i].sha256, sha256))
      return &reg->items[i];
  return NULL;
}

const mg_artifact *mg_registry_by_name(const mg_registry *reg, const char *name,
                                       const mg_artifact *from) {
  size_t i = from ? (size_t)(from - reg->items) + 1 : 0;
  for (; i < reg->count; i++)
    if (!strcmp(reg->items[i].name, name))
      return &reg->items[i];
  return NULL;
}

static int editable(const mg_registry *reg, mg_err *err) {
  if (reg->is_sha256sum || !reg->doc)
    return mg_fail(err, MG_ERR_UNSUPPORTED,
                   "%s: a sha256sum listing cannot be edited; use a JSON registry", reg->path);
  return MG_OK;
}

int mg_registry_add(mg_registry *reg, const mg_artifact_new *a, mg_err *err) {
  int rc = editable(reg, err);
  if (rc)
    return rc;
  char stamp[32];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  json_t *e = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "name", a->name, "sha256", a->sha256,
                        "size", (json_int_t)a->size, "kind", mg_artifact_kind_name(a->kind),
                        "added", stamp, "status", "approved");
  if (!e)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  if (a->origin)
    json_object_set_new(e, "origin", json_string(a->origin));
  if (a->trained_on && a->trained_on[0]) {
    json_t *list = json_array();
    for (const char *const *t = a->trained_on; *t; t++)
      json_array_append_new(list, json_string(*t));
    json_object_set_new(e, "trained_on", list);
  }
  if (a->parent)
    json_object_set_new(e, "parent", json_string(a->parent));
  if (a->package)
    json_object_set_new(e, "package", json_string(a->package));
  if (json_array_append_new(json_object_get(reg->doc, "artifacts"), e))
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  return index_doc(reg, err);
}

int mg_artifact_of_package(const mg_artifact *a, const char *package) {
  return !a->package || (package && !strcmp(a->package, package));
}

int mg_registry_revoke(mg_registry *reg, const char *key, const char *package, const char *reason,
                       size_t *revoked, mg_err *err) {
  int rc = editable(reg, err);
  if (rc)
    return rc;
  char digest[MG_SHA256_HEX];
  int by_digest = take_digest(key, digest);
  json_t *arts = json_object_get(reg->doc, "artifacts");
  *revoked = 0;
  for (size_t i = 0; i < reg->count; i++) {
    mg_artifact *a = &reg->items[i];
    if (by_digest ? strcmp(a->sha256, digest) : strcmp(a->name, key))
      continue;
    if (package && (!a->package || strcmp(a->package, package)))
      continue;
    json_t *e = json_array_get(arts, i);
    json_object_set_new(e, "status", json_string("revoked"));
    if (reason)
      json_object_set_new(e, "reason", json_string(reason));
    (*revoked)++;
  }
  if (!*revoked)
    return mg_fail(err, MG_ERR_NOT_FOUND, "%s: no artifact with %s '%s'%s%s%s", reg->path,
                   by_digest ? "digest" : "name", key, package ? " in package '" : "",
                   package ? package : "", package ? "'" : "");
  return index_doc(reg, err);
}

int mg_registry_save(const mg_registry *reg, mg_err *err) {
  int rc = editable(reg, err);
  if (rc)
    return rc;
  char *text = json_dumps(reg->doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  if (!text)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  size_t n = strlen(text);
  text[n] = '\n'; /* json_dumps leaves room for the NUL we overwrite */
  rc = mg_atomic_write(reg->path, text, n + 1, err);
  free(text);
  return rc;
}
