/* Unit tests of the registry stage on its own: a package's file records get
 * their verdicts (approved, unknown, altered, revoked), the model's lineage
 * is checked against its entry, and the facts and cited controls come from
 * the checklist's evidence map, not from ids spelt in the code. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "intake/inventory.h"
#include "package/package.h"
#include "registry/registry.h"
#include "registry/registry_check.h"
#include "verdict/evidence.h"
#include "verdict/results.h"

#define DA "aa00000000000000000000000000000000000000000000000000000000000000"
#define DB "bb00000000000000000000000000000000000000000000000000000000000000"
#define DC "cc00000000000000000000000000000000000000000000000000000000000000"
#define DT "dd00000000000000000000000000000000000000000000000000000000000000"
#define DX "ee00000000000000000000000000000000000000000000000000000000000000"

static mg_registry reg;
static mg_package pkg;
static mg_results r;
static mg_evidence_map ev;

static mg_file *add(const char *path, const char *sha, const char *role) {
  mg_file *f = mg_inventory_add(&pkg.inv);
  ck_assert_ptr_nonnull(f);
  f->path = strdup(path);
  memcpy(f->sha256, sha, 64);
  f->role = role;
  return f;
}

static void parse(const char *json) {
  char *text = strdup(json);
  mg_err err;
  reg.path = strdup("registry.json");
  ck_assert_msg(mg_registry_parse(&reg, text, strlen(text), &err) == MG_OK, "%s", err.msg);
  free(text);
}

static void setup(void) {
  mg_registry_init(&reg);
  mg_package_init(&pkg);
  mg_results_init(&r, "verify");
  /* The evidence names as a checklist gives them to its controls. */
  memset(&ev, 0, sizeof ev);
  ev.control[MG_EV_DIGESTS] = "X-DIGESTS";
  ev.control[MG_EV_LINEAGE] = "X-LINEAGE";
  ev.control[MG_EV_PARENT] = "X-PARENT";
}

static void teardown(void) {
  mg_registry_free(&reg);
  mg_package_free(&pkg);
  mg_results_free(&r);
}

static const mg_result_fact *fact(const char *control) {
  for (size_t i = 0; i < r.n_facts; i++)
    if (!strcmp(r.facts[i].control, control))
      return &r.facts[i];
  return NULL;
}

/* The core's finding of rule ("core.<rule>" in the results). */
static const mg_result_finding *finding(const char *rule) {
  for (size_t i = 0; i < r.n_findings; i++)
    if (!strncmp(r.findings[i].rule, "core.", 5) && !strcmp(r.findings[i].rule + 5, rule))
      return &r.findings[i];
  ck_abort_msg("no finding %s", rule);
  return NULL;
}

/* Each depth-0 file record carries its verdict and the entry's name. */
START_TEST(verdicts_on_the_file_records) {
  parse("{\"format\": \"modelgate-registry\", \"version\": 1, \"artifacts\": ["
        "{\"name\": \"model.onnx\", \"sha256\": \"" DA "\", \"kind\": \"model\"},"
        "{\"name\": \"labels.npy\", \"sha256\": \"" DX "\"},"
        "{\"name\": \"old.bin\", \"sha256\": \"" DC "\", \"status\": \"revoked\","
        " \"reason\": \"bad\"}]}");
  mg_file *model = add("model.onnx", DA, "model");
  mg_file *labels = add("labels.npy", DB, "other");
  mg_file *old = add("old.bin", DC, "other");
  mg_file *stray = add("notes.txt", DT, "other");
  mg_file *member = add("a.zip!/m", DT, "other");
  member->depth = 1;
  pkg.model = model;
  mg_err err;
  ck_assert_int_eq(mg_registry_check(&reg, &ev, MG_SEV_LOW, &pkg, &r, &err), MG_OK);
  ck_assert_int_eq(model->registry, MG_REG_APPROVED);
  ck_assert_str_eq(model->registry_name, "model.onnx");
  ck_assert_int_eq(labels->registry, MG_REG_MISMATCH);
  ck_assert_int_eq(old->registry, MG_REG_REVOKED);
  ck_assert_int_eq(stray->registry, MG_REG_UNKNOWN);
  ck_assert_ptr_null(stray->registry_name);
  ck_assert_int_eq(member->registry, MG_REG_NOT_CHECKED); /* its container's digest covers it */

  const mg_result_finding *f = finding("registry.digest-mismatch");
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(f->severity, MG_SEV_CRITICAL);
  ck_assert(mg_strlist_has(&f->controls, "X-DIGESTS"));
  ck_assert_int_eq(finding("registry.unknown")->severity, MG_SEV_LOW);
  ck_assert_ptr_nonnull(finding("registry.revoked"));
  const mg_result_fact *tally = fact("X-DIGESTS");
  ck_assert_ptr_nonnull(tally);
  ck_assert_str_eq(tally->source, "registry");
  ck_assert_str_eq(tally->note, "1 of 4 package files match approved registry digests");
  /* The model's entry records no training set: lineage is inconclusive. */
  ck_assert_int_eq(fact("X-LINEAGE")->pass, -1);
}
END_TEST

/* A training set the model's entry does not name is a critical finding
 * citing both the lineage and the digests controls. */
START_TEST(training_set_lineage) {
  parse("{\"format\": \"modelgate-registry\", \"version\": 1, \"artifacts\": ["
        "{\"name\": \"model.onnx\", \"sha256\": \"" DA "\", \"kind\": \"model\","
        " \"trained_on\": [\"" DT "\"]},"
        "{\"name\": \"train.npy\", \"sha256\": \"" DB "\", \"kind\": \"dataset\"}]}");
  pkg.model = add("model.onnx", DA, "model");
  pkg.train_inputs = add("train.npy", DB, "train-inputs");
  mg_err err;
  ck_assert_int_eq(mg_registry_check(&reg, &ev, MG_SEV_LOW, &pkg, &r, &err), MG_OK);
  const mg_result_finding *f = finding("registry.training-set-mismatch");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(f->controls.count, 2);
  ck_assert_str_eq(f->controls.items[0], "X-LINEAGE");
  ck_assert_str_eq(f->controls.items[1], "X-DIGESTS");
  ck_assert_int_eq(fact("X-LINEAGE")->pass, 0);
}
END_TEST

/* A checklist without the lineage evidence gets no lineage fact, and the
 * finding cites only what the checklist names. */
START_TEST(unnamed_evidence_records_nothing) {
  ev.control[MG_EV_LINEAGE] = NULL;
  parse("{\"format\": \"modelgate-registry\", \"version\": 1, \"artifacts\": ["
        "{\"name\": \"model.onnx\", \"sha256\": \"" DA "\", \"kind\": \"model\","
        " \"trained_on\": [\"" DT "\"]}]}");
  pkg.model = add("model.onnx", DA, "model");
  pkg.train_inputs = add("train.npy", DB, "train-inputs");
  mg_err err;
  ck_assert_int_eq(mg_registry_check(&reg, &ev, MG_SEV_LOW, &pkg, &r, &err), MG_OK);
  ck_assert_ptr_null(fact("X-LINEAGE"));
  const mg_result_finding *f = finding("registry.training-set-mismatch");
  ck_assert_uint_eq(f->controls.count, 1);
  ck_assert_str_eq(f->controls.items[0], "X-DIGESTS");
}
END_TEST

int main(void) {
  return mg_check_case("registry", setup, teardown,
                       MG_CHECK_TESTS(verdicts_on_the_file_records, training_set_lineage,
                                      unnamed_evidence_records_nothing));
}
