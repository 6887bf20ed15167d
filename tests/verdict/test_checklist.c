/* Unit tests: the correlation rule between plugins. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "verdict/correlate.h"
#include "verdict/results.h"

static mg_results r;
static mg_policy policy;

static void setup(void) {
  mg_results_init(&r, "scan");
  memset(&policy, 0, sizeof policy);
  policy.correlate = 1;
  policy.min_plugins = 2;
  policy.min_overlap = 0.3;
  policy.raise_to = MG_SEV_CRITICAL;
  policy.class_raise_to = MG_SEV_HIGH;
}

static void teardown(void) {
  mg_results_free(&r);
}

/* Adds a finding about `label` with rows [first, first+n). */
static mg_result_finding *add(const char *plugin, mg_severity sev, int label, uint64_t first,
                              size_t n) {
  uint64_t *rows = n ? malloc(n * sizeof *rows) : NULL;
  for (size_t i = 0; i < n; i++)
    rows[n - 1 - i] = first + i; /* unsorted on purpose */
  mg_finding f = MG_FINDING_INIT;
  f.severity = sev;
  f.rule = "t";
  f.title = "t";
  f.label = label;
  f.dataset = n ? "train" : NULL;
  f.indices = rows;
  f.n_indices = n;
  mg_result_finding *out = mg_results_add_finding(&r, plugin, &f, NULL, NULL, NULL);
  free(rows);
  ck_assert_ptr_nonnull(out);
  return out;
}

START_TEST(shared_rows_raise_to_critical) {
  add("spectral-signatures", MG_SEV_MEDIUM, 7, 100, 40);
  add("activation-clustering", MG_SEV_LOW, 7, 110, 40); /* 30 of 40 shared */
  ck_assert_int_eq(mg_correlate(&r, &policy), MG_OK);
  ck_assert_int_eq(r.findings[0].severity, MG_SEV_CRITICAL);
  ck_assert_int_eq(r.findings[1].severity, MG_SEV_CRITICAL);
  ck_assert_int_eq(r.findings[0].reported, MG_SEV_MEDIUM);
  ck_assert_ptr_nonnull(strstr(r.findings[0].correlation, "activation-clustering"));
  ck_assert_ptr_nonnull(strstr(r.findings[0].correlation, "75%"));
}
END_TEST

START_TEST(same_class_only_raises_to_high) {
  add("neural-cleanse", MG_SEV_MEDIUM, 3, 0, 0);
  add("spectral-signatures", MG_SEV_LOW, 3, 500, 20);
  ck_assert_int_eq(mg_correlate(&r, &policy), MG_OK);
  ck_assert_int_eq(r.findings[0].severity, MG_SEV_HIGH);
  ck_assert_int_eq(r.findings[1].severity, MG_SEV_HIGH);
  ck_assert_ptr_nonnull(strstr(r.findings[1].correlation, "independently implicates class 3"));
}
END_TEST

START_TEST(uncorroborated_stays) {
  add("spectral-signatures", MG_SEV_MEDIUM, 3, 0, 10);
  add("spectral-signatures", MG_SEV_LOW, 3, 0, 10); /* same plugin twice */
  add("strip", MG_SEV_MEDIUM, 4, 0, 10);            /* another class */
  add("loss-outliers", MG_SEV_INFO, 3, 0, 10);      /* info does not accuse */
  add("core", MG_SEV_MEDIUM, 3, 0, 10);             /* the core is not a detector */
  ck_assert_int_eq(mg_correlate(&r, &policy), MG_OK);
  ck_assert_int_eq(r.findings[0].severity, MG_SEV_MEDIUM);
  ck_assert_int_eq(r.findings[1].severity, MG_SEV_LOW);
  ck_assert_int_eq(r.findings[2].severity, MG_SEV_MEDIUM);
  ck_assert_int_eq(r.findings[3].severity, MG_SEV_INFO);
  ck_assert_ptr_null(r.findings[0].correlation);
}
END_TEST

