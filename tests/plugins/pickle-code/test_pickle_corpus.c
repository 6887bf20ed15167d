/* pickle-code against the generated corpus: every malicious item is found
 * with the right import, rule, severity and byte offset; the benign files
 * torch/numpy/scikit-learn/joblib write give nothing high or critical. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus_util.h"
#include "fake_host.h"

static char *corpus;
static json_t *manifest;

static json_t *scan(const char *sub, int strict) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/%s", corpus, sub);
  fh_host *h = fh_open(dir);
  ck_assert_ptr_nonnull(h);
  fh_set_option(h, "rules-dir", cu_rules_dir());
  if (strict)
    fh_set_option(h, "strict", "1");
  int rc = fh_run(h, mg_plugin_entry());
  ck_assert_msg(rc == 0, "pickle-code run failed (%d) on %s", rc, dir);
  json_t *out = json_pack("{s:O, s:O}", "findings", fh_findings(h), "evidence", fh_evidence(h));
  fh_close(h);
  return out;
}

/* The finding of an expected item: same file, member, rule, and for
 * imports the import and the offset. */
static json_t *match(json_t *findings, json_t *want) {
  const char *file = json_string_value(json_object_get(want, "file"));
  const char *member = json_string_value(json_object_get(want, "member"));
  const char *imp = json_string_value(json_object_get(want, "import"));
  const char *rule = json_string_value(json_object_get(want, "rule"));
  json_t *off = json_object_get(want, "offset");
  /* Paths in the manifest are relative to the corpus; the scan ran in malicious/. */
  const char *rel = strchr(file, '/') ? strchr(file, '/') + 1 : file;
  size_t i;
  json_t *f;
  json_array_foreach(findings, i, f) {
    json_t *ev = json_object_get(f, "evidence");
    const char *art = json_string_value(json_object_get(f, "artifact"));
    const char *loc = json_string_value(json_object_get(f, "location"));
    if (!art || strcmp(art, rel) || strcmp(json_string_value(json_object_get(f, "rule")), rule))
      continue;
    if (member) {
      char want_loc[1024];
      snprintf(want_loc, sizeof want_loc, "member %s", member);
      if (!loc || strncmp(loc, want_loc, strlen(want_loc)))
        continue;
    }
    if (imp && strcmp(imp, "?") &&
        strcmp(json_string_value(json_object_get(ev, "import"))
                   ? json_string_value(json_object_get(ev, "import"))
                   : "",
               imp))
      continue;
    if (json_is_integer(off) &&
        json_integer_value(json_object_get(ev, "offset")) != json_integer_value(off))
      continue;
    return f;
  }
  return NULL;
}

START_TEST(test_malicious_all_found) {
  json_t *out = scan("malicious", 0);
  json_t *findings = json_object_get(out, "findings");
  json_t *items = json_object_get(manifest, "malicious");
  ck_assert_int_gt(json_array_size(items), 20);
  size_t i;
  json_t *want;
  json_array_foreach(items, i, want) {
    json_t *f = match(findings, want);
    if (!f) {
      char *d = cu_dump(findings);
      char *w = json_dumps(want, JSON_COMPACT);
      ck_abort_msg("not found: %s\nfindings: %s", w, d);
    }
    const char *sev = json_string_value(json_object_get(want, "severity"));
    ck_assert_msg(!strcmp(json_string_value(json_object_get(f, "severity")), sev),
                  "%s: severity %s, want %s", json_string_value(json_object_get(want, "what")),
                  json_string_value(json_object_get(f, "severity")), sev);
    /* Findings carry ATLAS techniques and the supply-chain control. */
    ck_assert_int_gt(json_array_size(json_object_get(f, "atlas")), 0);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(f, "controls"), 0)),
                     "CTL-17");
  }
  json_decref(out);
}
END_TEST

START_TEST(test_zip_tricks_are_corrupt_model) {
  json_t *out = scan("malicious", 0);
  size_t i;
  json_t *f;
  int seen = 0;
  json_array_foreach(json_object_get(out, "findings"), i, f) {
    const char *rule = json_string_value(json_object_get(f, "rule"));
    if (strncmp(rule, "zip.", 4))
      continue;
    seen++;
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(f, "atlas"), 0)),
                     "AML.T0076");
  }
  ck_assert_int_ge(seen, 3);
  json_decref(out);
}
END_TEST

START_TEST(test_benign_nothing_high) {
  json_t *out = scan("benign", 0);
  json_t *findings = json_object_get(out, "findings");
  size_t i;
  json_t *f;
  json_array_foreach(findings, i, f) {
    char *d = cu_dump(findings);
    ck_assert_msg(cu_rank(f) < 3, "benign file gave a high/critical finding: %s", d);
    free(d);
  }
  /* Not vacuous: the benign files were read as pickles with allowed imports. */
  json_t *ev = json_object_get(json_object_get(out, "evidence"), "pickle_code");
  ck_assert_int_ge(json_integer_value(json_object_get(ev, "pickles")),
                   (json_int_t)json_array_size(json_object_get(manifest, "benign")) - 4);
  ck_assert_int_gt(json_integer_value(json_object_get(json_object_get(ev, "imports"), "allowed")),
                   10);
  json_decref(out);
}
END_TEST

START_TEST(test_benign_strict_only_unknowns_escalate) {
  /* --strict turns unknown imports critical, nothing else: a plain torch
   * state dict stays clean. */
  json_t *out = scan("benign", 1);
  size_t i;
  json_t *f;
  json_array_foreach(json_object_get(out, "findings"), i, f) {
    const char *art = json_string_value(json_object_get(f, "artifact"));
    if (cu_rank(f) == 4) {
      ck_assert_str_eq(json_string_value(json_object_get(f, "rule")), "pickle.unknown-import");
    }
    ck_assert_msg(strcmp(art, "state_dict.pt") && strcmp(art, "state_dict_legacy.pt"),
                  "state dict gave a finding: %s", json_string_value(json_object_get(f, "title")));
  }
  json_decref(out);
}
END_TEST

int main(void) {
  corpus = cu_make_corpus();
  if (!corpus) {
    fprintf(stderr, "SKIP: no python3 to build the corpus\n");
    return 77;
  }
  char mpath[4096];
  snprintf(mpath, sizeof mpath, "%s/manifest.json", corpus);
  json_error_t je;
  manifest = json_load_file(mpath, 0, &je);
  if (!manifest) {
    fprintf(stderr, "%s: %s\n", mpath, je.text);
    return 1;
  }
  json_t *sk;
  size_t i;
  json_array_foreach(json_object_get(manifest, "skipped"), i, sk)
      fprintf(stderr, "corpus: skipped %s\n", json_string_value(sk));
  Suite *s = suite_create("pickle-corpus");
  TCase *tc = tcase_create("corpus");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_malicious_all_found);
  tcase_add_test(tc, test_zip_tricks_are_corrupt_model);
  tcase_add_test(tc, test_benign_nothing_high);
  tcase_add_test(tc, test_benign_strict_only_unknowns_escalate);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  json_decref(manifest);
  cu_remove_tree(corpus);
  free(corpus);
  return failed ? 1 : 0;
}
