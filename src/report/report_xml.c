/* The canonical results document (docs/results.md, "XML"): one XML tree
 * per scan from which the JUnit and HTML reports are made by XSLT. JSON
 * evidence is mapped to elements (map/entry/list/string/number/bool/null)
 * so stylesheets can render it without a JSON parser. */
#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <openssl/evp.h>

#include "report.h"
#include "report_xml.h"

#define MAX_EVIDENCE_ITEMS 200 /* per array: the JSON report has them all */
#define MAX_SAMPLE_ROWS 1000   /* row indices per finding, likewise */
#define MAX_EVIDENCE_DEPTH 32  /* deeper nesting is summarised: stylesheets recurse */

/* libxml2 refuses text that is not UTF-8 or has control characters. */
static xmlChar *clean(const char *s) {
  size_t n = strlen(s);
  xmlChar *out = xmlMalloc(n + 1);
  if (!out)
    return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    out[o++] = c < 0x20 && c != '\n' && c != '\t' ? '?' : c;
  }
  out[o] = '\0';
  if (xmlCheckUTF8(out))
    return out;
  for (size_t i = 0; i < o; i++)
    if (out[i] >= 0x80)
      out[i] = '?';
  return out;
}

static void set_attr(xmlNodePtr n, const char *name, const char *value) {
  if (!value)
    return;
  xmlChar *v = clean(value);
  xmlNewProp(n, BAD_CAST name, v);
  xmlFree(v);
}

static void set_attr_fmt(xmlNodePtr n, const char *name, const char *fmt, ...) MG_FMT(3, 4);
static void set_attr_fmt(xmlNodePtr n, const char *name, const char *fmt, ...) {
  char buf[64];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  xmlNewProp(n, BAD_CAST name, BAD_CAST buf);
}

static xmlNodePtr add_text(xmlNodePtr parent, const char *name, const char *text) {
  if (!text)
    return NULL;
  xmlNodePtr n = xmlNewChild(parent, NULL, BAD_CAST name, NULL);
  xmlChar *v = clean(text);
  xmlNodeAddContent(n, v);
  xmlFree(v);
  return n;
}

static void add_refs(xmlNodePtr parent, const char *name, const mg_strlist *l) {
  for (size_t i = 0; i < l->count; i++)
    set_attr(xmlNewChild(parent, NULL, BAD_CAST name, NULL), "ref", l->items[i]);
}

static void add_json(xmlNodePtr parent, json_t *v, int depth) {
  char num[64];
  if (depth >= MAX_EVIDENCE_DEPTH && (json_is_object(v) || json_is_array(v))) {
    add_text(parent, "string", "(nested too deeply for this report: see the JSON report)");
    return;
  }
  switch (json_typeof(v)) {
  case JSON_OBJECT: {
    xmlNodePtr m = xmlNewChild(parent, NULL, BAD_CAST "map", NULL);
    const char *k;
    json_t *item;
    json_object_foreach(v, k, item) {
      xmlNodePtr e = xmlNewChild(m, NULL, BAD_CAST "entry", NULL);
      set_attr(e, "key", k);
      add_json(e, item, depth + 1);
    }
    break;
  }
  case JSON_ARRAY: {
    xmlNodePtr l = xmlNewChild(parent, NULL, BAD_CAST "list", NULL);
    size_t n = json_array_size(v);
    set_attr_fmt(l, "count", "%zu", n);
    for (size_t i = 0; i < n && i < MAX_EVIDENCE_ITEMS; i++)
      add_json(l, json_array_get(v, i), depth + 1);
    break;
  }
  case JSON_STRING:
    add_text(parent, "string", json_string_value(v));
    break;
  case JSON_INTEGER:
    snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    add_text(parent, "number", num);
    break;
  case JSON_REAL:
    snprintf(num, sizeof num, "%.6g", json_real_value(v));
    add_text(parent, "number", num);
    break;
  case JSON_TRUE:
  case JSON_FALSE:
    add_text(parent, "bool", json_is_true(v) ? "true" : "false");
    break;
  default:
    xmlNewChild(parent, NULL, BAD_CAST "null", NULL);
  }
}

static void add_evidence(xmlNodePtr parent, json_t *ev) {
  if (!ev || !json_object_size(ev))
    return;
  add_json(xmlNewChild(parent, NULL, BAD_CAST "evidence", NULL), ev, 0);
}

/* A PNG as an element of base64 text with its mime type and size; the
 * size lets a stylesheet zoom tiny pictures (28x28 masks) by a whole
 * factor. NULL when it cannot be made. */
