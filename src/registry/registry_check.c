/* Checks a package against the registry: the registry's signature, every
 * file's digest, the package's own digest, and the model's lineage (training
 * set and parent model). The outcome is a registry verdict on each file
 * record of the package, findings (ATLAS AML.T0010 with the sub-technique of
 * the artifact's kind, mitigation AML.M0014) and facts for the controls the
 * checklist gives the registry's evidence to (digests, lineage, parent). */
#include "config.h"

#include "registry_check.h"

#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "intake/path.h"

static const char *const mitigations[] = {"AML.M0014", NULL};

/* The supply-chain sub-technique for an artifact of this role or kind. */
static const char *technique_for(const char *role, mg_artifact_kind kind) {
  if (!strcmp(role, "model") || kind == MG_KIND_MODEL)
    return "AML.T0010.003";
  if (strstr(role, "train") || strstr(role, "reference") || kind == MG_KIND_DATASET ||
      kind == MG_KIND_SOURCE)
    return "AML.T0010.002";
  return "AML.T0010";
}

static int emit(mg_results *r, mg_severity sev, const char *rule, const char *artifact,
                const char *technique, const char *const *controls, const char *title,
                const char *message, json_t *evidence) {
  const char *atlas[] = {technique, NULL};
  return mg_results_add_core(r, sev, rule, artifact, title, message, atlas, mitigations, controls,
                             evidence);
}

/* The entry for this file: by digest (revoked wins: revoked content is
 * revoked whichever package ships it), else by name among the entries of
 * this package (or of none, as older registries recorded no package): a
 * file named like another vendor's artifact is unknown, not altered. */
static const mg_artifact *match_file(const mg_registry *reg, const mg_file *f, const char *package,
                                     int *by_name) {
  const mg_artifact *hit = NULL;
  for (const mg_artifact *a = mg_registry_by_digest(reg, f->sha256, NULL); a;
       a = mg_registry_by_digest(reg, f->sha256, a))
    if (!hit || a->revoked)
      hit = a;
  *by_name = 0;
  if (hit)
    return hit;
  const char *base = mg_path_base(f->path);
  for (size_t i = 0; i < reg->count; i++) {
    const mg_artifact *a = &reg->items[i];
    if (!mg_artifact_of_package(a, package) || a->kind == MG_KIND_PACKAGE)
      continue;
    if (!strcmp(a->name, f->path) || (!strchr(a->name, '/') && !strcmp(a->name, base))) {
      *by_name = 1;
      return a;
    }
  }
  return NULL;
}

static int check_file(const mg_registry *reg, const mg_evidence_map *ev, const char *package,
                      mg_file *f, mg_severity unknown, mg_results *r, const mg_artifact **entry) {
  int by_name;
  const mg_artifact *a = match_file(reg, f, package, &by_name);
  *entry = NULL;
  const char *ctl16[3];
  mg_evidence_cite(ev, MG_EV_DIGESTS, MG_EV_COUNT, ctl16);
  char title[512], msg[1024];
  if (!a) {
    f->registry = MG_REG_UNKNOWN;
    snprintf(title, sizeof title, "%.300s is not in the registry", f->path);
    snprintf(msg, sizeof msg,
             "No approved artifact has this file's digest %s or its name; it has not been "
             "reviewed.",
             f->sha256);
    return emit(r, unknown, "registry.unknown", f->path, technique_for(f->role, MG_KIND_OTHER),
                ctl16, title, msg, json_pack("{s:s}", "sha256", f->sha256));
  }
  free(f->registry_name);
  f->registry_name = strdup(a->name);
  if (by_name) {
    f->registry = MG_REG_MISMATCH;
    snprintf(title, sizeof title, "%.300s differs from the approved artifact", f->path);
    snprintf(msg, sizeof msg,
             "The registry approves '%.300s' with digest %s, but the package's file has digest "
             "%s: it was altered or replaced.",
             a->name, a->sha256, f->sha256);
    return emit(r, MG_SEV_CRITICAL, "registry.digest-mismatch", f->path,
                technique_for(f->role, a->kind), ctl16, title, msg,
                json_pack("{s:s, s:s, s:s, s:s?}", "sha256", f->sha256, "expected", a->sha256,
                          "registry_name", a->name, "registry_package", a->package));
  }
  if (a->revoked) {
    f->registry = MG_REG_REVOKED;
    snprintf(title, sizeof title, "%.300s is a revoked artifact", f->path);
    snprintf(msg, sizeof msg, "The registry revoked digest %s ('%.300s')%s%.300s.", f->sha256,
             a->name, a->reason ? ": " : "", a->reason ? a->reason : "");
    return emit(r, MG_SEV_CRITICAL, "registry.revoked", f->path, technique_for(f->role, a->kind),
                ctl16, title, msg,
                json_pack("{s:s, s:s, s:s?, s:s?}", "sha256", f->sha256, "registry_name", a->name,
                          "reason", a->reason, "registry_package", a->package));
  }
  f->registry = MG_REG_APPROVED;
  *entry = a;
  return MG_OK;
}

