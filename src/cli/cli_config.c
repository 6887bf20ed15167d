/* See cli_config.h. */
#include "config.h"

#include "cli_config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "base/suggest.h"

/* Options that describe one package or one run, not a team's settings. */
static const char *const per_run[] = {"config",
                                      "no-config",
                                      "help",
                                      "keep-workspace",
                                      "model",
                                      "train-inputs",
                                      "train-labels",
                                      "reference-inputs",
                                      "reference-labels",
                                      "inputs",
                                      "scale",
                                      "mean",
                                      "std",
                                      "feature-layer",
                                      "model-signature",
                                      NULL};
/* Options whose value is a file or directory: relative to the file's. */
static const char *const path_keys[] = {
    "registry", "registry-key", "registry-sig",     "rules", "plugins", "waivers",
    "baseline", "model-key",    "model-cert-chain", NULL};
/* Options that may be given several times: a list or an object in the file. */
static const char *const list_keys[] = {"set", "limit", "stylesheet", NULL};

static int in(const char *const *list, const char *key) {
  for (; *list; list++)
    if (!strcmp(*list, key))
      return 1;
  return 0;
}

static int add(mg_cli_args *out, const char *key, const char *value, mg_err *err) {
  char **grown = realloc(out->owned, (out->n_owned + 1) * sizeof *grown);
  if (!grown)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  out->owned = grown;
  size_t n = strlen(key) + (value ? strlen(value) : 0) + 4;
  char *s = malloc(n);
  if (!s)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  snprintf(s, n, "--%s%s%s", key, value ? "=" : "", value ? value : "");
  out->owned[out->n_owned++] = s;
  return MG_OK;
}

/* A scalar as option text; paths of path keys made relative to dir. */
static int scalar_text(const char *path, const char *key, json_t *v, const char *dir, char *buf,
                       size_t len, mg_err *err) {
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    int rel = in(path_keys, key) && s[0] != '/' && strcmp(dir, ".");
    if ((size_t)snprintf(buf, len, "%s%s%s", rel ? dir : "", rel ? "/" : "", s) >= len)
      return mg_fail(err, MG_ERR_ARGS, "%s: \"%s\": value too long", path, key);
    return MG_OK;
  }
  if (json_is_integer(v)) {
    snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return MG_OK;
  }
  if (json_is_real(v)) {
    snprintf(buf, len, "%.17g", json_real_value(v));
    return MG_OK;
  }
  return mg_fail(err, MG_ERR_ARGS, "%s: \"%s\": expected a string or a number", path, key);
}

/* "set": {"strip.n": 16} or ["strip.n=16"]; "only": ["a", "b"] or "a,b". */
static int add_value(const char *path, const char *key, json_t *v, const char *dir,
                     mg_cli_args *out, mg_err *err) {
  char text[4096], item[4096];
  if (json_is_array(v) && in(list_keys, key)) {
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
      if (scalar_text(path, key, e, dir, text, sizeof text, err) || add(out, key, text, err))
        return err->code;
    }
    return MG_OK;
  }
  if (json_is_object(v) && in(list_keys, key)) {
    const char *k;
    json_t *e;
    json_object_foreach(v, k, e) {
      /* stylesheet {"html": FILE}: the FILE is a path of the file's */
      if (scalar_text(path, !strcmp(key, "stylesheet") ? "rules" : key, e, dir, item, sizeof item,
                      err))
        return err->code;
      if ((size_t)snprintf(text, sizeof text, "%s=%s", k, item) >= sizeof text)
        return mg_fail(err, MG_ERR_ARGS, "%s: \"%s\": value too long", path, key);
      if (add(out, key, text, err))
        return err->code;
    }
    return MG_OK;
  }
  if (json_is_array(v) && (!strcmp(key, "only") || !strcmp(key, "skip"))) {
    size_t i, used = 0;
    json_t *e;
    text[0] = '\0';
    json_array_foreach(v, i, e) {
      if (!json_is_string(e))
        return mg_fail(err, MG_ERR_ARGS, "%s: \"%s\": expected plugin names", path, key);
      int n = snprintf(text + used, sizeof text - used, "%s%s", i ? "," : "", json_string_value(e));
      if (n < 0 || (size_t)n >= sizeof text - used)
        return mg_fail(err, MG_ERR_ARGS, "%s: \"%s\": too long", path, key);
      used += (size_t)n;
    }
    return add(out, key, text, err);
  }
  if (scalar_text(path, key, v, dir, text, sizeof text, err))
    return err->code;
  return add(out, key, text, err);
}

