/* ONNX audit JSON to issues (see oi_audit.h). Severities: external data
 * that leaves the package (absolute, '..', symlink, not a regular file) is
 * critical, missing or out-of-range data high, inconsistent initializer
 * sizes high, custom domains, shadowed initializers and absurd dimensions
 * medium, unsupported operators info. */
#include "config.h"

#include "oi_audit.h"

#include "printable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modelgate/error.h>
#include <modelgate/plugin.h>

typedef struct ctx {
  const char *path;
  oi_emit_fn emit;
  void *user;
  int rc;
} ctx;

/* The first of several names the audit may use for a key. */
static json_t *get(json_t *o, const char *a, const char *b, const char *c) {
  json_t *v = json_object_get(o, a);
  if (!v && b)
    v = json_object_get(o, b);
  if (!v && c)
    v = json_object_get(o, c);
  return v;
}

static const char *str(json_t *o, const char *a, const char *b, const char *c) {
  json_t *v = get(o, a, b, c);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

static void issue(ctx *c, int sev, const char *rule, int atlas, json_t *ev, const char *loc,
                  const char *title, const char *msg) {
  if (c->rc)
    return;
  oi_issue is;
  memset(&is, 0, sizeof is);
  is.severity = sev;
  is.rule = rule;
  is.atlas = atlas;
  snprintf(is.title, sizeof is.title, "%s", title);
  snprintf(is.message, sizeof is.message, "%s", msg);
  snprintf(is.location, sizeof is.location, "%s", loc ? loc : "");
  char *evs = ev ? json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  is.evidence = evs;
  c->rc = c->emit(c->user, &is);
  free(evs);
}

static void external_data(ctx *c, json_t *list) {
  size_t i;
  json_t *e;
  json_array_foreach(list, i, e) {
    const char *status = str(e, "status", NULL, NULL);
    if (!status || !strcmp(status, "ok"))
      continue;
    char tensor[300], where[600];
    printable_ascii_into(tensor, sizeof tensor, str(e, "tensor", "name", "initializer"));
    printable_ascii_into(where, sizeof where, str(e, "location", "path", "file"));
    int sev;
    const char *rule, *why;
    if (!strcmp(status, "absolute") || !strcmp(status, "escapes") || !strcmp(status, "symlink") ||
        !strcmp(status, "not-regular")) {
      sev = MG_SEV_CRITICAL;
      rule = "onnx.external-data-escape";
      why = !strcmp(status, "absolute")  ? "is an absolute path"
            : !strcmp(status, "escapes") ? "leaves the package with '..'"
            : !strcmp(status, "symlink") ? "goes through a symbolic link"
                                         : "is not a regular file";
    } else if (!strcmp(status, "missing")) {
      sev = MG_SEV_HIGH;
      rule = "onnx.external-data-missing";
      why = "does not exist in the package";
    } else if (!strcmp(status, "out-of-range")) {
      sev = MG_SEV_HIGH;
      rule = "onnx.external-data-range";
      why = "names bytes beyond the end of the file";
    } else {
      sev = MG_SEV_HIGH;
      rule = "onnx.external-data-invalid";
      why = "is not a valid reference";
    }
    char title[600], msg[1600], loc[400];
    snprintf(title, sizeof title, "External data of '%s' %s", tensor, why);
    snprintf(msg, sizeof msg,
             "%s: initializer '%s' takes its bytes from '%s', which %s (%s). A model that reads "
             "files outside its package can leak or load whatever the loading host has there.",
             c->path, tensor, where, why, status);
    snprintf(loc, sizeof loc, "initializer %s", tensor);
    issue(c, sev, rule, sev == MG_SEV_CRITICAL ? OI_ATLAS_ESCAPE : OI_ATLAS_CORRUPT, e, loc, title,
          msg);
  }
}

/* Each element: a string or an object with a name under one of the keys. */
static const char *item_name(json_t *it, const char *a, const char *b, const char *c) {
  return json_is_string(it) ? json_string_value(it) : str(it, a, b, c);
}

static void custom_domains(ctx *c, json_t *list) {
  size_t i;
  json_t *d;
  json_array_foreach(list, i, d) {
    char name[300], title[600], msg[1600];
    printable_ascii_into(name, sizeof name, item_name(d, "domain", "name", NULL));
    snprintf(title, sizeof title, "Custom operator domain '%s'", name);
    snprintf(msg, sizeof msg,
             "%s uses operators from domain '%s', outside the standard ONNX domains: they run "
             "code supplied by whatever runtime provides that domain, not ONNX's specified "
             "semantics.",
             c->path, name);
    json_t *ev = json_is_object(d) ? json_incref(d) : json_pack("{s:s}", "domain", name);
    issue(c, MG_SEV_MEDIUM, "onnx.custom-domain", OI_ATLAS_ARCH, ev, NULL, title, msg);
    json_decref(ev);
  }
}

static void unsupported(ctx *c, json_t *list) {
  size_t i;
  json_t *o;
  json_array_foreach(list, i, o) {
    char name[300], dom[200], title[600], msg[1600];
    printable_ascii_into(name, sizeof name, item_name(o, "op", "op_type", "name"));
    printable_ascii_into(dom, sizeof dom, json_is_object(o) ? str(o, "domain", NULL, NULL) : NULL);
    snprintf(title, sizeof title, "Operator %s%s%s is not supported by the built-in runtime", dom,
             dom[0] ? "::" : "", name);
    snprintf(msg, sizeof msg,
             "%s uses %s%s%s, which modelgate's runtime does not implement: the detectors that "
             "run the model cannot evaluate it.",
             c->path, dom, dom[0] ? "::" : "", name);
    json_t *ev = json_is_object(o) ? json_incref(o) : json_pack("{s:s}", "op", name);
    issue(c, MG_SEV_INFO, "onnx.unsupported-op", OI_ATLAS_ARCH, ev, NULL, title, msg);
    json_decref(ev);
  }
}

static void shadowed(ctx *c, json_t *list) {
  size_t i;
  json_t *o;
  json_array_foreach(list, i, o) {
    char name[300], title[600], msg[1600], loc[400];
    printable_ascii_into(name, sizeof name, item_name(o, "name", "input", "tensor"));
    snprintf(title, sizeof title, "Graph input '%s' shadows an initializer", name);
    snprintf(msg, sizeof msg,
             "%s declares '%s' both as a graph input and as an initializer: a caller can replace "
             "those weights at inference time, and runtimes disagree on which one wins.",
             c->path, name);
    snprintf(loc, sizeof loc, "input %s", name);
    json_t *ev = json_is_object(o) ? json_incref(o) : json_pack("{s:s}", "input", name);
    issue(c, MG_SEV_MEDIUM, "onnx.shadowed-initializer", OI_ATLAS_ARCH, ev, loc, title, msg);
    json_decref(ev);
  }
}

static void sizes(ctx *c, json_t *list, int absurd) {
  size_t i;
  json_t *o;
  json_array_foreach(list, i, o) {
    char name[300], title[600], msg[1600], loc[400], detail[400] = "";
    printable_ascii_into(name, sizeof name, item_name(o, "name", "tensor", "initializer"));
    const char *why = json_is_object(o) ? str(o, "reason", "problem", "message") : NULL;
    if (why)
      printable_ascii_into(detail, sizeof detail, why);
    else if (json_is_integer(json_object_get(o, "expected_bytes")))
      snprintf(detail, sizeof detail, "%lld bytes where %lld are expected",
               (long long)json_integer_value(json_object_get(o, "actual_bytes")),
               (long long)json_integer_value(json_object_get(o, "expected_bytes")));
    if (absurd) {
      snprintf(title, sizeof title, "Absurd declared dimensions on '%s'", name);
      snprintf(msg, sizeof msg,
               "%s: tensor '%s' declares dimensions no real classifier has%s%s: a way to make "
               "loaders allocate without bound or to break tools that trust the shape.",
               c->path, name, detail[0] ? ": " : "", detail);
    } else {
      snprintf(title, sizeof title, "Initializer '%s' size disagrees with its shape", name);
      snprintf(msg, sizeof msg,
               "%s: initializer '%s' holds a different number of bytes than its dims and type "
               "imply%s%s; runtimes read such a tensor differently (truncate, pad or refuse).",
               c->path, name, detail[0] ? ": " : "", detail);
    }
    snprintf(loc, sizeof loc, "tensor %s", name);
    json_t *ev = json_is_object(o) ? json_incref(o) : json_pack("{s:s}", "tensor", name);
    issue(c, absurd ? MG_SEV_MEDIUM : MG_SEV_HIGH,
          absurd ? "onnx.absurd-dims" : "onnx.initializer-size", OI_ATLAS_CORRUPT, ev, loc, title,
          msg);
    json_decref(ev);
  }
}

static json_t *summary_of(json_t *root, const char *path) {
  json_t *s = json_pack("{s:s}", "path", path);
  static const char *const keys[] = {
      "producer", "producer_name", "producer_version", "ir_version", "model_version",  "domain",
      "opset",    "opsets",        "opset_import",     "metadata",   "metadata_props", "graph_name",
      "ops",      "nodes",         "initializers",     "loaded",     "usable",         NULL};
  for (int i = 0; keys[i]; i++) {
    json_t *v = json_object_get(root, keys[i]);
    if (v)
      json_object_set(s, keys[i], v);
  }
  return s;
}

int oi_audit_findings(const char *audit_json, const char *path, oi_emit_fn emit, void *user,
                      json_t **summary, char *err, size_t err_size) {
  *summary = NULL;
  json_error_t je;
  json_t *root = json_loads(audit_json, 0, &je);
  if (!root || !json_is_object(root)) {
    snprintf(err, err_size, "%s", root ? "not a JSON object" : je.text);
    json_decref(root);
    return MG_ERR_FORMAT;
  }
  ctx c = {path, emit, user, 0};
  external_data(&c, get(root, "external_data", "external", NULL));
  custom_domains(&c, get(root, "custom_domains", "domains_custom", NULL));
  unsupported(&c, get(root, "unsupported_ops", "unsupported", NULL));
  shadowed(&c, get(root, "shadowed_inputs", "shadowed", NULL));
  sizes(&c, get(root, "initializer_mismatches", "size_mismatches", "initializer_size_mismatches"),
        0);
  sizes(&c, get(root, "absurd_dims", "absurd_shapes", "absurd_dimensions"), 1);
  json_t *le = get(root, "load_error", "errors", "error");
  if (json_is_array(le))
    le = json_array_get(le, 0);
  const char *text = json_is_string(le) ? json_string_value(le) : str(le, "message", NULL, NULL);
  if (text) {
    char t[600], code[100], title[700], msg[1600];
    /* The runtime names the workspace copy; the artifact path is enough. */
    const char *at = strstr(text, path);
    if (at && at[strlen(path)] == ':' && at[strlen(path) + 1] == ' ')
      text = at + strlen(path) + 2;
    printable_ascii_into(t, sizeof t, text);
    printable_ascii_into(code, sizeof code, str(le, "code", NULL, NULL));
    snprintf(title, sizeof title, "ONNX model does not load: %s", t);
    snprintf(msg, sizeof msg,
             "%s: the runtime refused the model (%s%s%s). Nothing that needs to run the model "
             "can vouch for it.",
             path, code, code[0] ? ": " : "", t);
    json_t *ev = json_pack("{s:O}", "load_error", le);
    issue(&c, MG_SEV_HIGH, "onnx.load-error", OI_ATLAS_CORRUPT, ev, NULL, title, msg);
    json_decref(ev);
  }
  if (json_is_true(json_object_get(root, "outside_root"))) {
    char title[700], msg[1600];
    snprintf(title, sizeof title, "ONNX model lies outside the package");
    snprintf(msg, sizeof msg,
             "%s resolves outside the package root: whatever is loaded is not what was "
             "shipped and scanned.",
             path);
    issue(&c, MG_SEV_CRITICAL, "onnx.outside-root", OI_ATLAS_ESCAPE, NULL, NULL, title, msg);
  }
  /* Parts the runtime skips: their content is not checked by anything. */
  json_int_t skipped = 0;
  static const char *const parts[] = {"sparse_initializers", "functions", "training_info", NULL};
  for (int i = 0; parts[i]; i++)
    skipped += json_integer_value(json_object_get(root, parts[i]));
  if (skipped > 0) {
    char title[700], msg[1600];
    snprintf(title, sizeof title, "ONNX model has parts the runtime does not read");
    snprintf(msg, sizeof msg,
             "%s has %lld sparse initializer(s), local function(s) or training-info graph(s); "
             "the built-in runtime ignores them, so nothing here vouches for their content.",
             path, (long long)skipped);
    json_t *ev = json_pack("{s:O?, s:O?, s:O?}", "sparse_initializers",
                           json_object_get(root, "sparse_initializers"), "functions",
                           json_object_get(root, "functions"), "training_info",
                           json_object_get(root, "training_info"));
    issue(&c, MG_SEV_INFO, "onnx.unread-parts", OI_ATLAS_ARCH, ev, NULL, title, msg);
    json_decref(ev);
  }
  *summary = summary_of(root, path);
  json_decref(root);
  return c.rc;
}