static int trained_on_has(const mg_artifact *a, const char *digest) {
  for (size_t i = 0; i < a->n_trained_on; i++)
    if (!strcmp(a->trained_on[i], digest))
      return 1;
  return 0;
}

/* The model's registry entry must name the package's training set. */
static int check_training_set(const mg_artifact *model, const mg_package *pkg,
                              const mg_evidence_map *ev, mg_results *r) {
  char note[1024];
  if (!model->n_trained_on) {
    snprintf(note, sizeof note,
             "the registry entry for model '%.300s' records no training-set digest", model->name);
    return mg_evidence_fact(r, ev, MG_EV_LINEAGE, -1, note);
  }
  const mg_file *sets[] = {pkg->train_inputs, pkg->train_labels};
  if (!pkg->train_inputs) {
    snprintf(note, sizeof note,
             "the registry records %zu training-set digest(s) for the model, but the package has "
             "no training set to compare",
             model->n_trained_on);
    return mg_evidence_fact(r, ev, MG_EV_LINEAGE, -1, note);
  }
  const char *ctl07[3];
  mg_evidence_cite(ev, MG_EV_LINEAGE, MG_EV_DIGESTS, ctl07);
  for (size_t i = 0; i < 2; i++) {
    const mg_file *f = sets[i];
    if (!f || trained_on_has(model, f->sha256))
      continue;
    char title[512], msg[1024];
    snprintf(title, sizeof title, "Training set %.300s is not the one the model was trained on",
             f->path);
    snprintf(msg, sizeof msg,
             "The registry records the datasets model '%.200s' was trained on; the package's %s "
             "(digest %s) is not among them, so the data shipped is not the data that produced "
             "the model.",
             model->name, f->role, f->sha256);
    json_t *recorded = json_array();
    for (size_t k = 0; k < model->n_trained_on; k++)
      json_array_append_new(recorded, json_string(model->trained_on[k]));
    int rc =
        emit(r, MG_SEV_CRITICAL, "registry.training-set-mismatch", f->path, "AML.T0010.002", ctl07,
             title, msg, json_pack("{s:s, s:o}", "sha256", f->sha256, "recorded", recorded));
    if (rc)
      return rc;
  }
  snprintf(note, sizeof note, "training set digests checked against the registry entry '%.300s'",
           model->name);
  int ok = trained_on_has(model, pkg->train_inputs->sha256) &&
           (!pkg->train_labels || trained_on_has(model, pkg->train_labels->sha256));
  return mg_evidence_fact(r, ev, MG_EV_LINEAGE, ok, note);
}

