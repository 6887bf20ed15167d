/* Unit tests: the neural-cleanse decision (plugins/neural-cleanse/
 * nc_decide.c). On exchangeable classes it flags no more often than its
 * level; a target far below the rest is flagged and ranked first; the
 * step-down finds two targets; the paper's anomaly index is the textbook
 * one; the naturalness check only marks, never adds; degenerate rankings
 * neither crash nor flag. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "mgd.h"
#include "nc_decide.h"

static void fill(nc_result *r, const double *norms, size_t k) {
  memset(r, 0, k * sizeof *r);
  for (size_t i = 0; i < k; i++) {
    r[i].target = (int32_t)i;
    r[i].norm = norms[i];
    r[i].reached = 1;
  }
}

/* Fraction of clean rankings (iid log-norms from gen) that get a flag. */
static double false_alarms(size_t k, int trials, int heavy, uint64_t seed) {
  mgd_rng rng;
  mgd_rng_seed(&rng, seed, "test-nc-calibration");
  nc_result *r = calloc(k, sizeof *r);
  double *norms = calloc(k, sizeof *norms);
  int flagged = 0;
  for (int t = 0; t < trials; t++) {
    for (size_t i = 0; i < k; i++) {
      double z = mgd_rng_normal(&rng);
      if (heavy) { /* Student-t, 4 degrees of freedom: the null itself */
        double c = 0;
        for (int f = 0; f < 4; f++) {
          double g = mgd_rng_normal(&rng);
          c += g * g;
        }
        z /= sqrt(c / 4);
      }
      norms[i] = 60.0 * exp(0.3 * z);
    }
    fill(r, norms, k);
    nc_decision d;
    ck_assert_int_eq(nc_decide(r, k, NULL, (uint64_t)t, 1000, &d), MG_OK);
    flagged += d.n_flagged > 0;
    nc_decision_free(&d);
  }
  free(r);
  free(norms);
  return (double)flagged / trials;
}

START_TEST(clean_rankings_flag_at_most_alpha) {
  /* Under the t null the min-p adjusted step-down flags a clean model at
   * its level; under a normal spread (lighter tails), less often. The
   * bounds are the level plus three binomial standard deviations. */
  double heavy = false_alarms(10, 800, 1, 11);
  double normal = false_alarms(10, 300, 0, 12);
  double many = false_alarms(43, 100, 1, 13);
  printf("false alarms: t null %.3f (10 classes), %.3f (43); normal %.3f\n", heavy, many, normal);
  ck_assert_msg(heavy <= NC_ALPHA + 3 * sqrt(NC_ALPHA * (1 - NC_ALPHA) / 800), "t, 10: %.3f",
                heavy);
  ck_assert_msg(normal <= NC_ALPHA + 3 * sqrt(NC_ALPHA * (1 - NC_ALPHA) / 300), "n, 10: %.3f",
                normal);
  ck_assert_msg(many <= NC_ALPHA + 3 * sqrt(NC_ALPHA * (1 - NC_ALPHA) / 100), "t, 43: %.3f", many);
}
END_TEST

START_TEST(small_target_is_flagged_first) {
  double norms[10] = {66, 65, 53, 60, 66, 69, 52, 9, 55, 83};
  nc_result r[10];
  fill(r, norms, 10);
  nc_decision d;
  ck_assert_int_eq(nc_decide(r, 10, NULL, 0, 20000, &d), MG_OK);
  ck_assert_int_eq((int)d.order[0], 7);
  ck_assert_int_ge((int)d.n_flagged, 1);
  ck_assert_msg(d.p_flag[0] < 0.01, "p %.4g", d.p_flag[0]);
  ck_assert(d.z[7] > 5);
  ck_assert(fabs(d.ratio_second - 9.0 / 52.0) < 1e-12);
  nc_decision_free(&d);
}
END_TEST

START_TEST(two_targets_found_by_step_down) {
  double norms[20];
  for (int i = 0; i < 20; i++)
    norms[i] = 60.0 + 2.0 * (i % 7) - 1.5 * (i % 3);
  norms[4] = 6.0;
  norms[13] = 5.5;
  nc_result r[20];
  fill(r, norms, 20);
  nc_decision d;
  ck_assert_int_eq(nc_decide(r, 20, NULL, 3, 20000, &d), MG_OK);
  ck_assert_int_eq((int)d.n_flagged, 2);
  ck_assert_int_eq((int)d.order[0], 13);
  ck_assert_int_eq((int)d.order[1], 4);
  nc_decision_free(&d);
}
END_TEST

