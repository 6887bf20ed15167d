/* Unit tests of the verdict stage on its own: the correlation rule between
 * plugins, the evidence table, and the checklist's evaluation of results
 * and package facts against the shipped rules (no scan). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "verdict/checklist.h"
#include "verdict/correlate.h"
#include "verdict/evidence.h"
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

/* A plugin's sub-threshold candidates on a class in its evidence: rows
 * [first, first+n) of a class of class_rows training rows
 * (docs/plugin-abi.md "Candidates"). */
static void candidates(const char *plugin, int label, uint64_t first, size_t n, long class_rows) {
  mg_result_plugin *p = mg_results_find_plugin(&r, plugin);
  if (!p)
    p = mg_results_add_plugin(&r, plugin, "1", "t");
  ck_assert_ptr_nonnull(p);
  json_t *list = json_object_get(p->evidence, "candidates");
  if (!list) {
    list = json_array();
    json_object_set_new(p->evidence, "candidates", list);
  }
  json_t *rows = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(rows, json_integer((json_int_t)(first + i)));
  json_array_append_new(list, json_pack("{s:i,s:i,s:o}", "label", label, "class_rows",
                                        (int)class_rows, "rows", rows));
}

/* A finding at low whose rows an independent witness's sub-threshold
 * candidates single out far beyond chance is raised; a finding below low,
 * and candidate lists on their own, are not. */
START_TEST(coinciding_candidates_raise_the_class) {
  candidates("input-consistency", 0, 100, 12, 450);
  add("neural-cleanse", MG_SEV_LOW, 0, 95, 30); /* all 12 shared */
  candidates("input-consistency", 1, 500, 12, 450);
  candidates("label-consistency", 1, 495, 30, 450);
  add("loss-outliers", MG_SEV_INFO, 1, 495, 30); /* below low: not an accusation */
  ck_assert_int_eq(mg_correlate(&r, &policy), MG_OK);
  ck_assert_int_eq(r.findings[0].severity, MG_SEV_HIGH);
  ck_assert_ptr_nonnull(strstr(r.findings[0].correlation, "input-consistency"));
  ck_assert_ptr_nonnull(strstr(r.findings[0].correlation, "hypergeometric"));
  ck_assert_int_eq(r.findings[1].severity, MG_SEV_INFO);
}
END_TEST

START_TEST(candidates_at_chance_stay) {
  /* 200 and 200 rows of 400 share 100: what chance gives. */
  add("label-consistency", MG_SEV_LOW, 2, 0, 200);
  candidates("input-consistency", 2, 100, 200, 400);
  /* Disjoint rows. */
  add("loss-outliers", MG_SEV_LOW, 3, 1100, 20);
  candidates("input-consistency", 3, 1000, 20, 400);
  ck_assert_int_eq(mg_correlate(&r, &policy), MG_OK);
  for (size_t i = 0; i < 2; i++) {
    ck_assert_int_eq(r.findings[i].severity, MG_SEV_LOW);
    ck_assert_ptr_null(r.findings[i].correlation);
  }
}
END_TEST

/* One family is one witness, and without the class's size there is no
 * chance to test against. */
START_TEST(candidates_need_independent_witnesses_and_a_class_size) {
  const char *family[] = {"spectre", "scan"};
  for (size_t i = 0; i < 2; i++) {
    mg_strlist_add(&policy.family_plugins, family[i]);
    mg_strlist_add(&policy.families, "feature-space");
  }
  add("spectre", MG_SEV_LOW, 5, 100, 20);
  candidates("scan", 5, 100, 20, 400);
  add("neural-cleanse", MG_SEV_LOW, 7, 500, 20);
  candidates("label-consistency", 7, 500, 20, 0); /* no class size */
  ck_assert_int_eq(mg_correlate(&r, &policy), MG_OK);
  for (size_t i = 0; i < 2; i++)
    ck_assert_int_eq(r.findings[i].severity, MG_SEV_LOW);
  mg_strlist_free(&policy.family_plugins);
  mg_strlist_free(&policy.families);
}
END_TEST

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

/* An all-to-all finding names no class: it corroborates, and is
 * corroborated by, another witness only through the rows they share. */