/* Fine-tuning lineage: the parent model must be known and not revoked. */
static int check_parent(const mg_registry *reg, const mg_evidence_map *ev, const mg_artifact *model,
                        const mg_file *f, mg_results *r) {
  if (!model->parent[0])
    return MG_OK;
  const char *ctl12[3];
  mg_evidence_cite(ev, MG_EV_PARENT, MG_EV_DIGESTS, ctl12);
  const mg_artifact *parent = NULL;
  for (const mg_artifact *a = mg_registry_by_digest(reg, model->parent, NULL); a;
       a = mg_registry_by_digest(reg, model->parent, a))
    if (!parent || a->revoked)
      parent = a;
  char title[512], msg[1024], note[512];
  if (!parent) {
    snprintf(title, sizeof title, "Parent of %.300s is not in the registry", f->path);
    snprintf(msg, sizeof msg,
             "The model was fine-tuned from a model with digest %s that the registry does not "
             "list: its lineage cannot be checked.",
             model->parent);
    snprintf(note, sizeof note, "parent model %.64s is not recorded", model->parent);
    int rc = mg_evidence_fact(r, ev, MG_EV_PARENT, -1, note);
    return rc ? rc
              : emit(r, MG_SEV_MEDIUM, "registry.parent-unknown", f->path, "AML.T0010.003", ctl12,
                     title, msg, json_pack("{s:s}", "parent", model->parent));
  }
  if (parent->revoked) {
    snprintf(title, sizeof title, "%.300s was fine-tuned from a revoked model", f->path);
    snprintf(msg, sizeof msg, "Its parent '%.300s' (digest %s) is revoked%s%.300s.", parent->name,
             parent->sha256, parent->reason ? ": " : "", parent->reason ? parent->reason : "");
    snprintf(note, sizeof note, "parent model '%.300s' is revoked", parent->name);
    int rc = mg_evidence_fact(r, ev, MG_EV_PARENT, 0, note);
    return rc ? rc
              : emit(
                    r, MG_SEV_HIGH, "registry.parent-revoked", f->path, "AML.T0010.003", ctl12,
                    title, msg,
                    json_pack("{s:s, s:s}", "parent", parent->sha256, "parent_name", parent->name));
  }
  snprintf(note, sizeof note, "fine-tuned from approved model '%.300s'", parent->name);
  return mg_evidence_fact(r, ev, MG_EV_PARENT, 1, note);
}

static int check_package_digest(const mg_registry *reg, const mg_evidence_map *ev,
                                const mg_package *pkg, mg_results *r) {
  const mg_inventory *inv = &pkg->inv;
  const char *ctl16[3];
  mg_evidence_cite(ev, MG_EV_DIGESTS, MG_EV_COUNT, ctl16);
  for (const mg_artifact *a = mg_registry_by_digest(reg, inv->sha256, NULL); a;
       a = mg_registry_by_digest(reg, inv->sha256, a)) {
    if (a->revoked) {
      char title[512], msg[1024];
      snprintf(title, sizeof title, "Package %.300s is revoked", inv->name);
      snprintf(msg, sizeof msg, "The registry revoked package digest %s ('%.300s')%s%.300s.",
               inv->sha256, a->name, a->reason ? ": " : "", a->reason ? a->reason : "");
      return emit(r, MG_SEV_CRITICAL, "registry.package-revoked", NULL, "AML.T0010", ctl16, title,
                  msg, json_pack("{s:s}", "sha256", inv->sha256));
    }
  }
  /* The package's entry goes by the name the reports show (older
   * registries: the package file's name). */
  const char *name = pkg->name ? pkg->name : inv->name;
  for (size_t i = 0; i < reg->count; i++) {
    const mg_artifact *a = &reg->items[i];
    if (a->kind == MG_KIND_PACKAGE && !a->revoked &&
        (!strcmp(a->name, name) || !strcmp(a->name, inv->name)) && strcmp(a->sha256, inv->sha256)) {
      char title[512], msg[1024];
      snprintf(title, sizeof title, "Package %.300s differs from the approved package", inv->name);
      snprintf(msg, sizeof msg, "The registry approves package '%.300s' as %s; this one is %s.",
               a->name, a->sha256, inv->sha256);
      return emit(r, MG_SEV_CRITICAL, "registry.package-mismatch", NULL, "AML.T0010", ctl16, title,
                  msg, json_pack("{s:s, s:s}", "sha256", inv->sha256, "expected", a->sha256));
    }
  }
  return MG_OK;
}

