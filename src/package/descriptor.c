/* Strict parser for modelgate.json. Every message names the file and the
 * key path ("modelgate.json: input.std[1]: ..."). */
#include "config.h"

#include "descriptor.h"

#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "intake/path.h"

void mg_descriptor_init(mg_descriptor *d) {
  memset(d, 0, sizeof *d);
  mg_input_norm_default(&d->input);
}

void mg_descriptor_free(mg_descriptor *d) {
  free(d->source);
  free(d->text);
  free(d->name);
  free(d->model);
  for (size_t i = 0; i < d->n_classes; i++)
    free(d->classes[i]);
  free(d->classes);
  free(d->feature_layer);
  free(d->train.inputs);
  free(d->train.labels);
  free(d->reference.inputs);
  free(d->reference.labels);
  json_decref(d->provenance);
  json_decref(d->attestations);
  json_decref(d->training);
  for (size_t i = 0; i < d->n_unknown; i++)
    free(d->unknown_keys[i]);
  free(d->unknown_keys);
  mg_descriptor_init(d);
}

typedef struct parse_ctx {
  const char *source;
  const mg_limits *lim;
  mg_err *err;
} parse_ctx;

static int bad(parse_ctx *p, const char *key, const char *problem) {
  return mg_fail(p->err, MG_ERR_FORMAT, "%s: %s: %s", p->source, key, problem);
}

static int get_string(parse_ctx *p, json_t *v, const char *key, char **out) {
  if (!json_is_string(v))
    return bad(p, key, "expected a string");
  if (strlen(json_string_value(v)) != json_string_length(v))
    return bad(p, key, "string contains a NUL character");
  if (!(*out = strdup(json_string_value(v))))
    return mg_fail(p->err, MG_ERR_NOMEM, "out of memory");
  return MG_OK;
}

/* A path inside the package: same rules as archive entry names. */
static int get_path(parse_ctx *p, json_t *v, const char *key, char **out) {
  if (!json_is_string(v))
    return bad(p, key, "expected a path string");
  mg_err perr;
  mg_err_clear(&perr);
  if (mg_path_normalize(json_string_value(v), p->lim, key, out, &perr) ||
      strlen(json_string_value(v)) != json_string_length(v))
    return mg_fail(p->err, MG_ERR_FORMAT, "%s: %s", p->source,
                   perr.msg[0] ? perr.msg : "path contains a NUL character");
  return MG_OK;
}

static int get_dataset(parse_ctx *p, json_t *v, const char *key, mg_dataset_ref *ref) {
  if (!json_is_object(v))
    return bad(p, key, "expected an object {\"inputs\": path, \"labels\": path}");
  const char *k;
  json_t *item;
  char sub[128];
  json_object_foreach(v, k, item) {
    snprintf(sub, sizeof sub, "%s.%.60s", key, k);
    int rc;
    if (!strcmp(k, "inputs"))
      rc = get_path(p, item, sub, &ref->inputs);
    else if (!strcmp(k, "labels"))
      rc = get_path(p, item, sub, &ref->labels);
    else
      rc = bad(p, sub, "unknown key (expected inputs, labels)");
    if (rc)
      return rc;
  }
  if (!ref->inputs)
    return bad(p, key, "\"inputs\" is required");
  return MG_OK;
}

static int get_number(parse_ctx *p, json_t *v, const char *key, float *out) {
  if (!json_is_number(v))
    return bad(p, key, "expected a number");
  double x = json_number_value(v);
  if (!isfinite(x) || fabs(x) > 3.0e38)
    return bad(p, key, "number out of range");
  *out = (float)x;
  return MG_OK;
}

static int get_channels(parse_ctx *p, json_t *v, const char *key, float *values, uint32_t *n) {
  if (json_is_number(v)) {
    *n = 1;
    return get_number(p, v, key, values);
  }
  if (!json_is_array(v) || json_array_size(v) == 0)
    return bad(p, key, "expected a number or a non-empty array of numbers (one per channel)");
  if (json_array_size(v) > MG_MAX_CHANNELS)
    return bad(p, key, "more than 16 channels");
  size_t i;
  json_t *item;
  char sub[128];
  json_array_foreach(v, i, item) {
    snprintf(sub, sizeof sub, "%s[%zu]", key, i);
    int rc = get_number(p, item, sub, &values[i]);
    if (rc)
      return rc;
  }
  *n = (uint32_t)json_array_size(v);
  return MG_OK;
}