START_TEST(classless_findings_corroborate_by_rows) {
  add("label-consistency", MG_SEV_MEDIUM, -1, 100, 300);  /* rows of many classes */
  add("spectre", MG_SEV_LOW, 4, 350, 100);                /* 50 of 100 shared */
  add("spectral-signatures", MG_SEV_LOW, 6, 1000, 100);   /* no shared rows */
  add("activation-clustering", MG_SEV_LOW, -1, 2000, 50); /* classless, disjoint */
  ck_assert_int_eq(mg_correlate(&r, &policy), MG_OK);
  ck_assert_int_eq(r.findings[0].severity, MG_SEV_CRITICAL);
  ck_assert_int_eq(r.findings[1].severity, MG_SEV_CRITICAL);
  ck_assert_ptr_nonnull(strstr(r.findings[1].correlation, "50% of the same rows"));
  ck_assert_int_eq(r.findings[2].severity, MG_SEV_LOW);
  ck_assert_int_eq(r.findings[3].severity, MG_SEV_LOW);
}
END_TEST

/* A class-agnostic finding that lists nearly every row overlaps anything:
 * shared rows count only when they beat chance. */
START_TEST(classless_overlap_must_beat_chance) {
  add("label-consistency", MG_SEV_LOW, -1, 0, 1000); /* every row of a 1,000-row set */
  add("spectre", MG_SEV_MEDIUM, 4, 500, 40);         /* inside it, as any set would be */
  ck_assert_int_eq(mg_correlate(&r, &policy), MG_OK);
  ck_assert_int_eq(r.findings[0].severity, MG_SEV_LOW);
  ck_assert_int_eq(r.findings[1].severity, MG_SEV_MEDIUM);
}
END_TEST

/* A class-agnostic finding is no class: it never raises through the
 * class-only path, and one family's findings still count once. */
START_TEST(classless_findings_respect_families) {
  mg_strlist_add(&policy.family_plugins, "spectre");
  mg_strlist_add(&policy.families, "feature-space");
  mg_strlist_add(&policy.family_plugins, "spectral-signatures");
  mg_strlist_add(&policy.families, "feature-space");
  add("spectre", MG_SEV_HIGH, -1, 0, 500);
  add("spectral-signatures", MG_SEV_LOW, 3, 0, 50); /* same family, same rows */
  add("neural-cleanse", MG_SEV_LOW, 3, 0, 0);       /* a class, no rows */
  ck_assert_int_eq(mg_correlate(&r, &policy), MG_OK);
  ck_assert_int_eq(r.findings[0].severity, MG_SEV_HIGH);
  /* spectral-signatures and neural-cleanse agree on class 3 without rows */
  ck_assert_int_eq(r.findings[1].severity, MG_SEV_HIGH);
  ck_assert_int_eq(r.findings[2].severity, MG_SEV_HIGH);
  ck_assert_ptr_null(r.findings[0].correlation);
  mg_strlist_free(&policy.family_plugins);
  mg_strlist_free(&policy.families);
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
  /* Issue 14 item 9: every exit 2 says why, naming the plugin. */
  ck_assert_ptr_nonnull(r.error);
  ck_assert_ptr_nonnull(strstr(r.error, "plugin broken timed out"));
  add("y", MG_SEV_HIGH, -1, 0, 0);
  mg_results_decide(&r);
  ck_assert_int_eq(r.verdict, MG_VERDICT_FAIL); /* a failing gate wins */
  ck_assert_ptr_null(r.error);
  mg_err e = {MG_ERR_UNSAFE, "pkg: refused"};
  mg_results_set_error(&r, &e);
  mg_results_decide(&r);
  ck_assert_int_eq(r.verdict, MG_VERDICT_ERROR); /* incomplete scan wins */
  ck_assert_int_eq(mg_results_exit_code(&r), 2);
}
END_TEST

/* The checklist against the shipped rules. */
static mg_rules rules;
static mg_package pkg;

static void eval_setup(void) {
  mg_results_init(&r, "scan");
  r.fail_on = MG_SEV_HIGH;
  mg_package_init(&pkg);
  const char *top = getenv("TOP_SRCDIR");
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/rules", top ? top : ".");
  mg_limits lim;
  mg_limits_default(&lim);
  mg_err err;
  ck_assert_msg(mg_rules_load(dir, &lim, &rules, &err) == MG_OK, "%s", err.msg);
}

static void eval_teardown(void) {
  mg_rules_free(&rules);
  mg_package_free(&pkg);
  mg_results_free(&r);
}

static const mg_result_control *control(const char *id) {
  for (size_t i = 0; i < r.n_controls; i++)
    if (!strcmp(r.controls[i].id, id))
      return &r.controls[i];
  ck_abort_msg("no control %s in the results", id);
  return NULL;
}

