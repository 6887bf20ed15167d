/* Unit tests: the training-row verification of neural-cleanse (plugins/
 * neural-cleanse/nc_verify.c). The level shares by rank sum to one; on
 * exchangeable training and held-out rows the test rejects no more often
 * than its level; rows that carry the trigger (distance near zero) are
 * found; a shift of every class's data is mostly not taken for one. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check_main.h"
#include "mgd.h"
#include "nc_verify.h"

START_TEST(weights_sum_to_one_and_fall) {
  for (size_t k = 2; k <= 60; k++) {
    double s = 0;
    for (size_t r = 0; r < k; r++) {
      double w = nc_verify_weight(r, k);
      ck_assert(w > 0);
      if (r + 2 < k)
        ck_assert(w > nc_verify_weight(r + 1, k));
      s += w;
    }
    ck_assert(fabs(s - 1.0) < 1e-12);
    ck_assert(nc_verify_weight(k, k) == 0.0);
  }
}
END_TEST

/* Rows of one class below the smallest of m held-out rows, all iid
 * uniform, `planted` of the n training rows at distance 0 (the trigger),
 * and `shift` subtracted from every training row (a data shift). */
static uint64_t count_below(mgd_rng *rng, uint64_t n, uint64_t m, uint64_t planted, double shift) {
  double mn = INFINITY;
  for (uint64_t j = 0; j < m; j++) {
    double u = mgd_rng_uniform(rng);
    mn = u < mn ? u : mn;
  }
  uint64_t below = 0;
  for (uint64_t i = 0; i < n; i++) {
    double d = i < planted ? 0.0 : mgd_rng_uniform(rng) - shift;
    below += d < mn;
  }
  return below;
}

/* Fraction of trials where class 0 of 10 is rejected at alpha; *alone
 * (when not NULL) gets the fraction for the exceedance test alone. */
static double rejections(int trials, uint64_t planted, double shift, double alpha, double *alone) {
  mgd_rng rng;
  mgd_rng_seed(&rng, 7, "test-nc-verify");
  int hits = 0, hits_alone = 0;
  for (int t = 0; t < trials; t++) {
    uint64_t n = 400, m = 80, b0 = count_below(&rng, n, m, planted, shift), bo = 0;
    for (int c = 1; c < 10; c++)
      bo += count_below(&rng, n, m, 0, shift);
    double pe, po;
    double p = nc_verify_p(b0, n, m, bo, 9 * n, &pe, &po);
    ck_assert(p >= pe && p >= po && p <= 1.0);
    hits += p <= alpha;
    hits_alone += pe <= alpha;
  }
  if (alone)
    *alone = (double)hits_alone / trials;
  return (double)hits / trials;
}

START_TEST(exchangeable_rows_reject_at_most_alpha) {
  double r = rejections(4000, 0, 0.0, 0.05, NULL);
  /* the exact law makes the rate at most alpha; 4,000 trials: sd 0.0034 */
  ck_assert_msg(r <= 0.05 + 0.011, "rejection rate %.4f", r);
}
END_TEST

START_TEST(rows_carrying_the_trigger_are_found) {
  /* 1% of a 4,000-row set in one class of ten: 40 rows */
  double r = rejections(200, 40, 0.0, 1e-3, NULL);
  ck_assert_msg(r >= 0.95, "power %.3f", r);
}
END_TEST

START_TEST(a_shift_of_every_class_is_mostly_not_a_trigger) {
  /* every training row 0.05 below the held-out rows: each class alone
   * exceeds its cut; the comparison with the other classes removes most
   * of it (not all: the classes' cuts vary, so their rates do too) */
  double alone, r = rejections(2000, 0, 0.05, 0.01, &alone);
  ck_assert_msg(alone >= 0.3, "the shift is too small to test: %.3f alone", alone);
  ck_assert_msg(r <= alone / 4, "rejection rate under a global shift %.4f (alone %.4f)", r, alone);
}
END_TEST

START_TEST(degenerate_counts) {
  double pe, po;
  ck_assert(nc_verify_p(0, 0, 10, 0, 100, &pe, &po) == 1.0);
  ck_assert(nc_verify_p(5, 10, 0, 0, 100, &pe, &po) == 1.0);
  ck_assert(nc_verify_p(0, 100, 50, 3, 900, &pe, &po) == 1.0);
  ck_assert(nc_verify_p(10, 10, 1000, 0, 0, &pe, &po) == 1.0); /* no other class */
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("nc_verify");
  TCase *tc = tcase_create("verification");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, weights_sum_to_one_and_fall);
  tcase_add_test(tc, exchangeable_rows_reject_at_most_alpha);
  tcase_add_test(tc, rows_carrying_the_trigger_are_found);
  tcase_add_test(tc, a_shift_of_every_class_is_mostly_not_a_trigger);
  tcase_add_test(tc, degenerate_counts);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return mg_check_run(suite());
}
