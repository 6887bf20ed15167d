/* The CycloneDX 1.6 ML-BOM view of a scan (`--cyclonedx FILE`): the model
 * files as machine-learning-model components (hashes, a model card from
 * the descriptor: task, classes, datasets, training facts), each dataset
 * file as a data component with its provenance, the other package files as
 * file components, the lineage as dependencies (model -> its training and
 * reference data), and the verdict and gate-failing findings as
 * properties and vulnerabilities. ATLAS names the AI BOM as mitigation
 * AML.M0023. Validated against the official schema in
 * tests/formats/cyclonedx.sh. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "intake/single_file.h"
#include "report/report.h"
#include "report/report_cyclonedx.h"

static json_t *hashes(const char *sha256) {
  return sha256 ? json_pack("[{s:s, s:s}]", "alg", "SHA-256", "content", sha256) : json_array();
}

static void prop(json_t *props, const char *name, const char *value) {
  if (value)
    json_array_append_new(props, json_pack("{s:s, s:s}", "name", name, "value", value));
}

static int is_data_role(const char *role) {
  return role &&
         (!strncmp(role, "train-", 6) || !strncmp(role, "reference-", 10) || !strcmp(role, "text"));
}

static int is_model(const mg_result_file *f) {
  if (f->role && !strcmp(f->role, "model"))
    return 1;
  return mg_model_file_kind(f->path, (const uint8_t *)"", 0) != NULL;
}

/* "model:PATH" / "data:PATH" / "file:PATH": unique, since paths are. */
static json_t *ref_of(const char *kind, const char *path) {
  char buf[4200];
  snprintf(buf, sizeof buf, "%s:%s", kind, path);
  return json_string(buf);
}

static json_t *provenance_of(const mg_descriptor *d, const char *path) {
  size_t i;
  json_t *p;
  if (!d || !d->provenance)
    return NULL;
  json_array_foreach(d->provenance, i, p) {
    const char *pp = json_string_value(json_object_get(p, "path"));
    if (pp && !strcmp(pp, path))
      return p;
  }
  return NULL;
}

static json_t *data_component(const mg_result_file *f, const mg_descriptor *d) {
  json_t *c = json_pack("{s:s, s:o, s:s, s:o}", "type", "data", "bom-ref", ref_of("data", f->path),
                        "name", f->path, "hashes", hashes(f->sha256));
  json_t *props = json_array();
  prop(props, "modelgate:role", f->role);
  json_t *cd = json_pack("{s:s, s:s}", "type", "dataset", "name", f->path);
  json_t *p = provenance_of(d, f->path);
  if (p) {
    const char *origin = json_string_value(json_object_get(p, "origin"));
    const char *collected = json_string_value(json_object_get(p, "collected"));
    const char *source = json_string_value(json_object_get(p, "source"));
    const char *sha = json_string_value(json_object_get(p, "sha256"));
    prop(props, "modelgate:provenance:origin", origin);
    prop(props, "modelgate:provenance:collected", collected);
    prop(props, "modelgate:provenance:source", source);
    prop(props, "modelgate:provenance:sha256", sha);
    if (origin && (!strncmp(origin, "http://", 7) || !strncmp(origin, "https://", 8)))
      json_object_set_new(c, "externalReferences",
                          json_pack("[{s:s, s:s, s:s}]", "type", "distribution", "url", origin,
                                    "comment", "where the data was collected (provenance)"));
    if (source)
      json_object_set_new(cd, "classification", json_string(source));
  }
  json_object_set_new(c, "data", json_pack("[o]", cd));
  json_object_set_new(c, "properties", props);
  return c;
}

static json_t *model_card(const mg_results *r, const mg_descriptor *d) {
  json_t *params = json_object();
  json_t *datasets = json_array();
  for (size_t i = 0; i < r->n_files; i++)
    if (!r->files[i].depth && is_data_role(r->files[i].role))
      json_array_append_new(datasets, json_pack("{s:o}", "ref", ref_of("data", r->files[i].path)));
  if (json_array_size(datasets))
    json_object_set_new(params, "datasets", datasets);
  else
    json_decref(datasets);
  if (d && d->n_classes) {
    json_object_set_new(params, "task", json_string("classification"));
    json_object_set_new(params, "approach", json_pack("{s:s}", "type", "supervised"));
    json_t *labels = json_array();
    for (size_t i = 0; i < d->n_classes; i++)
      json_array_append_new(labels, json_string(d->classes[i]));
    char *l = json_dumps(labels, JSON_COMPACT);
    json_decref(labels);
    json_object_set_new(params, "outputs", json_pack("[{s:s}]", "format", l ? l : "class labels"));
    free(l);
  }
  json_t *card = json_pack("{s:o}", "modelParameters", params);
  json_t *props = json_array();
  if (d && d->training) {
    char *t = json_dumps(d->training, JSON_COMPACT | JSON_SORT_KEYS);
    prop(props, "modelgate:training", t);
    free(t);
  }
  prop(props, "modelgate:verdict", mg_verdict_name(r->verdict));
  json_object_set_new(card, "properties", props);
  return card;
}