int mg_registry_check(const mg_registry *reg, const mg_evidence_map *ev, mg_severity unknown,
                      mg_package *pkg, mg_results *r, mg_err *err) {
  mg_inventory *inv = &pkg->inv;
  int rc = check_package_digest(reg, ev, pkg, r);
  size_t approved = 0, checked = 0;
  const mg_artifact *model_entry = NULL;
  for (size_t i = 0; !rc && i < inv->count; i++) {
    mg_file *f = &inv->files[i];
    if (f->depth)
      continue; /* members are covered by their container's digest */
    const mg_artifact *entry;
    checked++;
    rc = check_file(reg, ev, pkg->name ? pkg->name : inv->name, f, unknown, r, &entry);
    if (entry)
      approved++;
    if (entry && f == pkg->model)
      model_entry = entry;
  }
  if (!rc && model_entry)
    rc = check_training_set(model_entry, pkg, ev, r);
  if (!rc && model_entry)
    rc = check_parent(reg, ev, model_entry, pkg->model, r);
  if (!rc && pkg->model && !model_entry)
    rc = mg_evidence_fact(r, ev, MG_EV_LINEAGE, -1, "the model is not an approved registry entry");
  if (!rc) {
    /* Mismatched, revoked and unknown files are findings citing the digests
     * control, which fail it at or above the failing severity; this is the
     * tally. */
    char note[256];
    snprintf(note, sizeof note, "%zu of %zu package files match approved registry digests",
             approved, checked);
    rc = mg_evidence_fact(r, ev, MG_EV_DIGESTS, 1, note);
  }
  if (rc)
    return mg_fail(err, rc, "registry check: out of memory");
  return MG_OK;
}

/* A bad or missing signature fails the gate; the registry is then not
 * trusted for matching. Returns 1 when the registry may be used. */
static int check_signature(const mg_registry_config *cfg, const mg_limits *lim,
                           const mg_evidence_map *ev, mg_results *r) {
  if (!cfg->key) {
    r->registry_signature = strdup("not-checked");
    return 1;
  }
  char *sig = NULL;
  if (!cfg->sig) {
    size_t n = strlen(cfg->path) + 5;
    sig = malloc(n);
    if (sig)
      snprintf(sig, n, "%s.sig", cfg->path);
  }
  mg_err err;
  mg_err_clear(&err);
  int rc = mg_registry_verify_signature(cfg->path, cfg->sig ? cfg->sig : sig, cfg->key, lim, &err);
  free(sig);
  if (!rc) {
    r->registry_signature = strdup("verified");
    mg_evidence_fact(r, ev, MG_EV_DIGESTS, 1, "registry signature verified with the given key");
    return 1;
  }
  static const char *const atlas[] = {"AML.T0010", NULL};
  static const char *const sig_mitigations[] = {"AML.M0013", "AML.M0014", NULL};
  const char *controls[3];
  mg_evidence_cite(ev, MG_EV_DIGESTS, MG_EV_COUNT, controls);
  char note[1100];
  snprintf(note, sizeof note, "failed: %s", err.msg);
  r->registry_signature = strdup(note);
  mg_results_add_core(r, MG_SEV_CRITICAL, "registry.signature", NULL,
                      "The registry's signature does not verify", err.msg, atlas, sig_mitigations,
                      controls, NULL);
  mg_evidence_fact(r, ev, MG_EV_DIGESTS, 0, note);
  return 0;
}

int mg_registry_run(const mg_registry_config *cfg, const mg_limits *lim, const mg_evidence_map *ev,
                    mg_package *pkg, mg_results *r, mg_err *err) {
  r->registry_path = strdup(cfg->path);
  pkg->inv.registry_checked = 1;
  int trusted = check_signature(cfg, lim, ev, r);
  mg_registry reg;
  int rc = mg_registry_load(&reg, cfg->path, lim, 0, err);
  if (!rc && trusted)
    rc = mg_registry_check(&reg, ev, cfg->unknown, pkg, r, err);
  mg_registry_free(&reg);
  return rc;
}