int mg_cli_config_parse(const char *text, size_t len, const char *path, const char *dir,
                        const struct option *opts, mg_cli_args *out, mg_err *err) {
  json_error_t je;
  json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (!doc)
    return mg_fail(err, MG_ERR_ARGS, "%s:%d:%d: %s", path, je.line, je.column, je.text);
  int rc = MG_OK;
  if (!json_is_object(doc))
    rc = mg_fail(err, MG_ERR_ARGS, "%s: expected a JSON object of option names", path);
  size_t n_opts = 0;
  while (opts[n_opts].name)
    n_opts++;
  const char *key;
  json_t *v;
  json_object_foreach(rc ? NULL : doc, key, v) {
    const struct option *o = NULL;
    for (size_t i = 0; i < n_opts && !o; i++)
      if (!strcmp(opts[i].name, key) && !in(per_run, key))
        o = &opts[i];
    if (!o) {
      const char **names = calloc(n_opts + 1, sizeof *names);
      for (size_t i = 0; names && i < n_opts; i++)
        names[i] = in(per_run, opts[i].name) ? NULL : opts[i].name;
      rc = in(per_run, key)
               ? mg_fail(err, MG_ERR_ARGS, "%s: \"%s\" belongs on the command line, not here", path,
                         key)
               : mg_fail(err, MG_ERR_ARGS, "%s: unknown key \"%s\"%s", path, key,
                         names ? mg_suggest_text(key, strlen(key), names, n_opts) : "");
      free(names);
      break;
    }
    if (o->has_arg == no_argument) {
      if (!json_is_boolean(v))
        rc = mg_fail(err, MG_ERR_ARGS, "%s: \"%s\": expected true or false", path, key);
      else if (json_is_true(v))
        rc = add(out, key, NULL, err);
    } else if (json_is_null(v) || json_is_boolean(v)) {
      rc = mg_fail(err, MG_ERR_ARGS, "%s: \"%s\": expected a value", path, key);
    } else {
      rc = add_value(path, key, v, dir, out, err);
    }
    if (rc)
      break;
  }
  json_decref(doc);
  return rc;
}

/* --config FILE / --config=FILE / --no-config among the arguments; *none
 * is 1 for --no-config, 2 for --help (no file is read). */
static const char *config_arg(int argc, char **argv, int *none) {
  const char *file = NULL;
  *none = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--"))
      break;
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
      return *none = 2, NULL; /* --help works whatever a file says */
    if (!strcmp(argv[i], "--no-config"))
      *none = 1;
    else if (!strcmp(argv[i], "--config") && i + 1 < argc)
      file = argv[++i];
    else if (!strncmp(argv[i], "--config=", 9))
      file = argv[i] + 9;
  }
  return file;
}

static int read_file(const char *path, char **text, size_t *len, mg_err *err) {
  FILE *fp = fopen(path, "rb");
  struct stat st;
  int e = !fp ? errno : fstat(fileno(fp), &st) != 0 ? errno : S_ISREG(st.st_mode) ? 0 : EINVAL;
  if (e || !fp) {
    if (fp)
      fclose(fp);
    return mg_fail(err, MG_ERR_ARGS, "--config %s: %s", path,
                   e == EINVAL ? "not a regular file" : strerror(e));
  }
  if ((uint64_t)st.st_size > MG_CONFIG_MAX_BYTES) {
    fclose(fp);
    return mg_fail(err, MG_ERR_ARGS, "%s: larger than %u bytes", path, MG_CONFIG_MAX_BYTES);
  }
  *text = malloc((size_t)st.st_size + 1);
  *len = *text ? fread(*text, 1, (size_t)st.st_size, fp) : 0;
  int bad = !*text || ferror(fp);
  fclose(fp);
  if (bad)
    return mg_fail(err, MG_ERR_IO, "%s: cannot read it", path);
  return MG_OK;
}

int mg_cli_config_load(int argc, char **argv, const struct option *opts, mg_cli_args *out,
                       mg_err *err) {
  memset(out, 0, sizeof *out);
  out->argc = argc;
  out->argv = argv;
  int none;
  const char *file = config_arg(argc, argv, &none);
  struct stat st;
  if (!file && (none || stat(MG_CONFIG_DEFAULT, &st) != 0))
    return MG_OK;
  if (!file)
    file = MG_CONFIG_DEFAULT;
  char *text = NULL;
  size_t len = 0;
  int rc = read_file(file, &text, &len, err);
  const char *slash = strrchr(file, '/');
  char *dir = slash ? strndup(file, slash == file ? 1 : (size_t)(slash - file)) : strdup(".");
  out->path = strdup(file);
  if (!rc && (!dir || !out->path))
    rc = mg_fail(err, MG_ERR_NOMEM, "out of memory");
  if (!rc)
    rc = mg_cli_config_parse(text, len, file, dir, opts, out, err);
  free(text);
  free(dir);
  char **args = rc ? NULL : calloc((size_t)argc + out->n_owned + 1, sizeof *args);
  if (!rc && !args)
    rc = mg_fail(err, MG_ERR_NOMEM, "out of memory");
  if (rc)
    return rc;
  args[0] = argv[0];
  memcpy(args + 1, out->owned, out->n_owned * sizeof *args);
  memcpy(args + 1 + out->n_owned, argv + 1, (size_t)(argc - 1) * sizeof *args);
  out->argv = args;
  out->argc = argc + (int)out->n_owned;
  out->own_argv = 1;
  return MG_OK;
}

void mg_cli_args_free(mg_cli_args *a) {
  for (size_t i = 0; i < a->n_owned; i++)
    free(a->owned[i]);
  free(a->owned);
  if (a->own_argv)
    free(a->argv);
  free(a->path);
  memset(a, 0, sizeof *a);
}
