/* JSON results (docs/results.md, schema docs/results.schema.json). */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/atomic_file.h"
#include "report.h"

static json_t *str_or_null(const char *s) {
  return s ? json_string(s) : json_null();
}

static json_t *list(const mg_strlist *l) {
  json_t *a = json_array();
  for (size_t i = 0; i < l->count; i++)
    json_array_append_new(a, json_string(l->items[i]));
  return a;
}

int mg_report_finding_fails_gate(const mg_results *r, const mg_result_finding *f) {
  return mg_results_finding_fails_gate(r, f);
}

void mg_report_png_size(const unsigned char *png, size_t len, uint32_t *w, uint32_t *h) {
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  *w = *h = 0;
  if (!png || len < 24 || memcmp(png, sig, 8) || memcmp(png + 12, "IHDR", 4))
    return;
  *w = (uint32_t)png[16] << 24 | (uint32_t)png[17] << 16 | (uint32_t)png[18] << 8 | png[19];
  *h = (uint32_t)png[20] << 24 | (uint32_t)png[21] << 16 | (uint32_t)png[22] << 8 | png[23];
}

static json_t *finding_json(const mg_results *r, const mg_result_finding *f) {
  json_t *o = json_pack(
      "{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", f->id, "plugin",
      f->plugin, "rule", f->rule, "severity", mg_severity_name(f->severity), "reported_severity",
      mg_severity_name(f->reported), "title", f->title, "message", str_or_null(f->message),
      "artifact", str_or_null(f->artifact), "location", str_or_null(f->location), "atlas",
      list(&f->atlas), "mitigations", list(&f->mitigations), "controls", list(&f->controls),
      "label", f->label >= 0 ? json_integer(f->label) : json_null());
  if (!o)
    return NULL;
  if (f->dataset) {
    json_t *idx = json_array();
    for (size_t i = 0; i < f->n_indices; i++)
      json_array_append_new(idx, json_integer((json_int_t)f->indices[i]));
    json_object_set_new(o, "samples",
                        json_pack("{s:s, s:I, s:o}", "dataset", f->dataset, "count",
                                  (json_int_t)f->n_indices, "indices", idx));
  } else {
    json_object_set_new(o, "samples", json_null());
  }
  json_object_set_new(o, "score", isfinite(f->score) ? json_real(f->score) : json_null());
  json_object_set_new(o, "evidence", f->evidence ? json_incref(f->evidence) : json_object());
  json_object_set_new(o, "correlation", str_or_null(f->correlation));
  json_object_set_new(o, "fails_gate", json_boolean(mg_report_finding_fails_gate(r, f)));
  json_object_set_new(o, "fingerprint", json_string(f->fingerprint));
  const mg_waiver *w = f->waived;
  json_object_set_new(o, "waived",
                      w ? json_pack("{s:s, s:s, s:s, s:s, s:s}", "waiver", w->id, "reason",
                                    w->reason, "approved_by", w->approved_by, "approved_on",
                                    w->approved_on, "expires", w->expires)
                        : json_null());
  json_object_set_new(o, "baseline", str_or_null(mg_baseline_state_name(f->baseline)));
  return o;
}

/* What every waiver of --waivers did, or null without the option. */
static json_t *waivers_json(const mg_results *r) {
  if (!r->waivers_path)
    return json_null();
  json_t *entries = json_array();
  for (size_t i = 0; i < r->n_waivers; i++) {
    const mg_result_waiver *rw = &r->waivers[i];
    const mg_waiver *w = rw->w;
    json_array_append_new(
        entries, json_pack("{s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "id",
                           w->id, "fingerprint", str_or_null(w->fingerprint), "rule",
                           str_or_null(w->rule), "plugin", str_or_null(w->plugin), "class",
                           w->label >= 0 ? json_integer(w->label) : json_null(), "package_sha256",
                           w->package_sha256, "reason", w->reason, "approved_by", w->approved_by,
                           "approved_on", w->approved_on, "expires", w->expires, "state",
                           mg_waiver_state_name(rw->state), "findings", list(&rw->findings)));
  }
  return json_pack("{s:s, s:o}", "path", r->waivers_path, "entries", entries);
}

