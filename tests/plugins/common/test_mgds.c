/* Unit tests: the statistics shared by spectral-signatures and
 * activation-clustering (plugins/common/mgds_*.c) and the
 * 2-means/silhouette of activation-clustering, on synthetic data: a
 * separated group is split off and flagged, a Gaussian is not, the
 * reference-set test tells a foreign group from a natural one, the
 * cross-class p-values hold their false-alarm rate, and the severity ladder
 * needs both a separation and evidence. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ac_cluster.h"
#include "check_main.h"
#include "mgds.h"

START_TEST(binomial_and_fisher_tails) {
  ck_assert_double_eq_tol(mgds_binom_cdf(2, 10, 0.5), 56.0 / 1024.0, 1e-12);
  ck_assert_double_eq(mgds_binom_cdf(10, 10, 0.3), 1.0);
  ck_assert_double_eq(mgds_binom_cdf(0, 10, 0.0), 1.0);
  ck_assert_double_eq(mgds_binom_cdf(3, 10, 1.0), 0.0);
  /* 0.7^1000 underflows double arithmetic done naively; the log-space sum
   * keeps it (clamped at DBL_MIN only below 1e-308). */
  double p = mgds_binom_cdf(0, 1000, 0.3);
  ck_assert_double_eq_tol(log10(p), 1000 * log10(0.7), 1e-6);
  /* Fisher's exact test: 2 of 10 drawn from 20 with 10 successes has
   * P(X <= 2) = (C(10,0)C(10,10) + C(10,1)C(10,9) + C(10,2)C(10,8)) / C(20,10). */
  ck_assert_double_eq_tol(mgds_hyper_cdf(2, 20, 10, 10), (1.0 + 100 + 2025) / 184756.0, 1e-12);
  ck_assert_double_eq(mgds_hyper_cdf(10, 20, 10, 10), 1.0);
  ck_assert_double_eq(mgds_hyper_cdf(0, 20, 15, 10), 0.0); /* at least 5 successes drawn */
  ck_assert(isnan(mgds_hyper_cdf(0, 5, 6, 1)));
}
END_TEST

START_TEST(split_separates_two_groups_not_a_gaussian) {
  mgd_rng g;
  mgd_rng_seed(&g, 1, "split");
  double q[500];
  for (int i = 0; i < 500; i++)
    q[i] = i < 400 ? mgd_rng_normal(&g) : 9 + 0.5 * mgd_rng_normal(&g);
  mgds_split s;
  ck_assert_int_eq(mgds_split_1d(q, 500, &s), MG_OK);
  ck_assert_uint_eq(s.n_high, 100);
  ck_assert(s.threshold > 3 && s.threshold < 7);
  double m, sd;
  ck_assert_int_eq(mgds_split_null(500, 20, &g, &m, &sd), MG_OK);
  /* 2-means on a normal sample gives D near 2.65 (means +-0.80, SD 0.60). */
  ck_assert(m > 2.5 && m < 2.8 && sd > 0 && sd < 0.2);
  ck_assert(s.d > m + 10 * sd);
  for (int i = 0; i < 500; i++)
    q[i] = mgd_rng_normal(&g);
  ck_assert_int_eq(mgds_split_1d(q, 500, &s), MG_OK);
  ck_assert(s.d < m + 4 * sd);
  ck_assert_int_eq(mgds_split_1d(q, 3, &s), MG_ERR_ARGS);
}
END_TEST

/* 300 bulk rows N(0,1) and 30 rows at 8 +- 0.3; reference rows drawn from
 * the bulk only (foreign group) or with the same share at 8 (natural). */
static void side_case(int foreign, mgds_side *out) {
  mgd_rng g;
  mgd_rng_seed(&g, 7, "side");
  double q[330], r[110];
  unsigned char bulk[330];
  for (int i = 0; i < 330; i++) {
    q[i] = i < 300 ? mgd_rng_normal(&g) : 8 + 0.3 * mgd_rng_normal(&g);
    bulk[i] = i < 300 || i % 3 == 0; /* a split that left a third behind */
  }
  for (int i = 0; i < 110; i++)
    r[i] = !foreign && i < 10 ? 8 + 0.3 * mgd_rng_normal(&g) : mgd_rng_normal(&g);
  ck_assert_int_eq(mgds_side_eval(q, 330, r, 110, bulk, 1, MGDS_ROW_Z, out), MG_OK);
  for (int i = 300; i < 330; i++)
    ck_assert_msg(out->flag[i], "row %d of the group not flagged", i);
  ck_assert(out->n_flag >= 30 && out->n_flag <= 33);
}