static void evaluate(unsigned run) {
  mg_err err;
  ck_assert_int_eq(mg_checklist_evaluate(&rules, &pkg, run, &r, &err), MG_OK);
  ck_assert_uint_eq(r.n_controls, rules.n_controls);
}

static void cite(const char *plugin, mg_severity sev, const char *ctl) {
  const char *controls[] = {ctl, NULL};
  mg_finding f = MG_FINDING_INIT;
  f.severity = sev;
  f.rule = "t";
  f.title = "t";
  ck_assert_ptr_nonnull(mg_results_add_finding(&r, plugin, &f, NULL, NULL, controls));
}

/* The evidence names map to the controls the checklist gives them to. */
START_TEST(evidence_map_reads_the_checklist) {
  mg_evidence_map m;
  mg_evidence_map_init(&m, &rules);
  ck_assert_str_eq(m.control[MG_EV_PROVENANCE], "CTL-01");
  ck_assert_str_eq(m.control[MG_EV_DP_SGD], "CTL-08");
  ck_assert_str_eq(m.control[MG_EV_DIGESTS], "CTL-16");
  ck_assert_str_eq(m.control[MG_EV_LINEAGE], "CTL-07");
  ck_assert_str_eq(m.control[MG_EV_PARENT], "CTL-12");
  const char *cited[3];
  mg_evidence_cite(&m, MG_EV_LINEAGE, MG_EV_DIGESTS, cited);
  ck_assert_str_eq(cited[0], "CTL-07");
  ck_assert_str_eq(cited[1], "CTL-16");
  ck_assert_ptr_null(cited[2]);
}
END_TEST

/* A checklist that gives the digests evidence to another control moves the
 * facts with it; evidence no control names records nothing. */
START_TEST(evidence_follows_the_rules) {
  mg_control_def d;
  memset(&d, 0, sizeof d);
  d.id = "AUDIT-9";
  mg_strlist_add(&d.registry_checks, "digests");
  mg_rules own;
  memset(&own, 0, sizeof own);
  own.controls = &d;
  own.n_controls = 1;
  mg_evidence_map m;
  mg_evidence_map_init(&m, &own);
  mg_strlist_free(&d.registry_checks);
  ck_assert_int_eq(mg_evidence_fact(&r, &m, MG_EV_DIGESTS, 1, "all match"), MG_OK);
  ck_assert_int_eq(mg_evidence_fact(&r, &m, MG_EV_LINEAGE, 0, "unknown"), MG_OK);
  ck_assert_uint_eq(r.n_facts, 1);
  ck_assert_str_eq(r.facts[0].control, "AUDIT-9");
  ck_assert_str_eq(r.facts[0].source, "registry");
}
END_TEST

START_TEST(plugin_statuses) {
  mg_results_add_plugin(&r, "loss-outliers", "1", "d")->status = MG_PLUGIN_OK;
  mg_results_add_plugin(&r, "neural-cleanse", "1", "d")->status = MG_PLUGIN_ERROR;
  evaluate(MG_CHECKLIST_PLUGINS);
  ck_assert_int_eq(control("CTL-05")->status, MG_CONTROL_PASS);
  ck_assert_str_eq(control("CTL-05")->note, "evidenced by loss-outliers");
  ck_assert_int_eq(control("CTL-10")->status, MG_CONTROL_ERROR);
  ck_assert_str_eq(control("CTL-10")->note, "evidence plugin(s) failed: neural-cleanse");
  ck_assert_int_eq(control("CTL-03")->status, MG_CONTROL_NOT_EVALUATED);
}
END_TEST

START_TEST(findings_fail_at_the_gate) {
  mg_results_add_plugin(&r, "spectral-signatures", "1", "d")->status = MG_PLUGIN_OK;
  cite("spectral-signatures", MG_SEV_HIGH, "CTL-06");
  cite("spectral-signatures", MG_SEV_MEDIUM, "CTL-02");
  evaluate(MG_CHECKLIST_PLUGINS);
  ck_assert_int_eq(control("CTL-06")->status, MG_CONTROL_FAIL);
  ck_assert_str_eq(control("CTL-06")->note, "1 finding(s) at or above high");
  ck_assert_int_eq(control("CTL-02")->status, MG_CONTROL_PASS);
  ck_assert_str_eq(control("CTL-02")->note,
                   "evidenced by spectral-signatures (findings below the failing severity)");
}
END_TEST

