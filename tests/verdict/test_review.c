/* Unit tests of the reviewer's inputs: finding fingerprints (the documented
 * formula, stable under what may change between runs), the waivers file
 * (what it accepts, every kind of mistake it refuses, what each waiver does
 * to the findings and the verdict) and the baseline comparison. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "intake/sha256.h"
#include "verdict/baseline.h"
#include "verdict/waivers.h"

#define PKG "2372af55a903b2923f69845f58dd0394288472b0b38db5b52553567c7ef960a8"
#define OTHER "1111111111111111111111111111111111111111111111111111111111111111"

static mg_results r;

static void setup(void) {
  mg_results_init(&r, "scan");
  r.fail_on = MG_SEV_HIGH;
  r.package_sha256 = strdup(PKG);
}

static void teardown(void) {
  mg_results_free(&r);
}

static mg_result_finding *add(const char *plugin, const char *rule, mg_severity sev, int label,
                              const char *artifact, const uint64_t *rows, size_t n) {
  mg_finding f = MG_FINDING_INIT;
  f.severity = sev;
  f.rule = rule;
  f.title = "a title";
  f.label = label;
  f.artifact = artifact;
  if (n) {
    f.dataset = "train";
    f.indices = rows;
    f.n_indices = n;
  }
  mg_result_finding *out = mg_results_add_finding(&r, plugin, &f, NULL, NULL, NULL);
  ck_assert_ptr_nonnull(out);
  return out;
}

START_TEST(fingerprint_follows_the_documented_formula) {
  const uint64_t rows[] = {5, 1, 5, 3};
  mg_result_finding *f = add("p", "r", MG_SEV_HIGH, 3, "a.npy", rows, 4);
  char samples[MG_SHA256_HEX], expected[MG_SHA256_HEX], key[400];
  ck_assert_int_eq(mg_sha256_buffer("1,3,5", 5, samples, NULL), MG_OK);
  snprintf(key, sizeof key,
           "[\"modelgate-finding/1\",\"p\",\"p.r\",3,\"a.npy\",null,\"train\",\"%s\"]", samples);
  ck_assert_int_eq(mg_sha256_buffer(key, strlen(key), expected, NULL), MG_OK);
  ck_assert_str_eq(f->fingerprint, expected);
}
END_TEST

START_TEST(fingerprint_stable_under_order_and_wording) {
  const uint64_t a[] = {9, 2, 7}, b[] = {2, 7, 9, 7};
  mg_finding f = MG_FINDING_INIT;
  char first[MG_SHA256_HEX];
  snprintf(first, sizeof first, "%s", add("p", "r", MG_SEV_HIGH, 1, "x", a, 3)->fingerprint);
  /* Same rows in another order (and repeated), another severity, title, score. */
  f.severity = MG_SEV_LOW;
  f.rule = "r";
  f.title = "reworded";
  f.label = 1;
  f.artifact = "x";
  f.dataset = "train";
  f.indices = b;
  f.n_indices = 4;
  f.score = 12.5;
  ck_assert_str_eq(mg_results_add_finding(&r, "p", &f, NULL, NULL, NULL)->fingerprint, first);
  /* What identifies the finding changes it. */
  ck_assert_str_ne(add("p", "r", MG_SEV_HIGH, 2, "x", a, 3)->fingerprint, first);
  ck_assert_str_ne(add("p", "r", MG_SEV_HIGH, 1, "y", a, 3)->fingerprint, first);
  ck_assert_str_ne(add("p", "r", MG_SEV_HIGH, 1, "x", a, 2)->fingerprint, first);
  ck_assert_str_ne(add("q", "r", MG_SEV_HIGH, 1, "x", a, 3)->fingerprint, first);
  ck_assert_str_ne(add("p", "s", MG_SEV_HIGH, 1, "x", a, 3)->fingerprint, first);
}
END_TEST

static const char *waiver_doc(const char *entries) {
  static char doc[8192];
  snprintf(doc, sizeof doc,
           "{\"format\": \"modelgate-waivers\", \"version\": 1, \"waivers\": [%s]}", entries);
  return doc;
}

