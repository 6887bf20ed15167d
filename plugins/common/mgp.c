/* See mgp.h. */
#include "config.h"

#include "mgp.h"

#include <stdlib.h>
#include <string.h>

mg_finding mgp_finding(mg_severity severity, const char *rule, const char *title,
                       const char *message) {
  mg_finding f = MG_FINDING_INIT;
  f.severity = severity;
  f.rule = rule;
  f.title = title;
  f.message = message;
  return f;
}

int mgp_emit(const mg_services *svc, mg_plugin_ctx *ctx, mg_finding *f, json_t *evidence,
             size_t dump_flags) {
  char *text = NULL;
  if (evidence) {
    text = json_dumps(evidence, dump_flags);
    json_decref(evidence);
    if (!text)
      return MG_ERR_NOMEM;
    f->evidence_json = text;
  }
  int rc = svc->emit(ctx, f);
  if (text)
    f->evidence_json = NULL;
  free(text);
  return rc;
}

/* Reads option o: the --set value parsed as the table says, or o->def.
 * The host has checked values of a declared table before the scan, so a
 * bad value here comes from a plugin without one or a host that did not. */
static int read_opt(const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin,
                    const mg_plugin_option *o, double *out) {
  const char *v = svc->option(ctx, o->key);
  *out = o->def;
  if (!v || !mg_option_parse(o, v, out))
    return MG_OK;
  static const char *const what[] = {
      "", "a number", "a whole number", "a size in bytes (K, M, G suffixes)", "0 or 1", "text"};
  *out = o->def;
  svc->log(ctx, MG_LOG_ERROR, "%s: --set %s.%s=%s: expected %s in [%g, %g]", plugin, plugin, o->key,
           v, what[o->type <= MG_OPTION_STRING ? o->type : 0], o->min, o->max);
  return MG_ERR_ARGS;
}

int mgp_opt(const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin,
            const mg_plugin_option *table, const char *key, double *out) {
  for (size_t i = 0; table && table[i].key; i++)
    if (!strcmp(table[i].key, key))
      return read_opt(svc, ctx, plugin, &table[i], out);
  svc->log(ctx, MG_LOG_ERROR, "%s: option '%s' is missing from its own option table", plugin, key);
  return MG_ERR_INTERNAL;
}

int mgp_opt_num(const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin, const char *key,
                double def, double lo, double hi, int integer, double *out) {
  mg_plugin_option o = {key, integer ? MG_OPTION_INTEGER : MG_OPTION_NUMBER, def, lo, hi, ""};
  return read_opt(svc, ctx, plugin, &o, out);
}

int mgp_opt_size(const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin, const char *key,
                 uint64_t def, uint64_t *out) {
  mg_plugin_option o = {key, MG_OPTION_SIZE, (double)def, 1, (double)UINT64_MAX, ""};
  double x;
  int rc = read_opt(svc, ctx, plugin, &o, &x);
  *out = x >= (double)UINT64_MAX ? UINT64_MAX : (uint64_t)x;
  return rc;
}