START_TEST(side_flags_group_and_tests_reference) {
  mgds_side s;
  side_case(1, &s);
  ck_assert(s.ref_flag <= 1);
  ck_assert(s.p_ref < 1e-3);
  mgds_side_free(&s);
  side_case(0, &s);
  ck_assert(s.ref_flag >= 10);
  ck_assert(s.p_ref > 0.1);
  mgds_side_free(&s);
}
END_TEST

START_TEST(power_iteration_matches_lapack) {
  enum { D = 24 };
  mgd_rng g;
  mgd_rng_seed(&g, 3, "power");
  float x[200 * D], c[D * D], v[D], vals[3], vecs[3 * D], mean[D];
  for (int i = 0; i < 200; i++)
    for (int j = 0; j < D; j++) /* variance falls with j: a clear top axis */
      x[i * D + j] = (float)(mgd_rng_normal(&g) * (j == 5 ? 4.0 : 1.0 / (1 + j % 4)));
  mgds_mean(x, 200, D, 1, mean);
  mgds_gram(x, 200, D, c);
  double lam;
  ck_assert_int_gt(mgds_power(c, D, &g, v, &lam), 0);
  ck_assert_int_eq(mgds_top_eig(c, D, 3, vals, vecs), MG_OK);
  double dot = 0;
  for (int j = 0; j < D; j++)
    dot += (double)v[j] * vecs[j];
  ck_assert(fabs(dot) > 0.9999);
  ck_assert_double_eq_tol(lam, vals[0], 1e-3 * vals[0]);
  ck_assert(vals[0] >= vals[1] && vals[1] >= vals[2]);
  ck_assert(fabs(v[5]) > 0.99);
}
END_TEST

START_TEST(cross_class_false_alarm_rate) {
  mgd_rng g;
  mgd_rng_seed(&g, 11, "fw");
  int alarms = 0;
  double v[10], z[10], p[10];
  for (int t = 0; t < 200; t++) {
    for (int c = 0; c < 10; c++)
      v[c] = mgd_rng_normal(&g);
    mgds_loo_z(v, 10, z);
    ck_assert_int_eq(mgds_familywise_p(z, 10, (uint64_t)t, "fw-test", p), MG_OK);
    double mn = 1;
    for (int c = 0; c < 10; c++)
      mn = fmin(mn, p[c]);
    alarms += mn <= 0.05;
  }
  /* Family-wise 5%: 10 of 200 expected; binomial 99.9% range. */
  ck_assert_msg(alarms >= 2 && alarms <= 22, "%d alarms in 200 null draws", alarms);
  for (int c = 0; c < 10; c++)
    v[c] = c * 0.1;
  v[4] = 40;
  mgds_loo_z(v, 10, z);
  ck_assert_int_eq(mgds_familywise_p(z, 10, 1, "fw-test", p), MG_OK);
  ck_assert(p[4] < 0.01);
  ck_assert(p[0] > 0.5);
  ck_assert_int_eq(mgds_familywise_p(z, 2, 1, "fw-test", p), MG_OK);
  ck_assert(isnan(p[0]));
}
END_TEST

/* Ten classes with everything ordinary, then one with a tiny reference p. */
static void ladder(mgds_result *r, double p_ref, int sep_ok, size_t n_flag, size_t ref_flag) {
  memset(r, 0, 10 * sizeof *r);
  for (int c = 0; c < 10; c++) {
    r[c].analysed = 1;
    r[c].n = 400;
    r[c].n_ref = 100;
    r[c].n_sides = 2;
    r[c].stat = 0.1 * c;
    r[c].sep_ok = 1;
    r[c].size_ok = 1;
    r[c].side.n_flag = 2;
    r[c].side.ref_flag = 1;
    r[c].side.p_ref = 0.9;
  }
  r[3].side.p_ref = p_ref;
  r[3].sep_ok = sep_ok;
  r[3].side.n_flag = n_flag;
  r[3].side.ref_flag = ref_flag;
}