/* The comparison with --baseline, or null without the option. */
static json_t *baseline_json(const mg_results *r) {
  if (!r->baseline_path)
    return json_null();
  size_t fresh = 0, unchanged = 0;
  for (size_t i = 0; i < r->n_findings; i++) {
    fresh += r->findings[i].baseline == MG_BASELINE_NEW;
    unchanged += r->findings[i].baseline == MG_BASELINE_UNCHANGED;
  }
  json_t *gone = json_array();
  for (size_t i = 0; i < r->n_gone; i++) {
    const mg_result_gone *g = &r->gone[i];
    json_array_append_new(gone,
                          json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "fingerprint",
                                    g->fingerprint, "id", g->id, "rule", g->rule, "title", g->title,
                                    "severity", mg_severity_name(g->severity), "artifact",
                                    str_or_null(g->artifact), "location", str_or_null(g->location),
                                    "label", g->label >= 0 ? json_integer(g->label) : json_null()));
  }
  return json_pack("{s:s, s:o, s:o, s:o, s:I, s:I, s:I, s:o}", "path", r->baseline_path, "started",
                   str_or_null(r->baseline_started), "package_name",
                   str_or_null(r->baseline_package_name), "package_sha256",
                   str_or_null(r->baseline_package_sha256), "new", (json_int_t)fresh, "unchanged",
                   (json_int_t)unchanged, "gone_count", (json_int_t)r->n_gone, "gone", gone);
}

static json_t *plugin_json(const mg_result_plugin *p) {
  json_t *images = json_array();
  for (size_t i = 0; i < p->n_images; i++) {
    uint32_t w, h;
    mg_report_png_size(p->images[i].png, p->images[i].png_len, &w, &h);
    json_array_append_new(
        images, json_pack("{s:s, s:s, s:I, s:I, s:I}", "name", p->images[i].name, "caption",
                          p->images[i].caption ? p->images[i].caption : "", "width", w, "height", h,
                          "png_bytes", (json_int_t)p->images[i].png_len));
  }
  return json_pack("{s:s, s:s, s:s, s:s, s:f, s:o, s:O, s:o, s:o, s:I}", "name", p->name, "version",
                   p->version, "description", p->description, "status",
                   mg_plugin_status_name(p->status), "seconds", p->seconds, "message",
                   str_or_null(p->message), "evidence", p->evidence, "images", images, "controls",
                   list(&p->controls), "peak_rss_kib", (json_int_t)p->peak_rss_kib);
}

static json_t *control_json(const mg_result_control *c) {
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:o, s:o, s:o, s:o, s:o, s:O?, s:o}",
                   "id", c->id, "section", c->section, "title", c->title, "text", c->text, "status",
                   mg_control_status_name(c->status), "required", c->required, "attestable",
                   c->attestable, "fails_gate", mg_results_control_fails_gate(c), "note",
                   str_or_null(c->note), "findings", list(&c->findings), "evidence",
                   list(&c->evidence), "atlas", list(&c->atlas), "mitigations",
                   list(&c->mitigations), "attestation", c->attestation, "decided_by",
                   str_or_null(mg_decided_by_name(c->decided_by)));
}

static json_t *file_json(const mg_result_file *f) {
  return json_pack("{s:s, s:s, s:I, s:s, s:i, s:o, s:o, s:s, s:o}", "path", f->path, "role",
                   f->role, "size", (json_int_t)f->size, "sha256", f->sha256, "depth",
                   (int)f->depth, "container", str_or_null(f->container), "note",
                   str_or_null(f->note), "registry", mg_registry_status_name(f->registry),
                   "registry_name", str_or_null(f->registry_name));
}