#define WAIVER(target, pkg, on, exp)                                                               \
  "{" target ", \"package_sha256\": \"" pkg "\", \"reason\": \"accepted risk\", "                  \
  "\"approved_by\": \"R. Viewer\", \"approved_on\": \"" on "\", \"expires\": \"" exp "\"}"

START_TEST(parses_a_valid_file) {
  const char *doc = waiver_doc(
      WAIVER("\"id\": \"W-1\", \"rule\": \"p.r\", \"class\": 3", PKG, "2026-01-01",
             "2026-12-31") "," WAIVER("\"fingerprint\": "
                                      "\"2F34E660D6FC627DE3CAA1FBC9C9924E45F495F47E11A26A8A14895FEC"
                                      "FC6E85\"",
                                      PKG, "2024-02-29",
                                      "2024-02-29") "," WAIVER("\"plugin\": \"p\"", OTHER,
                                                               "2026-01-01", "2099-01-01"));
  mg_waivers w;
  mg_err err;
  mg_err_clear(&err);
  ck_assert_msg(mg_waivers_parse(doc, strlen(doc), "w.json", &w, &err) == MG_OK, "%s", err.msg);
  ck_assert_uint_eq(w.count, 3);
  ck_assert_str_eq(w.items[0].id, "W-1");
  ck_assert_str_eq(w.items[0].rule, "p.r");
  ck_assert_int_eq(w.items[0].label, 3);
  ck_assert_str_eq(w.items[1].id, "waivers[1]");
  ck_assert_str_eq(w.items[1].fingerprint,
                   "2f34e660d6fc627de3caa1fbc9c9924e45f495f47e11a26a8a14895fecfc6e85");
  ck_assert_int_eq(w.items[1].label, -1);
  ck_assert_str_eq(w.items[2].plugin, "p");
  ck_assert_str_eq(w.items[2].expires, "2099-01-01");
  mg_waivers_free(&w);
}
END_TEST