static xmlNodePtr add_png(xmlNodePtr parent, const char *element, const char *name,
                          const char *caption, const unsigned char *png, size_t len) {
  if (len > INT_MAX / 2)
    return NULL; /* EVP_EncodeBlock takes an int; such a picture never fits a report */
  size_t b64len = 4 * ((len + 2) / 3) + 1;
  unsigned char *b64 = malloc(b64len);
  if (!b64)
    return NULL;
  EVP_EncodeBlock(b64, png, (int)len);
  xmlNodePtr n = xmlNewChild(parent, NULL, BAD_CAST element, NULL);
  set_attr(n, "name", name);
  set_attr(n, "caption", caption);
  set_attr(n, "mime", "image/png");
  uint32_t w, h;
  mg_report_png_size(png, len, &w, &h);
  if (w && h) {
    set_attr_fmt(n, "width", "%" PRIu32, w);
    set_attr_fmt(n, "height", "%" PRIu32, h);
  }
  xmlNodeAddContent(n, b64);
  free(b64);
  return n;
}

static void add_image(xmlNodePtr parent, const mg_result_image *img) {
  add_png(parent, "image", img->name, img->caption, img->png, img->png_len);
}

/* Pictures of the rows a finding names (src/report/thumbnails.c). */
static void add_thumbnails(xmlNodePtr parent, const mg_result_finding *f) {
  if (!f->n_thumbs)
    return;
  xmlNodePtr t = xmlNewChild(parent, NULL, BAD_CAST "thumbnails", NULL);
  set_attr(t, "dataset", f->dataset);
  set_attr(t, "order", f->thumbs_ranked ? "ranked" : "index");
  for (size_t i = 0; i < f->n_thumbs; i++) {
    xmlNodePtr n = add_png(t, "thumbnail", NULL, NULL, f->thumbs[i].png, f->thumbs[i].png_len);
    if (!n)
      continue;
    set_attr_fmt(n, "row", "%llu", (unsigned long long)f->thumbs[i].row);
    if (f->thumbs[i].label >= 0)
      set_attr_fmt(n, "label", "%d", (int)f->thumbs[i].label);
  }
}

static void add_samples(xmlNodePtr n, const mg_result_finding *f) {
  size_t shown = f->n_indices < MAX_SAMPLE_ROWS ? f->n_indices : MAX_SAMPLE_ROWS;
  size_t cap = shown * 21 + 1, o = 0;
  char *rows = malloc(cap);
  if (!rows)
    return;
  for (size_t i = 0; i < shown; i++)
    o += (size_t)snprintf(rows + o, cap - o, "%s%llu", i ? " " : "",
                          (unsigned long long)f->indices[i]);
  rows[o] = '\0';
  xmlNodePtr s = add_text(n, "samples", rows);
  free(rows);
  set_attr(s, "dataset", f->dataset);
  set_attr_fmt(s, "count", "%zu", f->n_indices);
  if (shown < f->n_indices)
    set_attr(s, "truncated", "true");
}

static void add_finding(xmlNodePtr parent, const mg_results *r, const mg_result_finding *f) {
  xmlNodePtr n = xmlNewChild(parent, NULL, BAD_CAST "finding", NULL);
  set_attr(n, "id", f->id);
  set_attr(n, "plugin", f->plugin);
  set_attr(n, "rule", f->rule);
  set_attr(n, "severity", mg_severity_name(f->severity));
  set_attr(n, "reported-severity", mg_severity_name(f->reported));
  set_attr(n, "fails-gate", mg_report_finding_fails_gate(r, f) ? "true" : "false");
  if (f->label >= 0)
    set_attr_fmt(n, "label", "%d", f->label);
  if (isfinite(f->score))
    set_attr_fmt(n, "score", "%.4g", f->score);
  set_attr(n, "fingerprint", f->fingerprint);
  set_attr(n, "baseline", mg_baseline_state_name(f->baseline));
  add_text(n, "title", f->title);
  add_text(n, "message", f->message);
  add_text(n, "artifact", f->artifact);
  add_text(n, "location", f->location);
  add_refs(n, "technique", &f->atlas);
  add_refs(n, "mitigation", &f->mitigations);
  add_refs(n, "control", &f->controls);
  if (f->dataset)
    add_samples(n, f);
  add_thumbnails(n, f);
  add_evidence(n, f->evidence);
  add_text(n, "correlation", f->correlation);
  if (f->waived) {
    xmlNodePtr w = add_text(n, "waived", f->waived->reason);
    set_attr(w, "waiver", f->waived->id);
    set_attr(w, "by", f->waived->approved_by);
    set_attr(w, "on", f->waived->approved_on);
    set_attr(w, "expires", f->waived->expires);
  }
}

