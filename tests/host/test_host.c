/* Unit tests of the plugin stage on its own: mg_host_run with a package and
 * workspace made here (no unpacking, no registry, no checklist), against
 * the test-double plugins in tests/host/doubles. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/limit_table.h"
#include "check_main.h"
#include "host/host.h"
#include "intake/workspace.h"
#include "package/package.h"
#include "verdict/results.h"

static mg_limits lim;
static mg_workspace ws;
static mg_package pkg;
static mg_results r;
static mg_host_config cfg;
static char plugin_dir[4096];

/* Writes a package file into the workspace and records it. */
static mg_file *add_file(const char *name, const char *content) {
  mg_err err;
  int fd;
  ck_assert_int_eq(mg_workspace_create_file(&ws, name, &fd, &err), MG_OK);
  size_t n = strlen(content);
  ck_assert_int_eq(write(fd, content, n), (ssize_t)n);
  close(fd);
  mg_file *f = mg_inventory_add(&pkg.inv);
  ck_assert_ptr_nonnull(f);
  f->path = strdup(name);
  f->ws_path = strdup(name);
  f->size = n;
  memset(f->sha256, 'a', 64);
  return f;
}

static void setup(void) {
  const char *top = getenv("TOP_BUILDDIR");
  snprintf(plugin_dir, sizeof plugin_dir, "%s/tests/host/.libs", top ? top : ".");
  mg_limits_default(&lim);
  mg_err err;
  ck_assert_int_eq(mg_workspace_create(&ws, NULL, &err), MG_OK);
  mg_package_init(&pkg);
  mg_results_init(&r, "scan");
  mg_host_config_default(&cfg);
  cfg.plugin_dir = plugin_dir;
  cfg.timeout = 60;
  cfg.limits = &lim;
  cfg.rules_dir = "/nonexistent";
  add_file("a.bin", "abc");
  add_file("b.bin", "hello");
}

static void teardown(void) {
  mg_results_free(&r);
  mg_package_free(&pkg);
  mg_workspace_destroy(&ws);
}

static const mg_result_plugin *only_plugin(void) {
  ck_assert_uint_eq(r.n_plugins, 1);
  return &r.plugins[0];
}

static json_int_t evidence_int(const mg_result_plugin *p, const char *key) {
  json_t *v = json_object_get(p->evidence, key);
  ck_assert_msg(json_is_integer(v), "evidence has no integer '%s'", key);
  return json_integer_value(v);
}

/* The registered flag a plugin sees comes from the package's file records. */
START_TEST(test_registry_verdict_from_package) {
  pkg.inv.registry_checked = 1;
  pkg.inv.files[0].registry = MG_REG_APPROVED;
  pkg.inv.files[1].registry = MG_REG_UNKNOWN;
  cfg.only = "mgtest-good";
  mg_err err;
  ck_assert_int_eq(mg_host_run(&cfg, &pkg, &ws, &r, &err), MG_OK);
  const mg_result_plugin *p = only_plugin();
  ck_assert_str_eq(p->name, "mgtest-good");
  ck_assert_int_eq(p->status, MG_PLUGIN_OK);
  ck_assert_int_eq(evidence_int(p, "files"), 2);
  ck_assert_int_eq(evidence_int(p, "bytes"), 8);
  ck_assert_int_eq(evidence_int(p, "registered"), 1);
  ck_assert_int_eq(evidence_int(p, "registry_checked"), 2);
  ck_assert_uint_eq(r.n_findings, 1);
  ck_assert_str_eq(r.findings[0].rule, "mgtest-good.test-finding");
  ck_assert_int_eq(r.findings[0].severity, MG_SEV_MEDIUM);
}
END_TEST

START_TEST(test_no_registry_no_flags) {
  cfg.only = "mgtest-good";
  mg_err err;
  ck_assert_int_eq(mg_host_run(&cfg, &pkg, &ws, &r, &err), MG_OK);
  const mg_result_plugin *p = only_plugin();
  ck_assert_int_eq(evidence_int(p, "registered"), 0);
  ck_assert_int_eq(evidence_int(p, "registry_checked"), 0);
}
END_TEST

/* A crashing plugin is an error entry; what it emitted first is kept. */
START_TEST(test_crash_is_an_error) {
  cfg.only = "mgtest-crash";
  mg_err err;
  ck_assert_int_eq(mg_host_run(&cfg, &pkg, &ws, &r, &err), MG_OK);
  const mg_result_plugin *p = only_plugin();
  ck_assert_int_eq(p->status, MG_PLUGIN_ERROR);
  ck_assert_ptr_nonnull(p->message);
  ck_assert_msg(strstr(p->message, "crashed with SIGSEGV"), "message: %s", p->message);
  ck_assert_uint_eq(r.n_findings, 1);
}
END_TEST

/* Needs the package cannot meet skip the plugin, saying which. */
START_TEST(test_unmet_needs_skip) {
  cfg.only = "mgtest-model";
  mg_err err;
  ck_assert_int_eq(mg_host_run(&cfg, &pkg, &ws, &r, &err), MG_OK);
  const mg_result_plugin *p = only_plugin();
  ck_assert_int_eq(p->status, MG_PLUGIN_SKIPPED);
  ck_assert_str_eq(p->message, "needs a model; the package has none");
}
END_TEST

/* A plugin whose ABI major differs is refused and shown as an error. */
START_TEST(test_refused_plugin_listed) {
  cfg.only = "mgtest-future";
  mg_err err;
  ck_assert_int_eq(mg_host_run(&cfg, &pkg, &ws, &r, &err), MG_OK);
  const mg_result_plugin *p = only_plugin();
  ck_assert_int_eq(p->status, MG_PLUGIN_ERROR);
  ck_assert_msg(!strncmp(p->message, "refused by the host: ", 21), "message: %s", p->message);
}
END_TEST

START_TEST(test_unknown_name_is_an_argument_error) {
  cfg.only = "mgtest-good,no-such-plugin";
  mg_err err;
  mg_err_clear(&err);
  ck_assert_int_eq(mg_host_run(&cfg, &pkg, &ws, &r, &err), MG_ERR_ARGS);
  ck_assert_msg(strstr(err.msg, "no plugin named 'no-such-plugin'"), "%s", err.msg);
  ck_assert_uint_eq(r.n_plugins, 0);
}
END_TEST

START_TEST(test_skip_all_runs_nothing) {
  cfg.skip = "all";
  mg_err err;
  ck_assert_int_eq(mg_host_run(&cfg, &pkg, &ws, &r, &err), MG_OK);
  ck_assert_uint_eq(r.n_plugins, 0);
  ck_assert_uint_eq(r.n_findings, 0);
}
END_TEST

int main(void) {
  return mg_check_case(
      "host", setup, teardown,
      MG_CHECK_TESTS(test_registry_verdict_from_package, test_no_registry_no_flags,
                     test_crash_is_an_error, test_unmet_needs_skip, test_refused_plugin_listed,
                     test_unknown_name_is_an_argument_error, test_skip_all_runs_nothing));
}
