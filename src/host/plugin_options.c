/* See plugin_options.h. */
#include "config.h"

#include "plugin_options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/suggest.h"

#define MG_OPTIONS_MAX 64

static int valid_key(const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (!n || n > 64)
    return 0;
  for (const char *c = s; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
      return 0;
  return 1;
}

static int valid_help(const char *s) {
  size_t n = 0;
  for (; s && s[n]; n++)
    if (n >= 300 || (unsigned char)s[n] < 0x20 || s[n] == 0x7f)
      return 0;
  return n > 0;
}

const char *mg_plugin_options_invalid(const mg_plugin_option *t, char *why, size_t len) {
  size_t i = 0;
  for (; t && t[i].key; i++) {
    const mg_plugin_option *o = &t[i];
    const char *bad = NULL;
    double def;
    char text[64];
    snprintf(text, sizeof text, "%.17g", o->def);
    if (i >= MG_OPTIONS_MAX)
      bad = "more than 64 options";
    else if (!valid_key(o->key))
      bad = "key must be 1-64 characters of [a-z0-9_-]";
    else if (o->type < MG_OPTION_NUMBER || o->type > MG_OPTION_STRING)
      bad = "unknown type";
    else if (!valid_help(o->help))
      bad = "help must be one printable line";
    else if (o->type != MG_OPTION_STRING && o->type != MG_OPTION_BOOL && !(o->min <= o->max))
      bad = "min is above max";
    else if (o->type != MG_OPTION_STRING && o->type != MG_OPTION_SIZE &&
             mg_option_parse(o, text, &def))
      bad = "the default is outside its own range";
    for (size_t j = 0; !bad && j < i; j++)
      if (!strcmp(t[j].key, o->key))
        bad = "key declared twice";
    if (bad) {
      snprintf(why, len, "option table entry %zu (%.64s): %s", i + 1,
               valid_key(o->key) ? o->key : "?", bad);
      return why;
    }
  }
  return NULL;
}

void mg_option_expected(const mg_plugin_option *o, char *buf, size_t len) {
  switch (o->type) {
  case MG_OPTION_INTEGER:
    snprintf(buf, len, "a whole number in [%.15g, %.15g]", o->min, o->max);
    break;
  case MG_OPTION_SIZE:
    if (o->max >= 1.8e19) /* UINT64_MAX: no upper bound worth printing */
      snprintf(buf, len, "a size in bytes (K, M, G suffixes), at least %.15g", o->min);
    else
      snprintf(buf, len, "a size in bytes (K, M, G suffixes) in [%.15g, %.15g]", o->min, o->max);
    break;
  case MG_OPTION_BOOL:
    snprintf(buf, len, "0 or 1");
    break;
  case MG_OPTION_STRING:
    snprintf(buf, len, "text");
    break;
  default:
    snprintf(buf, len, "a number in [%.15g, %.15g]", o->min, o->max);
  }
}

void mg_option_default(const mg_plugin_option *o, char *buf, size_t len) {
  static const char suffix[] = "KMG";
  if (o->type == MG_OPTION_STRING) {
    snprintf(buf, len, "-");
    return;
  }
  double v = o->def;
  int s = -1;
  while (o->type == MG_OPTION_SIZE && s < 2 && v >= 1024 &&
         v == 1024 * (double)(long long)(v / 1024))
    v /= 1024, s++;
  snprintf(buf, len, "%.15g%.*s", v, s >= 0, s >= 0 ? suffix + s : "");
}

/* The names a plugin may go by: loaded plugins and refused files. */
static const char **plugin_names(const mg_plugin_set *set, char (*refused)[256], size_t *n) {
  const char **names = calloc(set->count + set->n_refused + 1, sizeof *names);
  if (!names)
    return NULL;
  size_t k = 0;
  for (size_t i = 0; i < set->count; i++)
    names[k++] = set->items[i].desc->name;
  for (size_t i = 0; i < set->n_refused && refused; i++) {
    mg_plugin_refused_name(set->refused[i].path, refused[i], sizeof refused[i]);
    names[k++] = refused[i];
  }
  *n = k;
  return names;
}

/* 1 when name[0..len) is a plugin of set; else fills err with a suggestion. */
static int known_plugin(const mg_plugin_set *set, const char *name, size_t len, const char *what,
                        mg_err *err) {
  char(*refused)[256] = calloc(set->n_refused + 1, sizeof *refused);
  size_t n = 0;
  const char **names = refused ? plugin_names(set, refused, &n) : NULL;
  int known = 0;
  for (size_t i = 0; names && i < n; i++)
    known |= strlen(names[i]) == len && !strncmp(names[i], name, len);
  if (!names)
    mg_fail(err, MG_ERR_NOMEM, "out of memory");
  else if (!known)
    mg_fail(err, MG_ERR_ARGS, "%s: no plugin named '%.*s' in %s%s", what, (int)len, name, set->dir,
            mg_suggest_text(name, len, names, n));
  free(names);
  free(refused);
  return known;
}

int mg_plugins_check_names(const mg_plugin_set *set, const char *list, const char *flag,
                           mg_err *err) {
  for (const char *p = list; p && *p;) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    int all = len == 3 && !strncmp(p, "all", 3);
    if (!all && !known_plugin(set, p, len, flag, err))
      return err && err->code ? err->code : MG_ERR_ARGS;
    p += len + (comma ? 1 : 0);
  }
  return MG_OK;
}