/* What each waiver did, and the comparison with the baseline. */
static void add_reviewer(xmlNodePtr root, const mg_results *r) {
  if (r->waivers_path) {
    xmlNodePtr list = xmlNewChild(root, NULL, BAD_CAST "waivers", NULL);
    set_attr(list, "path", r->waivers_path);
    for (size_t i = 0; i < r->n_waivers; i++) {
      const mg_result_waiver *rw = &r->waivers[i];
      xmlNodePtr w = add_text(list, "waiver", rw->w->reason);
      set_attr(w, "id", rw->w->id);
      set_attr(w, "state", mg_waiver_state_name(rw->state));
      set_attr(w, "fingerprint", rw->w->fingerprint);
      set_attr(w, "rule", rw->w->rule);
      set_attr(w, "plugin", rw->w->plugin);
      if (rw->w->label >= 0)
        set_attr_fmt(w, "class", "%d", rw->w->label);
      set_attr(w, "package-sha256", rw->w->package_sha256);
      set_attr(w, "by", rw->w->approved_by);
      set_attr(w, "on", rw->w->approved_on);
      set_attr(w, "expires", rw->w->expires);
      add_refs(w, "finding", &rw->findings);
    }
  }
  if (r->baseline_path) {
    size_t fresh = 0, unchanged = 0;
    for (size_t i = 0; i < r->n_findings; i++) {
      fresh += r->findings[i].baseline == MG_BASELINE_NEW;
      unchanged += r->findings[i].baseline == MG_BASELINE_UNCHANGED;
    }
    xmlNodePtr b = xmlNewChild(root, NULL, BAD_CAST "baseline", NULL);
    set_attr(b, "path", r->baseline_path);
    set_attr(b, "started", r->baseline_started);
    set_attr(b, "package-sha256", r->baseline_package_sha256);
    set_attr_fmt(b, "new", "%zu", fresh);
    set_attr_fmt(b, "unchanged", "%zu", unchanged);
    set_attr_fmt(b, "gone", "%zu", r->n_gone);
    for (size_t i = 0; i < r->n_gone; i++) {
      const mg_result_gone *g = &r->gone[i];
      xmlNodePtr e = add_text(b, "gone", g->title);
      set_attr(e, "id", g->id);
      set_attr(e, "rule", g->rule);
      set_attr(e, "severity", mg_severity_name(g->severity));
      set_attr(e, "fingerprint", g->fingerprint);
      set_attr(e, "artifact", g->artifact);
    }
  }
}

static void add_control(xmlNodePtr section, const mg_results *r, const mg_result_control *c) {
  xmlNodePtr n = xmlNewChild(section, NULL, BAD_CAST "control", NULL);
  set_attr(n, "id", c->id);
  set_attr(n, "status", mg_control_status_name(c->status));
  set_attr(n, "required", c->required ? "true" : "false");
  set_attr(n, "attestable", c->attestable ? "true" : "false");
  set_attr(n, "fails-gate", mg_results_control_fails_gate(c) ? "true" : "false");
  set_attr(n, "decided-by", mg_decided_by_name(c->decided_by));
  add_text(n, "title", c->title);
  add_text(n, "text", c->text);
  add_text(n, "note", c->note);
  add_text(n, "remediation", c->remediation);
  add_refs(n, "finding", &c->findings);
  for (size_t i = 0; i < c->evidence.count; i++)
    add_text(n, "evidence-source", c->evidence.items[i]);
  add_refs(n, "technique", &c->atlas);
  add_refs(n, "mitigation", &c->mitigations);
  for (size_t i = 0; i < r->n_facts; i++) {
    const mg_result_fact *f = &r->facts[i];
    if (strcmp(f->control, c->id))
      continue;
    xmlNodePtr e = add_text(n, "fact", f->note);
    set_attr(e, "source", f->source);
    set_attr(e, "result", f->pass > 0 ? "supports" : f->pass == 0 ? "contradicts" : "inconclusive");
  }
  if (c->attestation) {
    const char *statement = json_string_value(json_object_get(c->attestation, "statement"));
    xmlNodePtr a = add_text(n, "attestation", statement ? statement : "");
    if (a) {
      set_attr(a, "by", json_string_value(json_object_get(c->attestation, "by")));
      set_attr(a, "date", json_string_value(json_object_get(c->attestation, "date")));
    }
  }
}