START_TEST(paper_index_is_mad_based) {
  /* median 5.5, MAD 1.4826 * 2.5; class 0 at (5.5 - 1) / 3.7065 */
  double norms[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  nc_result r[10];
  fill(r, norms, 10);
  nc_decision d;
  ck_assert_int_eq(nc_decide(r, 10, NULL, 0, 20000, &d), MG_OK);
  ck_assert(fabs(d.median - 5.5) < 1e-12);
  ck_assert(fabs(d.mad - 1.4826 * 2.5) < 1e-9);
  ck_assert(fabs(d.index[0] - 4.5 / (1.4826 * 2.5)) < 1e-9);
  ck_assert_int_eq(d.paper_flag, 0);
  nc_decision_free(&d);
}
END_TEST

START_TEST(natural_trigger_is_marked_not_added) {
  double norms[10] = {66, 65, 53, 60, 66, 69, 52, 9, 55, 83};
  double nat[10] = {0.6, 0.8, 0.5, 0.8, 0.6, 0.8, 0.5, 0.9, 0.6, 0.7};
  nc_result r[10];
  fill(r, norms, 10);
  nc_decision d;
  ck_assert_int_eq(nc_decide(r, 10, nat, 0, 20000, &d), MG_OK);
  ck_assert_int_ge((int)d.n_flagged, 1);
  ck_assert_int_eq(d.natural_looking[0], 1);
  nc_decision_free(&d);
  nat[7] = 0.3;
  ck_assert_int_eq(nc_decide(r, 10, nat, 0, 20000, &d), MG_OK);
  ck_assert_int_eq(d.natural_looking[0], 0);
  nc_decision_free(&d);
  /* a clean ranking stays unflagged whatever the naturalness */
  double flat[10] = {66, 65, 53, 60, 66, 69, 52, 58, 55, 83};
  fill(r, flat, 10);
  ck_assert_int_eq(nc_decide(r, 10, nat, 0, 20000, &d), MG_OK);
  ck_assert_int_eq((int)d.n_flagged, 0);
  nc_decision_free(&d);
}
END_TEST

START_TEST(degenerate_rankings) {
  double same[6] = {40, 40, 40, 40, 40, 40};
  nc_result r[6];
  fill(r, same, 6);
  nc_decision d;
  ck_assert_int_eq(nc_decide(r, 6, NULL, 0, 20000, &d), MG_OK);
  ck_assert_int_eq((int)d.n_flagged, 0);
  nc_decision_free(&d);
  double zero[6] = {0, 0, 30, 31, 32, 33};
  fill(r, zero, 6);
  ck_assert_int_eq(nc_decide(r, 6, NULL, 0, 20000, &d), MG_OK);
  ck_assert(isfinite(d.log_norm[0]));
  nc_decision_free(&d);
  ck_assert_int_eq(nc_decide(r, 3, NULL, 0, 20000, &d), MG_ERR_ARGS);
}
END_TEST

START_TEST(deterministic_given_seed) {
  double norms[10] = {66, 65, 53, 60, 66, 69, 52, 30, 55, 83};
  nc_result r[10];
  fill(r, norms, 10);
  nc_decision a, b;
  ck_assert_int_eq(nc_decide(r, 10, NULL, 5, 20000, &a), MG_OK);
  ck_assert_int_eq(nc_decide(r, 10, NULL, 5, 20000, &b), MG_OK);
  ck_assert(a.p[0] == b.p[0]);
  nc_decision_free(&a);
  nc_decision_free(&b);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("nc_decide");
  TCase *tc = tcase_create("decision");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, clean_rankings_flag_at_most_alpha);
  tcase_add_test(tc, small_target_is_flagged_first);
  tcase_add_test(tc, two_targets_found_by_step_down);
  tcase_add_test(tc, paper_index_is_mad_based);
  tcase_add_test(tc, natural_trigger_is_marked_not_added);
  tcase_add_test(tc, degenerate_rankings);
  tcase_add_test(tc, deterministic_given_seed);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return mg_check_run(suite());
}