/* Who decided: a control whose failing findings are all waived passes,
 * decided by the reviewer; one only an attestation speaks for is attested,
 * decided by the vendor; evidence alone decides the others. */
START_TEST(reviewer_and_vendor_decisions) {
  static mg_waiver w = {
      .id = "W-1", .label = -1, .approved_by = "R. Viewer", .expires = "2099-12-31"};
  mg_results_add_plugin(&r, "spectral-signatures", "1", "d")->status = MG_PLUGIN_OK;
  cite("spectral-signatures", MG_SEV_CRITICAL, "CTL-06");
  r.findings[0].waived = &w;
  pkg.desc.present = 1;
  pkg.desc.attestations = json_pack("{s:{s:s, s:s, s:s}}", "CTL-15", "by", "J. Doe", "date",
                                    "2026-10-02", "statement", "reviewed");
  evaluate(MG_CHECKLIST_PLUGINS);
  ck_assert_int_eq(control("CTL-06")->status, MG_CONTROL_PASS);
  ck_assert_int_eq(control("CTL-06")->decided_by, MG_DECIDED_REVIEWER);
  ck_assert_msg(
      strstr(control("CTL-06")->note, "waived by the reviewer (W-1, approved by R. Viewer"), "%s",
      control("CTL-06")->note);
  ck_assert_int_eq(control("CTL-15")->status, MG_CONTROL_ATTESTED);
  ck_assert_int_eq(control("CTL-15")->decided_by, MG_DECIDED_VENDOR);
  ck_assert_int_eq(control("CTL-02")->decided_by, MG_DECIDED_EVIDENCE);
  ck_assert_int_eq(mg_results_control_fails_gate(control("CTL-06")), 0);
}
END_TEST

/* Package facts: provenance that misses the training set, an epsilon above
 * the policy's. */
START_TEST(package_facts) {
  mg_file *train = mg_inventory_add(&pkg.inv);
  train->path = strdup("train.npy");
  pkg.train_inputs = train;
  pkg.desc.present = 1;
  pkg.desc.provenance = json_pack("[{s:s}]", "path", "other.npy");
  pkg.desc.training = json_pack("{s:{s:f}}", "dp_sgd", "epsilon", 12.0);
  evaluate(MG_CHECKLIST_PLUGINS);
  ck_assert_int_eq(control("CTL-01")->status, MG_CONTROL_FAIL);
  ck_assert_str_eq(control("CTL-01")->note,
                   "untracked training data: no provenance record names train.npy");
  ck_assert_int_eq(control("CTL-08")->status, MG_CONTROL_FAIL);
  ck_assert_str_eq(control("CTL-08")->note,
                   "DP-SGD with epsilon 12 (weak guarantee; policy allows at most 10)");
}
END_TEST

/* The policy's requirements follow what ran. */
START_TEST(requirements_follow_the_run) {
  evaluate(MG_CHECKLIST_PLUGINS);
  ck_assert_int_eq(control("CTL-17")->required, 1);
  ck_assert_int_eq(control("CTL-16")->required, 0);
  mg_results_free(&r);
  mg_results_init(&r, "verify");
  evaluate(MG_CHECKLIST_REGISTRY);
  ck_assert_int_eq(control("CTL-17")->required, 0);
  ck_assert_int_eq(control("CTL-16")->required, 1);
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
  tcase_add_test(tc, classless_findings_corroborate_by_rows);
  tcase_add_test(tc, classless_findings_respect_families);
  tcase_add_test(tc, classless_overlap_must_beat_chance);
  tcase_add_test(tc, verdict_rules);
  tcase_add_test(tc, coinciding_candidates_raise_the_class);
  tcase_add_test(tc, candidates_at_chance_stay);
  tcase_add_test(tc, candidates_need_independent_witnesses_and_a_class_size);
  suite_add_tcase(s, tc);
  TCase *ev = tcase_create("evaluate");
  tcase_add_checked_fixture(ev, eval_setup, eval_teardown);
  tcase_add_test(ev, evidence_map_reads_the_checklist);
  tcase_add_test(ev, evidence_follows_the_rules);
  tcase_add_test(ev, plugin_statuses);
  tcase_add_test(ev, findings_fail_at_the_gate);
  tcase_add_test(ev, reviewer_and_vendor_decisions);
  tcase_add_test(ev, package_facts);
  tcase_add_test(ev, requirements_follow_the_run);
  suite_add_tcase(s, ev);
  return mg_check_run(s);
}