/* Each mistake is refused with a message naming the file and the place. */
START_TEST(refuses_mistakes) {
  static const struct {
    const char *doc, *message;
  } cases[] = {
      {"{\"format\": \"modelgate-waivers\", \"version\": 1}", "w.json: waivers: expected an array"},
      {"{\"format\": \"modelgate-registry\", \"version\": 1, \"waivers\": []}", "w.json: format"},
      {"{\"format\": \"modelgate-waivers\", \"version\": 2, \"waivers\": []}", "w.json: version"},
      {"{\"format\": \"modelgate-waivers\", \"version\": 1, \"waivers\": [], \"x\": 1}",
       "unknown key \"x\""},
      {"{\"format\": \"modelgate-waivers\", \"version\": 1, \"waivers\": [}", "w.json:1:"},
      {"{\"format\": \"modelgate-waivers\", \"format\": \"modelgate-waivers\"}", "duplicate"},
      {"[]", "w.json: expected a JSON object"},
  };
  static const struct {
    const char *waiver, *message;
  } entries[] = {
      {WAIVER("\"rule\": \"p.r\", \"expire\": 1", PKG, "2026-01-01", "2026-12-31"),
       "waivers[0]: unknown key \"expire\""},
      {WAIVER("\"rule\": \"p.r\", \"plugin\": \"p\"", PKG, "2026-01-01", "2026-12-31"),
       "waivers[0]: name exactly one"},
      {WAIVER("\"id\": \"x\"", PKG, "2026-01-01", "2026-12-31"), "waivers[0]: name exactly one"},
      {WAIVER("\"rule\": \"pr\"", PKG, "2026-01-01", "2026-12-31"), "waivers[0].rule"},
      {WAIVER("\"plugin\": \"p.r\"", PKG, "2026-01-01", "2026-12-31"), "waivers[0].plugin"},
      {WAIVER("\"fingerprint\": \"" PKG "\", \"class\": 1", PKG, "2026-01-01", "2026-12-31"),
       "waivers[0].class: applies only"},
      {WAIVER("\"rule\": \"p.r\", \"class\": -1", PKG, "2026-01-01", "2026-12-31"),
       "waivers[0].class"},
      {WAIVER("\"fingerprint\": \"abc\"", PKG, "2026-01-01", "2026-12-31"),
       "waivers[0].fingerprint: expected 64"},
      {WAIVER("\"rule\": \"p.r\"", "xyz", "2026-01-01", "2026-12-31"), "waivers[0].package_sha256"},
      {WAIVER("\"rule\": \"p.r\"", PKG, "2026-02-30", "2026-12-31"),
       "waivers[0].approved_on: not a calendar date"},
      {WAIVER("\"rule\": \"p.r\"", PKG, "2025-02-29", "2026-12-31"), "not a calendar date"},
      {WAIVER("\"rule\": \"p.r\"", PKG, "2026-01-01", "31/12/2026"),
       "waivers[0].expires: expected a date YYYY-MM-DD"},
      {WAIVER("\"rule\": \"p.r\"", PKG, "2026-06-01", "2026-01-01"),
       "waivers[0].expires: before approved_on"},
      {"{\"rule\": \"p.r\", \"package_sha256\": \"" PKG "\", \"approved_by\": \"a\", "
       "\"approved_on\": \"2026-01-01\", \"expires\": \"2026-01-02\"}",
       "waivers[0].reason: missing"},
      {"{\"rule\": \"p.r\", \"package_sha256\": \"" PKG "\", \"reason\": \"\", \"approved_by\": "
       "\"a\", \"approved_on\": \"2026-01-01\", \"expires\": \"2026-01-02\"}",
       "waivers[0].reason: empty"},
      {"3", "waivers[0]: expected an object"},
      {WAIVER("\"id\": \"A\", \"rule\": \"p.r\"", PKG, "2026-01-01", "2026-12-31") "," WAIVER(
           "\"id\": \"A\", \"plugin\": \"p\"", PKG, "2026-01-01", "2026-12-31"),
       "waivers[1].id: the same id"},
  };
  mg_waivers w;
  mg_err err;
  for (size_t i = 0; i < sizeof cases / sizeof *cases + sizeof entries / sizeof *entries; i++) {
    const char *doc = i < sizeof cases / sizeof *cases
                          ? cases[i].doc
                          : waiver_doc(entries[i - sizeof cases / sizeof *cases].waiver);
    const char *message = i < sizeof cases / sizeof *cases
                              ? cases[i].message
                              : entries[i - sizeof cases / sizeof *cases].message;
    mg_err_clear(&err);
    ck_assert_msg(mg_waivers_parse(doc, strlen(doc), "w.json", &w, &err) != MG_OK, "accepted: %s",
                  doc);
    ck_assert_msg(strstr(err.msg, message) && !strncmp(err.msg, "w.json", 6) &&
                      !strchr(err.msg, '\n'),
                  "case %zu: '%s' does not say '%s'", i, err.msg, message);
    ck_assert_ptr_null(w.items);
  }
}
END_TEST

static mg_waivers load(const char *entries) {
  const char *doc = waiver_doc(entries);
  mg_waivers w;
  mg_err err;
  mg_err_clear(&err);
  ck_assert_msg(mg_waivers_parse(doc, strlen(doc), "w.json", &w, &err) == MG_OK, "%s", err.msg);
  return w;
}

