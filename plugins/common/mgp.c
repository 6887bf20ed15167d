/* See mgp.h. */
#include "config.h"

#include "mgp.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

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

static int bad(const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin, const char *key,
               const char *value, const char *what, double lo, double hi) {
  svc->log(ctx, MG_LOG_ERROR, "%s: --set %s.%s=%s: expected %s in [%g, %g]", plugin, plugin, key,
           value, what, lo, hi);
  return MG_ERR_ARGS;
}

int mgp_opt_num(const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin, const char *key,
                double def, double lo, double hi, int integer, double *out) {
  const char *v = svc->option(ctx, key);
  *out = def;
  if (!v)
    return MG_OK;
  char *end = NULL;
  errno = 0;
  double x = strtod(v, &end);
  if (errno || end == v || *end || !isfinite(x) || x < lo || x > hi || (integer && x != floor(x)))
    return bad(svc, ctx, plugin, key, v, integer ? "a whole number" : "a number", lo, hi);
  *out = x;
  return MG_OK;
}

int mgp_opt_size(const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin, const char *key,
                 uint64_t def, uint64_t *out) {
  const char *v = svc->option(ctx, key);
  *out = def;
  if (!v)
    return MG_OK;
  char *end = NULL;
  errno = 0;
  unsigned long long x = strtoull(v, &end, 10);
  unsigned shift = 0;
  if (end != v && (*end == 'K' || *end == 'k'))
    shift = 10, end++;
  else if (end != v && (*end == 'M' || *end == 'm'))
    shift = 20, end++;
  else if (end != v && (*end == 'G' || *end == 'g'))
    shift = 30, end++;
  if (errno || end == v || *end || v[0] == '-' || !x || x > (UINT64_MAX >> shift))
    return bad(svc, ctx, plugin, key, v, "a size in bytes (K, M, G suffixes)", 1,
               (double)UINT64_MAX);
  *out = (uint64_t)x << shift;
  return MG_OK;
}
