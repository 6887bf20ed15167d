/* Keras serialization (keras/src/saving/serialization_lib.py): every object
 * is {"module", "class_name", "config", "registered_name"}; loading imports
 * `module` and takes `class_name` from it, or looks `registered_name` up
 * among registered custom objects. Keras 3's safe_mode only refuses
 * `__lambda__` bytecode; any importable module.class_name is still
 * instantiated, which is how CVE-2025-1550 ran code, and a function inside
 * Keras itself (keras.utils.get_file) how CVE-2025-8747 got past the fix.
 * Keras 2 (.h5) Lambda layers carry marshalled bytecode in
 * config.function and ran it whatever safe_mode said (CVE-2024-3660). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "keras_config.h"

#define CVE_LAMBDA "CVE-2024-3660"
#define CVE_MODULE "CVE-2025-1550"

typedef struct walk {
  const mf_rules *rules;
  mf_list *out;
  unsigned depth;
} walk;

static const char *str(json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

/* "layer 'name' (Class)" for the construct. */
static void label(json_t *o, const char *cls, char *buf, size_t size) {
  json_t *cfg = json_object_get(o, "config");
  const char *name = json_is_object(cfg) ? str(cfg, "name") : NULL;
  char *qn = name ? mf_quote(name, strlen(name), 80) : NULL;
  char *qc = mf_quote(cls, strlen(cls), 80);
  if (qn)
    snprintf(buf, size, "%s '%s'", qc ? qc : "?", qn);
  else
    snprintf(buf, size, "%s", qc ? qc : "?");
  free(qn);
  free(qc);
}

/* A Lambda's function: Keras 3 {"class_name": "__lambda__", "config":
 * {"code": base64 marshal}}; Keras 2 [base64 marshal, defaults, closure]
 * with function_type "lambda", or a "module.function" string. */
static const char *lambda_kind(json_t *cfg) {
  json_t *fn = json_is_object(cfg) ? json_object_get(cfg, "function") : NULL;
  const char *type = json_is_object(cfg) ? str(cfg, "function_type") : NULL;
  if (json_is_object(fn) && str(fn, "class_name") && !strcmp(str(fn, "class_name"), "__lambda__"))
    return "marshalled Python bytecode (Keras 3 __lambda__)";
  if (json_is_array(fn) || (type && !strcmp(type, "lambda")))
    return "marshalled Python bytecode (Keras 2 function_type lambda)";
  if (json_is_string(fn) || json_is_object(fn))
    return "a function named by reference";
  return "a function";
}

static void check_target(walk *w, json_t *o, const char *cls, const char *module) {
  char target[1024], what[300];
  snprintf(target, sizeof target, "%s.%s", module, cls);
  label(o, cls, what, sizeof what);
  const mf_rule *r = mf_rules_classify(w->rules, target, strlen(target));
  char *qt = mf_quote(target, strlen(target), 200);
  if (r && r->cls == MF_ALLOW) {
    free(qt);
    return;
  }
  if (r && r->cls == MF_DENY)
    mf_add(w->out, (mg_severity)r->severity, MF_CODE, "keras.denied-object",
           r->cve ? r->cve : CVE_MODULE, -1, what,
           "The configuration makes Keras import %s (%s) when the model is loaded; safe_mode "
           "does not stop module/class_name imports.",
           qt ? qt : "?", r->why);
  else if (r)
    mf_add(w->out, (mg_severity)r->severity, MF_SUSPICIOUS, "keras.review-object", r->cve, -1, what,
           "The configuration imports %s (%s).", qt ? qt : "?", r->why);
  else
    mf_add(w->out,
           w->rules && w->rules->unknown_severity >= 0 ? (mg_severity)w->rules->unknown_severity
                                                       : MG_SEV_HIGH,
           MF_CODE, "keras.foreign-module", CVE_MODULE, -1, what,
           "The configuration makes Keras import %s, outside Keras: whatever that module runs on "
           "import or construction runs when the model is loaded, safe_mode or not.",
           qt ? qt : "?");
  free(qt);
}

static void visit(walk *w, json_t *v);

static void visit_object(walk *w, json_t *o) {
  const char *cls = str(o, "class_name");
  if (cls) {
    const char *module = str(o, "module"), *reg = str(o, "registered_name");
    char what[300];
    label(o, cls, what, sizeof what);
    if (!strcmp(cls, "Lambda")) {
      json_t *cfg = json_object_get(o, "config");
      const char *kind = lambda_kind(cfg);
      int code = strstr(kind, "bytecode") != NULL;
      mf_add(w->out, code ? MG_SEV_CRITICAL : MG_SEV_HIGH, MF_CODE, "keras.lambda-layer",
             CVE_LAMBDA, -1, what,
             "A Lambda layer carrying %s: Keras runs it when the model is loaded or called%s.",
             kind,
             code ? "; Keras 2 ignored safe_mode for it and Keras 3 runs it with "
                    "safe_mode=False"
                  : "");
    } else if (!strcmp(cls, "__lambda__")) {
      mf_add(w->out, MG_SEV_CRITICAL, MF_CODE, "keras.lambda-bytecode", CVE_LAMBDA, -1, what,
             "Marshalled Python bytecode (__lambda__), run when the object is deserialized "
             "with safe_mode=False.");
    } else if (!strcmp(cls, "TFOpLambda") || !strcmp(cls, "SlicingOpLambda")) {
      json_t *cfg = json_object_get(o, "config");
      const char *fn = json_is_object(cfg) ? str(cfg, "function") : NULL;
      char *q = fn ? mf_quote(fn, strlen(fn), 100) : NULL;
      mf_add(w->out, MG_SEV_LOW, MF_SUSPICIOUS, "keras.tf-op-lambda", NULL, -1, what,
             "A layer calling the TensorFlow function %s by name.", q ? q : "?");
      free(q);
    }
    if (module && *module)
      check_target(w, o, cls, module);
    if (reg && strcmp(reg, cls) && strchr(reg, '>')) {
      /* register_keras_serializable names: "package>Class". */
      const mf_rule *r = mf_rules_classify(w->rules, reg, strlen(reg));
      if (!r || r->cls != MF_ALLOW) {
        char *q = mf_quote(reg, strlen(reg), 200);
        mf_add(w->out, MG_SEV_MEDIUM, MF_SUSPICIOUS, "keras.custom-object", NULL, -1, what,
               "The object is registered custom code (%s): loading needs that package's code, "
               "which runs with the loader's rights; check where it comes from.",
               q ? q : "?");
        free(q);
      }
    }
  }
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) visit(w, v);
}

static void visit(walk *w, json_t *v) {
  if (w->out->nomem || ++w->depth > 512) {
    w->depth--;
    return;
  }
  if (json_is_object(v)) {
    visit_object(w, v);
  } else if (json_is_array(v)) {
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) visit(w, e);
  }
  w->depth--;
}

void keras_config_check(const char *json, size_t n, const mf_rules *rules, mf_list *out) {
  if (n > KERAS_MAX_CONFIG) {
    mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "keras.config", NULL, -1, "model configuration",
           "The configuration has %zu bytes, above the %u this scanner reads.", n,
           KERAS_MAX_CONFIG);
    return;
  }
  json_error_t err;
  json_t *root = json_loadb(json, n, JSON_REJECT_DUPLICATES, &err);
  if (!root) {
    mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "keras.config", NULL, (int64_t)err.position,
           "model configuration", "The configuration is not JSON Keras would accept: %s.",
           err.text);
    return;
  }
  walk w = {rules, out, 0};
  visit(&w, root);
  json_decref(root);
}