START_TEST(severity_needs_separation_and_evidence) {
  mgds_result r[10];
  const mgds_policy pol = {MG_SEV_MEDIUM, MG_SEV_LOW};
  ladder(r, 1e-12, 1, 100, 0);
  ck_assert_int_eq(mgds_decide(r, 10, &pol, 0, "t"), MG_OK);
  ck_assert_int_eq(r[3].severity, MG_SEV_HIGH);
  ck_assert(r[3].finding);
  for (int c = 0; c < 10; c++)
    ck_assert(c == 3 || !r[c].finding);
  ladder(r, 1e-6, 1, 100, 0); /* x 20 after Bonferroni: medium */
  ck_assert_int_eq(mgds_decide(r, 10, &pol, 0, "t"), MG_OK);
  ck_assert_int_eq(r[3].severity, MG_SEV_MEDIUM);
  ladder(r, 1e-12, 0, 100, 0); /* no separation beyond the null */
  ck_assert_int_eq(mgds_decide(r, 10, &pol, 0, "t"), MG_OK);
  ck_assert(!r[3].finding);
  ladder(r, 1e-12, 1, 4, 0); /* too few rows for a group */
  ck_assert_int_eq(mgds_decide(r, 10, &pol, 0, "t"), MG_OK);
  ck_assert(!r[3].finding);
  /* A cross-class outlier alone takes the plugin's severity, unless the
   * reference set holds the group at the training rate. */
  ladder(r, 0.5, 1, 100, 10);
  r[3].stat = 50;
  ck_assert_int_eq(mgds_decide(r, 10, &pol, 0, "t"), MG_OK);
  ck_assert(r[3].p_cross <= 0.01);
  ck_assert_int_eq(r[3].severity, MG_SEV_MEDIUM);
  ladder(r, 0.5, 1, 100, 30);
  r[3].stat = 50;
  ck_assert_int_eq(mgds_decide(r, 10, &pol, 0, "t"), MG_OK);
  ck_assert(!r[3].finding);
}
END_TEST

START_TEST(two_means_and_silhouette) {
  enum { N = 400, K = 3 };
  mgd_rng g;
  mgd_rng_seed(&g, 5, "km");
  float x[N * K], vals[K] = {1, 1, 1};
  unsigned char a[N];
  double cent[2 * K], inertia, pc[2];
  for (int i = 0; i < N; i++)
    for (int j = 0; j < K; j++)
      x[i * K + j] = (float)(mgd_rng_normal(&g) + (i < 80 && j == 0 ? 12 : 0));
  ck_assert_int_eq(ac_kmeans2(x, N, K, 4, &g, a, cent, &inertia), MG_OK);
  for (int i = 1; i < N; i++)
    ck_assert_int_eq(a[i] == a[0], i < 80);
  double s = ac_silhouette(x, N, K, a, 2000, &g, pc);
  ck_assert(s > 0.7 && pc[0] > 0.5 && pc[1] > 0.5);
  /* A sample gives nearly the same value. */
  ck_assert_double_eq_tol(ac_silhouette(x, N, K, a, 150, &g, pc), s, 0.05);
  double m, sd;
  ck_assert_int_eq(ac_silhouette_null(vals, K, N, 6, 2, 2000, &g, &m, &sd), MG_OK);
  ck_assert(m > 0.2 && m < 0.45 && sd < 0.05);
  ck_assert(s > m + 10 * sd);
  memset(x, 0, sizeof x); /* identical rows cannot be split */
  ck_assert_int_eq(ac_kmeans2(x, N, K, 2, &g, a, cent, &inertia), MG_ERR_NUMERIC);
}
END_TEST

int main(void) {
  Suite *s = suite_create("mgds");
  TCase *tc = tcase_create("stats");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, binomial_and_fisher_tails);
  tcase_add_test(tc, split_separates_two_groups_not_a_gaussian);
  tcase_add_test(tc, side_flags_group_and_tests_reference);
  tcase_add_test(tc, power_iteration_matches_lapack);
  tcase_add_test(tc, cross_class_false_alarm_rate);
  tcase_add_test(tc, severity_needs_separation_and_evidence);
  tcase_add_test(tc, two_means_and_silhouette);
  suite_add_tcase(s, tc);
  return mg_check_run(s);
}