START_TEST(applies_valid_waivers_only) {
  mg_result_finding *crit = add("p", "r", MG_SEV_CRITICAL, 3, "a", NULL, 0);
  add("p", "r", MG_SEV_HIGH, 4, "a", NULL, 0);
  mg_results_decide(&r);
  ck_assert_int_eq(r.verdict, MG_VERDICT_FAIL);
  /* Class 3 only; an expired waiver and one for another package also
   * match, but waive nothing; a waiver for rule s matches nothing. */
  mg_waivers w =
      load(WAIVER("\"id\": \"old\", \"rule\": \"p.r\"", PKG, "2020-01-01", "2020-12-31") "," WAIVER(
          "\"id\": \"c3\", \"rule\": \"p.r\", "
          "\"class\": 3",
          PKG, "2026-01-01",
          "2026-12-07") "," WAIVER("\"id\": \"elsewhere\", \"plugin\": \"p\"", OTHER, "2026-01-01",
                                   "2099-12-31") "," WAIVER("\"id\": \"none\", "
                                                            "\"rule\": \"p.s\"",
                                                            PKG, "2026-01-01", "2099-12-31"));
  ck_assert_int_eq(mg_waivers_apply(&w, "2026-12-07", &r), MG_OK);
  ck_assert_uint_eq(r.n_waivers, 4);
  ck_assert_int_eq(r.waivers[0].state, MG_WAIVER_EXPIRED);
  ck_assert_uint_eq(r.waivers[0].findings.count, 2); /* would have waived both */
  ck_assert_int_eq(r.waivers[1].state, MG_WAIVER_APPLIED);
  ck_assert_uint_eq(r.waivers[1].findings.count, 1);
  ck_assert_int_eq(r.waivers[2].state, MG_WAIVER_OTHER_PACKAGE);
  ck_assert_int_eq(r.waivers[3].state, MG_WAIVER_UNMATCHED);
  ck_assert_ptr_eq(r.findings[0].waived, &w.items[1]);
  ck_assert_ptr_null(r.findings[1].waived);
  ck_assert_int_eq(mg_results_finding_fails_gate(&r, crit), 0);
  mg_results_decide(&r);
  ck_assert_int_eq(r.verdict, MG_VERDICT_FAIL); /* the class 4 finding still fails */
  /* The day after expiry, nothing is waived; applying again starts over. */
  ck_assert_int_eq(mg_waivers_apply(&w, "2026-12-08", &r), MG_OK);
  ck_assert_int_eq(r.waivers[1].state, MG_WAIVER_EXPIRED);
  ck_assert_ptr_null(r.findings[0].waived);
  ck_assert_uint_eq(r.n_waivers, 4);
  mg_waivers_free(&w);
}
END_TEST

START_TEST(waived_findings_pass_the_gate) {
  mg_result_finding *f = add("p", "r", MG_SEV_CRITICAL, -1, "a", NULL, 0);
  add("p", "info", MG_SEV_INFO, -1, "a", NULL, 0);
  char entry[600];
  snprintf(entry, sizeof entry,
           "{\"fingerprint\": \"%s\", \"package_sha256\": \"" PKG "\", \"reason\": \"sandboxed\", "
           "\"approved_by\": \"R\", \"approved_on\": \"2026-01-01\", \"expires\": \"2099-01-01\"}",
           f->fingerprint);
  mg_waivers w = load(entry);
  ck_assert_int_eq(mg_waivers_apply(&w, "2026-12-07", &r), MG_OK);
  mg_results_decide(&r);
  ck_assert_int_eq(r.verdict, MG_VERDICT_PASS);
  ck_assert_int_eq(r.findings[0].severity, MG_SEV_CRITICAL); /* severity stays */
  /* Without a package digest (the scan stopped early) no waiver applies. */
  free(r.package_sha256);
  r.package_sha256 = NULL;
  ck_assert_int_eq(mg_waivers_apply(&w, "2026-12-07", &r), MG_OK);
  ck_assert_int_eq(r.waivers[0].state, MG_WAIVER_OTHER_PACKAGE);
  mg_results_decide(&r);
  ck_assert_int_eq(r.verdict, MG_VERDICT_FAIL);
  mg_waivers_free(&w);
}
END_TEST

static const char *baseline_doc(const char *findings) {
  static char doc[8192];
  snprintf(doc, sizeof doc,
           "{\"schema\": \"modelgate-results/1\", \"started\": \"2026-12-01T00:00:00Z\", "
           "\"package\": {\"name\": \"demo\", \"sha256\": null}, \"findings\": [%s]}",
           findings);
  return doc;
}