START_TEST(never_lowers) {
  add("neural-cleanse", MG_SEV_CRITICAL, 5, 0, 0);
  add("strip", MG_SEV_LOW, 5, 0, 10);
  ck_assert_int_eq(mg_correlate(&r, &policy), MG_OK);
  ck_assert_int_eq(r.findings[0].severity, MG_SEV_CRITICAL);
  ck_assert_ptr_null(r.findings[0].correlation);
  ck_assert_int_eq(r.findings[1].severity, MG_SEV_HIGH);
}
END_TEST

START_TEST(three_plugins_needed_when_configured) {
  policy.min_plugins = 3;
  add("a", MG_SEV_MEDIUM, 1, 0, 10);
  add("b", MG_SEV_MEDIUM, 1, 0, 10);
  ck_assert_int_eq(mg_correlate(&r, &policy), MG_OK);
  ck_assert_int_eq(r.findings[0].severity, MG_SEV_MEDIUM);
  add("c", MG_SEV_LOW, 1, 0, 10);
  ck_assert_int_eq(mg_correlate(&r, &policy), MG_OK);
  ck_assert_int_eq(r.findings[0].severity, MG_SEV_CRITICAL);
}
END_TEST

START_TEST(one_family_is_one_witness) {
  mg_strlist_add(&policy.family_plugins, "spectral-signatures");
  mg_strlist_add(&policy.families, "feature-space");
  mg_strlist_add(&policy.family_plugins, "activation-clustering");
  mg_strlist_add(&policy.families, "feature-space");
  add("spectral-signatures", MG_SEV_MEDIUM, 2, 0, 40);
  add("activation-clustering", MG_SEV_MEDIUM, 2, 0, 40);
  ck_assert_int_eq(mg_correlate(&r, &policy), MG_OK);
  ck_assert_int_eq(r.findings[0].severity, MG_SEV_MEDIUM); /* same evidence, no raise */
  add("neural-cleanse", MG_SEV_LOW, 2, 0, 0);
  ck_assert_int_eq(mg_correlate(&r, &policy), MG_OK);
  ck_assert_int_eq(r.findings[0].severity, MG_SEV_HIGH); /* an independent witness */
  ck_assert_int_eq(r.findings[1].severity, MG_SEV_HIGH);
  ck_assert_int_eq(r.findings[2].severity, MG_SEV_HIGH);
  mg_strlist_free(&policy.family_plugins);
  mg_strlist_free(&policy.families);
}
END_TEST

START_TEST(verdict_rules) {
  r.fail_on = MG_SEV_HIGH;
  add("x", MG_SEV_MEDIUM, -1, 0, 0);
  mg_results_decide(&r);
  ck_assert_int_eq(r.verdict, MG_VERDICT_PASS);
  ck_assert_int_eq(mg_results_exit_code(&r), 0);
  mg_result_plugin *p = mg_results_add_plugin(&r, "broken", "1", "d");
  p->status = MG_PLUGIN_TIMEOUT;
  mg_results_decide(&r);
  ck_assert_int_eq(r.verdict, MG_VERDICT_ERROR); /* incomplete evidence */
  add("y", MG_SEV_HIGH, -1, 0, 0);
  mg_results_decide(&r);
  ck_assert_int_eq(r.verdict, MG_VERDICT_FAIL); /* a failing gate wins */
  mg_err e = {MG_ERR_UNSAFE, "pkg: refused"};
  mg_results_set_error(&r, &e);
  mg_results_decide(&r);
  ck_assert_int_eq(r.verdict, MG_VERDICT_ERROR); /* incomplete scan wins */
  ck_assert_int_eq(mg_results_exit_code(&r), 2);
}
END_TEST

int main(void) {
  Suite *s = suite_create("checklist");
  TCase *tc = tcase_create("correlate");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, shared_rows_raise_to_critical);
  tcase_add_test(tc, same_class_only_raises_to_high);
  tcase_add_test(tc, uncorroborated_stays);
  tcase_add_test(tc, never_lowers);
  tcase_add_test(tc, three_plugins_needed_when_configured);
  tcase_add_test(tc, one_family_is_one_witness);
  tcase_add_test(tc, verdict_rules);
  suite_add_tcase(s, tc);
  return mg_check_run(s);
}
