/* See textreport.h. */
#include "config.h"

#include "textreport.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void put_excerpt(json_t *o, const char *key, const char *s) {
  if (!s)
    return;
  char buf[TXR_EXCERPT + 4];
  tu_excerpt(s, TXR_EXCERPT, buf);
  json_object_set_new(o, key, json_string(buf));
}

json_t *txr_row_example_with(const tu_dataset *d, uint64_t row, json_t *extra) {
  mg_text_row r;
  json_t *o = json_object();
  if (!o) {
    json_decref(extra);
    return NULL;
  }
  json_object_set_new(o, "row", json_integer((json_int_t)row));
  if (extra)
    json_object_update(o, extra);
  json_decref(extra);
  if (tu_read_row(d, row, &r) != MG_OK || r.bad)
    return o;
  put_excerpt(o, "label", r.label);
  put_excerpt(o, "text", r.text);
  put_excerpt(o, "instruction", r.instruction);
  put_excerpt(o, "input", r.input);
  put_excerpt(o, "output", r.output);
  put_excerpt(o, "prompt", r.prompt);
  put_excerpt(o, "chosen", r.chosen);
  put_excerpt(o, "rejected", r.rejected);
  put_excerpt(o, "annotator", r.annotator);
  return o;
}

json_t *txr_row_example(const tu_dataset *d, uint64_t row) {
  return txr_row_example_with(d, row, NULL);
}

const char *txr_kind_name(mg_text_kind k) {
  switch (k) {
  case MG_TEXT_CLASSIFICATION:
    return "classification";
  case MG_TEXT_INSTRUCTION:
    return "instruction";
  case MG_TEXT_PREFERENCE:
    return "preference";
  default:
    return "unknown";
  }
}

const char *txr_setting_note(const tu_dataset *d) {
  if (d->info.untrusted)
    return "untrusted source (provenance marks it public or user-submitted): scanned with the "
           "stricter setting (high at adjusted p <= 1e-3, medium 1e-2, low 5e-2)";
  if (d->strict)
    return "scanned with the stricter setting on request (untrusted=1): high at adjusted p <= "
           "1e-3, medium 1e-2, low 5e-2";
  return "default setting (high at adjusted p <= 1e-6, medium 1e-3, low 1e-2)";
}

json_t *txr_dataset_json(const tu_dataset *d) {
  return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:b, s:s}", "name",
                   d->info.name ? d->info.name : "", "path", d->info.path ? d->info.path : "",
                   "format", d->info.format ? d->info.format : "", "kind",
                   txr_kind_name(d->info.kind), "rows", (json_int_t)d->info.count, "bad_rows",
                   (json_int_t)d->info.bad_rows, "untrusted", (int)d->info.untrusted, "setting",
                   txr_setting_note(d));
}

/* A label spelt as a non-negative decimal integer below 2^31, else -1. */
static int32_t numeric_label(const char *label) {
  if (!label || !*label || strlen(label) > 9 || (label[0] == '0' && label[1]))
    return -1;
  for (const char *c = label; *c; c++)
    if (*c < '0' || *c > '9')
      return -1;
  return (int32_t)strtol(label, NULL, 10);
}

typedef struct named {
  const char *name;
  size_t at;
} named;

static int cmp_named(const void *a, const void *b) {
  return strcmp(((const named *)a)->name, ((const named *)b)->name);
}

int txr_classes_init(txr_classes *c, char *const *names, size_t n) {
  c->numeric = 1;
  c->index = malloc((n ? n : 1) * sizeof *c->index);
  named *v = malloc((n ? n : 1) * sizeof *v);
  if (!c->index || !v) {
    free(v);
    txr_classes_free(c);
    return MG_ERR_NOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    c->index[i] = numeric_label(names[i]);
    c->numeric &= c->index[i] >= 0;
    v[i] = (named){names[i], i};
  }
  if (!c->numeric) {
    qsort(v, n, sizeof *v, cmp_named);
    for (size_t i = 0; i < n; i++)
      c->index[v[i].at] = i < INT32_MAX ? (int32_t)i : -1;
  }
  free(v);
  return MG_OK;
}

const char *txr_classes_basis(const txr_classes *c) {
  return c->numeric ? "the label's integer value"
                    : "the label's position among the dataset's distinct labels sorted bytewise "
                      "(from 0)";
}

void txr_classes_free(txr_classes *c) {
  free(c->index);
  c->index = NULL;
}

json_t *txr_real(double v) {
  return isfinite(v) ? json_real(v) : json_null();
}

/* The emit both kinds of finding share: evidence serialised, fields set. */
static int emit_finding(const mg_services *svc, mg_plugin_ctx *ctx, mg_finding *f, json_t *ev) {
  char *evs = json_dumps(ev ? ev : json_object(), JSON_COMPACT);
  json_decref(ev);
  if (!evs)
    return MG_ERR_NOMEM;
  f->evidence_json = evs;
  int rc = svc->emit(ctx, f);
  free(evs);
  return rc;
}

int txr_emit(const tu_dataset *d, mg_severity sev, const char *rule, const char *title,
             const char *message, const char *const *atlas, const char *const *controls,
             int32_t label, const uint64_t *rows, size_t n_rows, double score, json_t *ev) {
  if (!ev)
    ev = json_object();
  json_object_set_new(ev, "dataset", json_string(d->info.name ? d->info.name : ""));
  json_object_set_new(ev, "setting", json_string(txr_setting_note(d)));
  mg_finding f = MG_FINDING_INIT;
  f.severity = sev;
  f.rule = rule;
  f.title = title;
  f.message = message;
  f.artifact = d->info.path;
  f.atlas = atlas;
  f.controls = controls;
  f.label = label;
  f.dataset = d->info.name;
  f.indices = rows;
  f.n_indices = n_rows;
  f.score = score;
  return emit_finding(d->svc, d->ctx, &f, ev);
}

int txr_emit_file(const mg_services *svc, mg_plugin_ctx *ctx, mg_severity sev, const char *rule,
                  const char *artifact, const char *title, const char *message,
                  const char *const *controls, json_t *ev) {
  mg_finding f = MG_FINDING_INIT;
  f.severity = sev;
  f.rule = rule;
  f.title = title;
  f.message = message;
  f.artifact = artifact;
  f.controls = controls;
  return emit_finding(svc, ctx, &f, ev);
}

int txr_evidence(const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin_key, json_t *obj) {
  json_t *o = json_object();
  json_object_set_new(o, plugin_key, obj);
  char *s = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  int rc = s ? svc->evidence(ctx, s) : MG_ERR_NOMEM;
  free(s);
  return rc;
}

int txr_finish(const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin,
               const char *plugin_key, json_t *obj, const char *what, int rc) {
  int any = 0;
  json_t *sets = json_object_get(obj, "datasets"), *ds;
  size_t i;
  json_array_foreach(sets, i, ds) any |= !json_object_get(ds, "skipped");
  if (rc) {
    json_decref(obj);
    return rc;
  }
  rc = txr_evidence(svc, ctx, plugin_key, obj);
  if (!rc && !any) {
    svc->log(ctx, MG_LOG_INFO, "no %s in the package (%s)", what, plugin);
    return MG_ERR_NEEDS;
  }
  return rc;
}