static void add_plugin(xmlNodePtr parent, const mg_result_plugin *p) {
  xmlNodePtr n = xmlNewChild(parent, NULL, BAD_CAST "plugin", NULL);
  set_attr(n, "name", p->name);
  set_attr(n, "version", p->version);
  set_attr(n, "status", mg_plugin_status_name(p->status));
  set_attr_fmt(n, "seconds", "%.3f", p->seconds);
  set_attr_fmt(n, "peak-rss-kib", "%llu", (unsigned long long)p->peak_rss_kib);
  add_text(n, "description", p->description);
  add_text(n, "message", p->message);
  add_refs(n, "control", &p->controls);
  add_evidence(n, p->evidence);
  for (size_t i = 0; i < p->n_images; i++)
    add_image(n, &p->images[i]);
}

xmlDocPtr mg_report_xml_build(const mg_results *r) {
  xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
  xmlNodePtr root = xmlNewNode(NULL, BAD_CAST "modelgate-results");
  xmlDocSetRootElement(doc, root);
  set_attr(root, "schema", "1");
  set_attr(root, "tool-version", r->tool_version);
  set_attr(root, "atlas-version", r->atlas_version);
  set_attr(root, "command", r->command);
  set_attr(root, "started", r->started);
  set_attr_fmt(root, "seconds", "%.3f", r->seconds);
  set_attr(root, "verdict", mg_verdict_name(r->verdict));
  set_attr_fmt(root, "exit-code", "%d", mg_results_exit_code(r));
  set_attr(root, "fail-on", mg_severity_name(r->fail_on));
  if (r->error) {
    xmlNodePtr e = add_text(root, "error", r->error);
    set_attr(e, "code", mg_strerror(r->error_code));
  }
  xmlNodePtr pkg = xmlNewChild(root, NULL, BAD_CAST "package", NULL);
  set_attr(pkg, "path", r->package_path);
  set_attr(pkg, "name", r->package_name);
  set_attr(pkg, "sha256", r->package_sha256);
  set_attr(pkg, "directory", r->package_is_directory ? "true" : "false");
  set_attr_fmt(pkg, "files", "%zu", r->n_files);
  if (r->registry_path) {
    xmlNodePtr reg = xmlNewChild(root, NULL, BAD_CAST "registry", NULL);
    set_attr(reg, "path", r->registry_path);
    set_attr(reg, "signature", r->registry_signature ? r->registry_signature : "not-checked");
  }
  xmlNodePtr arts = xmlNewChild(root, NULL, BAD_CAST "artifacts", NULL);
  for (size_t i = 0; i < r->n_files; i++) {
    const mg_result_file *f = &r->files[i];
    xmlNodePtr a = xmlNewChild(arts, NULL, BAD_CAST "artifact", NULL);
    set_attr(a, "path", f->path);
    set_attr(a, "role", f->role);
    set_attr_fmt(a, "size", "%llu", (unsigned long long)f->size);
    set_attr(a, "sha256", f->sha256);
    set_attr_fmt(a, "depth", "%u", f->depth);
    set_attr(a, "registry", mg_registry_status_name(f->registry));
    set_attr(a, "registry-name", f->registry_name);
    set_attr(a, "container", f->container);
    add_text(a, "note", f->note);
  }
  xmlNodePtr plugins = xmlNewChild(root, NULL, BAD_CAST "plugins", NULL);
  for (size_t i = 0; i < r->n_plugins; i++)
    add_plugin(plugins, &r->plugins[i]);
  xmlNodePtr findings = xmlNewChild(root, NULL, BAD_CAST "findings", NULL);
  for (size_t i = 0; i < r->n_findings; i++)
    add_finding(findings, r, &r->findings[i]);
  /* Controls grouped by section, in checklist order. */
  xmlNodePtr checklist = xmlNewChild(root, NULL, BAD_CAST "checklist", NULL);
  xmlNodePtr section = NULL;
  const char *current = NULL;
  for (size_t i = 0; i < r->n_controls; i++) {
    const mg_result_control *c = &r->controls[i];
    if (!current || strcmp(current, c->section)) {
      section = xmlNewChild(checklist, NULL, BAD_CAST "section", NULL);
      set_attr(section, "title", c->section);
      current = c->section;
    }
    add_control(section, r, c);
  }
  add_reviewer(root, r);
  xmlNodePtr atlas = xmlNewChild(root, NULL, BAD_CAST "atlas", NULL);
  for (size_t i = 0; i < r->n_atlas; i++) {
    const mg_result_atlas *a = &r->atlas[i];
    xmlNodePtr n =
        xmlNewChild(atlas, NULL, BAD_CAST(a->is_mitigation ? "mitigation" : "technique"), NULL);
    set_attr(n, "id", a->id);
    set_attr(n, "name", a->name);
    set_attr(n, "url", a->url);
  }
  return doc;
}