static int get_input(parse_ctx *p, json_t *v, mg_descriptor *d) {
  if (!json_is_object(v))
    return bad(p, "input", "expected an object {\"scale\", \"mean\", \"std\"}");
  const char *k;
  json_t *item;
  json_object_foreach(v, k, item) {
    int rc;
    if (!strcmp(k, "scale")) {
      rc = get_number(p, item, "input.scale", &d->input.scale);
      if (!rc && (d->input.scale <= 0.0f))
        rc = bad(p, "input.scale", "must be positive");
      d->input.has_scale = 1;
    } else if (!strcmp(k, "mean")) {
      rc = get_channels(p, item, "input.mean", d->input.mean, &d->input.n_mean);
    } else if (!strcmp(k, "std")) {
      rc = get_channels(p, item, "input.std", d->input.std, &d->input.n_std);
      for (uint32_t c = 0; !rc && c < d->input.n_std; c++)
        if (!(d->input.std[c] > 0.0f))
          rc = bad(p, "input.std", "every value must be positive");
    } else {
      char sub[128];
      snprintf(sub, sizeof sub, "input.%.60s", k);
      rc = bad(p, sub, "unknown key (expected scale, mean, std)");
    }
    if (rc)
      return rc;
  }
  if (d->input.n_mean > 1 && d->input.n_std > 1 && d->input.n_mean != d->input.n_std)
    return bad(p, "input", "mean and std have different channel counts");
  d->has_input = 1;
  return MG_OK;
}

static int get_classes(parse_ctx *p, json_t *v, mg_descriptor *d) {
  if (!json_is_array(v))
    return bad(p, "classes", "expected an array of strings");
  size_t n = json_array_size(v);
  int rc = mg_limit_check(p->lim, MG_LIMIT_CLASSES, n, p->source, p->err);
  if (rc)
    return rc;
  d->classes = calloc(n ? n : 1, sizeof *d->classes);
  if (!d->classes)
    return mg_fail(p->err, MG_ERR_NOMEM, "out of memory");
  size_t i;
  json_t *item;
  char sub[64];
  json_array_foreach(v, i, item) {
    snprintf(sub, sizeof sub, "classes[%zu]", i);
    rc = get_string(p, item, sub, &d->classes[i]);
    if (rc)
      return rc;
    d->n_classes = i + 1;
  }
  return MG_OK;
}

static int check_string_fields(parse_ctx *p, json_t *obj, const char *key,
                               const char *const *required, const char *const *optional) {
  const char *k;
  json_t *item;
  char sub[160];
  for (const char *const *r = required; *r; r++)
    if (!json_object_get(obj, *r)) {
      snprintf(sub, sizeof sub, "%s.%s", key, *r);
      return bad(p, sub, "missing");
    }
  json_object_foreach(obj, k, item) {
    snprintf(sub, sizeof sub, "%s.%.60s", key, k);
    int known = 0;
    for (const char *const *r = required; *r && !known; r++)
      known = !strcmp(*r, k);
    for (const char *const *o = optional; *o && !known; o++)
      known = !strcmp(*o, k);
    if (!known)
      return bad(p, sub, "unknown key");
    if (!json_is_string(item))
      return bad(p, sub, "expected a string");
  }
  return MG_OK;
}

static int get_provenance(parse_ctx *p, json_t *v, mg_descriptor *d) {
  if (!json_is_array(v))
    return bad(p, "provenance", "expected an array of {path, origin, sha256, collected}");
  static const char *const required[] = {"origin", "sha256", "collected", NULL};
  static const char *const optional[] = {"path", NULL};
  size_t i;
  json_t *item;
  char key[64];
  json_array_foreach(v, i, item) {
    snprintf(key, sizeof key, "provenance[%zu]", i);
    if (!json_is_object(item))
      return bad(p, key, "expected an object");
    int rc = check_string_fields(p, item, key, required, optional);
    if (rc)
      return rc;
    const char *digest = json_string_value(json_object_get(item, "sha256"));
    if (strlen(digest) != 64 || strspn(digest, "0123456789abcdefABCDEF") != 64) {
      snprintf(key, sizeof key, "provenance[%zu].sha256", i);
      return bad(p, key, "expected 64 hexadecimal digits");
    }
    json_t *path = json_object_get(item, "path");
    if (path) {
      char *normal = NULL;
      snprintf(key, sizeof key, "provenance[%zu].path", i);
      rc = get_path(p, path, key, &normal);
      free(normal);
      if (rc)
        return rc;
    }
  }
  d->provenance = json_incref(v);
  return MG_OK;
}