json_t *mg_report_json_build(const mg_results *r) {
  json_t *files = json_array(), *plugins = json_array(), *findings = json_array(),
         *controls = json_array(), *atlas = json_array(), *facts = json_array();
  for (size_t i = 0; i < r->n_files; i++)
    json_array_append_new(files, file_json(&r->files[i]));
  for (size_t i = 0; i < r->n_plugins; i++)
    json_array_append_new(plugins, plugin_json(&r->plugins[i]));
  for (size_t i = 0; i < r->n_findings; i++)
    json_array_append_new(findings, finding_json(r, &r->findings[i]));
  for (size_t i = 0; i < r->n_controls; i++)
    json_array_append_new(controls, control_json(&r->controls[i]));
  for (size_t i = 0; i < r->n_atlas; i++)
    json_array_append_new(atlas, json_pack("{s:s, s:s, s:s, s:s}", "id", r->atlas[i].id, "name",
                                           r->atlas[i].name, "url", r->atlas[i].url, "type",
                                           r->atlas[i].is_mitigation ? "mitigation" : "technique"));
  for (size_t i = 0; i < r->n_facts; i++) {
    const mg_result_fact *f = &r->facts[i];
    /* pass is three-valued: -1 only explains why nothing could be said. */
    json_array_append_new(
        facts, json_pack("{s:s, s:s, s:o, s:s, s:s}", "control", f->control, "source", f->source,
                         "pass", f->pass < 0 ? json_null() : json_boolean(f->pass), "result",
                         f->pass > 0    ? "supports"
                         : f->pass == 0 ? "contradicts"
                                        : "inconclusive",
                         "note", f->note));
  }
  json_t *doc = json_pack(
      "{s:s, s:{s:s, s:o}, s:s, s:s, s:f, s:s, s:o, s:{s:s}, s:{s:o, s:o, s:o, s:b}, s:o, s:o, "
      "s:o, s:o, s:o, s:o, s:o, s:o}",
      "schema", "modelgate-results/1", "tool", "version", r->tool_version, "atlas_version",
      str_or_null(r->atlas_version), "command", r->command, "started", r->started, "seconds",
      r->seconds, "verdict", mg_verdict_name(r->verdict), "error", str_or_null(r->error), "policy",
      "fail_on", mg_severity_name(r->fail_on), "package", "path", str_or_null(r->package_path),
      "name", str_or_null(r->package_name), "sha256", str_or_null(r->package_sha256), "directory",
      r->package_is_directory, "registry",
      r->registry_path ? json_pack("{s:s, s:s}", "path", r->registry_path, "signature",
                                   r->registry_signature ? r->registry_signature : "not-checked")
                       : json_null(),
      "artifacts", files, "plugins", plugins, "findings", findings, "controls", controls, "facts",
      facts, "atlas", atlas, "exit_code", json_integer(mg_results_exit_code(r)));
  if (doc) {
    json_object_set_new(doc, "waivers", waivers_json(r));
    json_object_set_new(doc, "baseline", baseline_json(r));
  }
  return doc;
}

int mg_report_json_render(json_t *doc, const char *kind, char **buf, size_t *len, mg_err *err) {
  *buf = NULL;
  char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
  json_decref(doc);
  size_t n = text ? strlen(text) : 0;
  char *grown = text ? realloc(text, n + 2) : NULL;
  if (!grown) {
    free(text);
    return mg_fail(err, MG_ERR_NOMEM, "cannot build the %s report: out of memory", kind);
  }
  grown[n] = '\n';
  grown[n + 1] = '\0';
  *buf = grown;
  *len = n + 1;
  return MG_OK;
}

int mg_report_json_dump(json_t *doc, const char *kind, const char *path, mg_err *err) {
  char *buf;
  size_t len;
  int rc = mg_report_json_render(doc, kind, &buf, &len, err);
  if (!rc)
    rc = mg_atomic_write(path, buf, len, err);
  free(buf);
  return rc;
}

int mg_report_json_write(const mg_results *r, const char *path, mg_err *err) {
  return mg_report_json_dump(mg_report_json_build(r), "JSON", path, err);
}