/* The component a finding's artifact belongs to: the file itself, or for
 * a member ("a.tar!/b"), its depth-0 container. */
static json_t *component_ref(const mg_results *r, const char *artifact) {
  const char *bang = strstr(artifact, "!/");
  size_t n = bang ? (size_t)(bang - artifact) : strlen(artifact);
  for (size_t i = 0; i < r->n_files; i++) {
    const mg_result_file *f = &r->files[i];
    if (f->depth || strlen(f->path) != n || strncmp(f->path, artifact, n))
      continue;
    return ref_of(is_model(f) ? "model" : is_data_role(f->role) ? "data" : "file", f->path);
  }
  return json_string("package");
}

static json_t *vulnerabilities(const mg_results *r) {
  json_t *v = json_array();
  for (size_t i = 0; i < r->n_findings; i++) {
    const mg_result_finding *f = &r->findings[i];
    if (!mg_report_finding_fails_gate(r, f))
      continue;
    json_t *x = json_pack("{s:s, s:s, s:{s:s}, s:[{s:s, s:s}], s:s, s:s}", "bom-ref", f->id, "id",
                          f->rule, "source", "name", "modelgate", "ratings", "severity",
                          mg_severity_name(f->severity), "method", "other", "description",
                          f->title ? f->title : f->rule, "detail", f->message ? f->message : "");
    if (x && f->artifact)
      json_object_set_new(x, "affects", json_pack("[{s:o}]", "ref", component_ref(r, f->artifact)));
    json_array_append_new(v, x);
  }
  return v;
}

json_t *mg_report_cyclonedx_build(const mg_results *r, const mg_descriptor *d) {
  unsigned char u[16];
  if (RAND_bytes(u, sizeof u) != 1)
    return NULL;
  u[6] = (unsigned char)((u[6] & 0x0f) | 0x40); /* version 4 */
  u[8] = (unsigned char)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
  char serial[64];
  snprintf(serial, sizeof serial,
           "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
           u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
           u[15]);
  json_t *components = json_array(), *deps = json_array(), *data_refs = json_array();
  for (size_t i = 0; i < r->n_files; i++)
    if (!r->files[i].depth && is_data_role(r->files[i].role))
      json_array_append_new(data_refs, ref_of("data", r->files[i].path));
  for (size_t i = 0; i < r->n_files; i++) {
    const mg_result_file *f = &r->files[i];
    if (f->depth)
      continue; /* members are listed with their container's hash */
    json_t *c;
    if (is_model(f)) {
      c = json_pack("{s:s, s:o, s:s, s:o, s:o}", "type", "machine-learning-model", "bom-ref",
                    ref_of("model", f->path), "name",
                    d && d->name && f->role && !strcmp(f->role, "model") ? d->name : f->path,
                    "hashes", hashes(f->sha256), "modelCard", model_card(r, d));
      json_array_append_new(
          deps, json_pack("{s:o, s:O}", "ref", ref_of("model", f->path), "dependsOn", data_refs));
    } else if (is_data_role(f->role)) {
      c = data_component(f, d);
      json_array_append_new(deps, json_pack("{s:o}", "ref", ref_of("data", f->path)));
    } else {
      c = json_pack("{s:s, s:o, s:s, s:o}", "type", "file", "bom-ref", ref_of("file", f->path),
                    "name", f->path, "hashes", hashes(f->sha256));
    }
    json_array_append_new(components, c);
  }
  json_decref(data_refs);
  json_t *props = json_array();
  prop(props, "modelgate:verdict", mg_verdict_name(r->verdict));
  char n[32];
  snprintf(n, sizeof n, "%d", mg_results_exit_code(r));
  prop(props, "modelgate:exit-code", n);
  prop(props, "modelgate:fail-on", mg_severity_name(r->fail_on));
  prop(props, "modelgate:registry-signature", r->registry_signature);
  prop(props, "modelgate:atlas-mitigation", "AML.M0023");
  json_t *doc = json_pack(
      "{s:s, s:s, s:s, s:i, s:{s:s, s:{s:[{s:s, s:s, s:s}]}, s:{s:s, s:s, s:s, s:o}}, s:o, s:o, "
      "s:o, s:o}",
      "bomFormat", "CycloneDX", "specVersion", "1.6", "serialNumber", serial, "version", 1,
      "metadata", "timestamp", r->started ? r->started : "1970-01-01T00:00:00Z", "tools",
      "components", "type", "application", "name", "modelgate", "version",
      r->tool_version ? r->tool_version : "0", "component", "type", "application", "bom-ref",
      "package", "name", r->package_name ? r->package_name : "package", "hashes",
      hashes(r->package_sha256), "components", components, "dependencies", deps, "vulnerabilities",
      vulnerabilities(r), "properties", props);
  return doc;
}