START_TEST(baseline_marks_new_unchanged_and_gone) {
  mg_result_finding *kept = add("p", "r", MG_SEV_HIGH, 1, "a", NULL, 0);
  add("p", "r", MG_SEV_HIGH, 2, "a", NULL, 0);
  char findings[2000];
  snprintf(findings, sizeof findings,
           "{\"id\": \"F0001\", \"rule\": \"p.r\", \"title\": \"t\", \"severity\": \"high\", "
           "\"fingerprint\": \"%s\"},"
           "{\"id\": \"F0002\", \"rule\": \"p.old\", \"title\": \"gone one\", \"severity\": "
           "\"critical\", \"artifact\": \"a\", \"location\": null, \"label\": 7, "
           "\"fingerprint\": \"" OTHER "\"},"
           "{\"id\": \"F0003\", \"rule\": \"p.old\", \"title\": \"again\", \"severity\": "
           "\"low\", \"fingerprint\": \"" OTHER "\"}",
           kept->fingerprint);
  const char *doc = baseline_doc(findings);
  mg_baseline b;
  mg_err err;
  mg_err_clear(&err);
  ck_assert_msg(mg_baseline_parse(doc, strlen(doc), "old.json", &b, &err) == MG_OK, "%s", err.msg);
  ck_assert_int_eq(mg_baseline_compare(&b, &r), MG_OK);
  ck_assert_int_eq(r.findings[0].baseline, MG_BASELINE_UNCHANGED);
  ck_assert_int_eq(r.findings[1].baseline, MG_BASELINE_NEW);
  ck_assert_uint_eq(r.n_gone, 1);
  ck_assert_str_eq(r.gone[0].id, "F0002");
  ck_assert_int_eq(r.gone[0].severity, MG_SEV_CRITICAL);
  ck_assert_int_eq(r.gone[0].label, 7);
  ck_assert_str_eq(r.baseline_package_name, "demo");
  ck_assert_int_eq(mg_baseline_compare(&b, &r), MG_OK); /* starts over */
  ck_assert_uint_eq(r.n_gone, 1);
  mg_baseline_free(&b);
}
END_TEST

START_TEST(baseline_refuses_other_documents) {
  static const struct {
    const char *doc, *message;
  } cases[] = {
      {"{\"schema\": \"modelgate-registry\"}", "old.json: not a modelgate JSON results document"},
      {"{\"schema\": \"modelgate-results/2\", \"findings\": []}", "only modelgate-results/1"},
      {"{\"schema\": \"modelgate-results/1\", \"package\": {}, \"findings\": {}}",
       "findings: expected an array"},
      {"{\"schema\": \"modelgate-results/1\", \"package\": {}, \"findings\": [{\"id\": \"F0001\", "
       "\"rule\": \"p.r\", \"title\": \"t\", \"severity\": \"high\"}]}",
       "findings[0] has no fingerprint"},
      {"{\"schema\": \"modelgate-results/1\", \"package\": {}, \"findings\": [{\"id\": \"F0001\", "
       "\"rule\": \"p.r\", \"title\": \"t\", \"severity\": \"severe\", \"fingerprint\": \"" PKG
       "\"}]}",
       "findings[0].severity"},
      {"{\"schema\": ", "old.json:1:"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    mg_baseline b;
    mg_err err;
    mg_err_clear(&err);
    ck_assert(mg_baseline_parse(cases[i].doc, strlen(cases[i].doc), "old.json", &b, &err) != MG_OK);
    ck_assert_msg(strstr(err.msg, cases[i].message), "case %zu: '%s' does not say '%s'", i, err.msg,
                  cases[i].message);
  }
}
END_TEST

int main(void) {
  return mg_check_case(
      "review", setup, teardown,
      MG_CHECK_TESTS(fingerprint_follows_the_documented_formula,
                     fingerprint_stable_under_order_and_wording, parses_a_valid_file,
                     refuses_mistakes, applies_valid_waivers_only, waived_findings_pass_the_gate,
                     baseline_marks_new_unchanged_and_gone, baseline_refuses_other_documents));
}