static int get_attestations(parse_ctx *p, json_t *v, mg_descriptor *d) {
  if (!json_is_object(v))
    return bad(p, "attestations", "expected an object keyed by control id (CTL-NN)");
  static const char *const required[] = {"by", "date", "statement", NULL};
  static const char *const optional[] = {NULL};
  regex_t re;
  if (regcomp(&re, "^CTL-[0-9][0-9]$", REG_EXTENDED | REG_NOSUB))
    return mg_fail(p->err, MG_ERR_INTERNAL, "regcomp failed");
  const char *k;
  json_t *item;
  char key[128];
  int rc = MG_OK;
  json_object_foreach(v, k, item) {
    snprintf(key, sizeof key, "attestations.%.60s", k);
    if (regexec(&re, k, 0, NULL, 0))
      rc = bad(p, key, "not a checklist control id (expected CTL-NN)");
    else if (!json_is_object(item))
      rc = bad(p, key, "expected an object {by, date, statement}");
    else
      rc = check_string_fields(p, item, key, required, optional);
    if (rc)
      break;
  }
  regfree(&re);
  if (!rc)
    d->attestations = json_incref(v);
  return rc;
}

static int add_unknown(parse_ctx *p, mg_descriptor *d, const char *key) {
  char **grown = realloc(d->unknown_keys, (d->n_unknown + 1) * sizeof *grown);
  if (!grown)
    return mg_fail(p->err, MG_ERR_NOMEM, "out of memory");
  d->unknown_keys = grown;
  if (!(d->unknown_keys[d->n_unknown] = strdup(key)))
    return mg_fail(p->err, MG_ERR_NOMEM, "out of memory");
  d->n_unknown++;
  return MG_OK;
}

int mg_descriptor_parse(mg_descriptor *d, const char *text, size_t len, const char *source,
                        const mg_limits *lim, mg_err *err) {
  parse_ctx p = {source, lim, err};
  int rc = mg_limit_check(lim, MG_LIMIT_DESCRIPTOR_BYTES, len, source, err);
  if (rc)
    return rc;
  json_error_t jerr;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!root)
    return mg_fail(err, MG_ERR_FORMAT, "%s:%d:%d: %s", source, jerr.line, jerr.column, jerr.text);
  if (!json_is_object(root)) {
    json_decref(root);
    return mg_fail(err, MG_ERR_FORMAT, "%s: expected a JSON object at the top level", source);
  }
  d->present = 1;
  d->source = strdup(source);
  d->text = malloc(len + 1);
  if (!d->source || !d->text) {
    json_decref(root);
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  }
  memcpy(d->text, text, len);
  d->text[len] = '\0';

  const char *k;
  json_t *v;
  json_object_foreach(root, k, v) {
    if (!strcmp(k, "name"))
      rc = get_string(&p, v, "name", &d->name);
    else if (!strcmp(k, "model"))
      rc = get_path(&p, v, "model", &d->model);
    else if (!strcmp(k, "classes"))
      rc = get_classes(&p, v, d);
    else if (!strcmp(k, "input"))
      rc = get_input(&p, v, d);
    else if (!strcmp(k, "feature_layer"))
      rc = get_string(&p, v, "feature_layer", &d->feature_layer);
    else if (!strcmp(k, "train"))
      rc = get_dataset(&p, v, "train", &d->train);
    else if (!strcmp(k, "reference"))
      rc = get_dataset(&p, v, "reference", &d->reference);
    else if (!strcmp(k, "provenance"))
      rc = get_provenance(&p, v, d);
    else if (!strcmp(k, "attestations"))
      rc = get_attestations(&p, v, d);
    else if (!strcmp(k, "training")) {
      if (json_is_object(v))
        d->training = json_incref(v);
      else
        rc = bad(&p, "training", "expected an object");
    } else
      rc = add_unknown(&p, d, k);
    if (rc)
      break;
  }
  json_decref(root);
  return rc;
}

int mg_descriptor_load_file(mg_descriptor *d, const char *path, const mg_limits *lim, mg_err *err) {
  FILE *f = fopen(path, "rb");
  struct stat st;
  if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    if (f)
      fclose(f);
    return mg_fail(err, MG_ERR_NOT_FOUND, "%s: cannot read the descriptor", path);
  }
  int rc = mg_limit_check(lim, MG_LIMIT_DESCRIPTOR_BYTES, (uint64_t)st.st_size, path, err);
  char *text = rc ? NULL : malloc((size_t)st.st_size + 1);
  size_t got = text ? fread(text, 1, (size_t)st.st_size, f) : 0;
  fclose(f);
  if (!rc && !text)
    rc = mg_fail(err, MG_ERR_NOMEM, "out of memory");
  else if (!rc && got != (size_t)st.st_size)
    rc = mg_fail(err, MG_ERR_IO, "%s: short read", path);
  if (!rc)
    rc = mg_descriptor_parse(d, text, got, path, lim, err);
  free(text);
  return rc;
}