/* One --set NAME.KEY=VALUE against the plugin's table. */
static int check_set(const mg_plugin_set *set, const char *s, mg_err *err) {
  const char *dot = strchr(s, '.'), *eq = strchr(s, '=');
  if (!dot || !eq || eq < dot)
    return mg_fail(err, MG_ERR_ARGS, "--set %s: expected NAME.KEY=VALUE", s);
  char what[300];
  snprintf(what, sizeof what, "--set %.250s", s);
  if (!known_plugin(set, s, (size_t)(dot - s), what, err))
    return err && err->code ? err->code : MG_ERR_ARGS;
  char name[80];
  snprintf(name, sizeof name, "%.*s", (int)(dot - s) < 79 ? (int)(dot - s) : 79, s);
  const mg_loaded_plugin *lp = mg_plugins_find(set, name);
  const mg_plugin_option *t = lp ? lp->options : NULL;
  if (!t)
    return MG_OK; /* refused, or no table: the plugin checks at run time (ABI 1.1) */
  const char *key = dot + 1;
  size_t kl = (size_t)(eq - key), n = 0;
  while (t[n].key)
    n++;
  for (size_t i = 0; i < n; i++) {
    if (strlen(t[i].key) != kl || strncmp(t[i].key, key, kl))
      continue;
    double v;
    if (!mg_option_parse(&t[i], eq + 1, &v))
      return MG_OK;
    char exp[160];
    mg_option_expected(&t[i], exp, sizeof exp);
    return mg_fail(err, MG_ERR_ARGS, "--set %.250s: expected %s", s, exp);
  }
  const char **keys = calloc(n + 1, sizeof *keys);
  if (!keys)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    keys[i] = t[i].key;
  if (!n)
    mg_fail(err, MG_ERR_ARGS, "--set %.250s: plugin %s takes no options", s, name);
  else
    mg_fail(err, MG_ERR_ARGS, "--set %.250s: plugin %s has no option '%.*s'%s", s, name, (int)kl,
            key,
            mg_suggest(key, kl, keys, n) ? mg_suggest_text(key, kl, keys, n)
                                         : " (modelgate plugins lists its options)");
  free(keys);
  return MG_ERR_ARGS;
}

int mg_plugins_check_sets(const mg_plugin_set *set, const char *const *sets, mg_err *err) {
  for (const char *const *s = sets; s && *s; s++) {
    int rc = check_set(set, *s, err);
    if (rc)
      return rc;
  }
  return MG_OK;
}
