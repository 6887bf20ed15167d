/* Unit tests: the across-class test of neural-cleanse's rank statistic
 * (plugins/neural-cleanse/nc_across.c). On classes whose statistics are
 * exchangeable the family-wise false-alarm rate is the level; one class
 * far above the others is found, and only it; the sd floor keeps a small
 * excess over nearly equal classes from looking extreme. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check_main.h"
#include "mgd.h"
#include "nc_across.h"

/* Smallest p of k classes (any class flagged at alpha iff <= alpha). */
static double min_p(const double *p, size_t k) {
  double m = 1;
  for (size_t c = 0; c < k; c++)
    m = isfinite(p[c]) && p[c] < m ? p[c] : m;
  return m;
}

START_TEST(exchangeable_classes_alarm_at_the_level) {
  enum { K = 10, TRIALS = 250 };
  mgd_rng rng;
  mgd_rng_seed(&rng, 11, "test/across");
  double v[K], t[K], p[K];
  int alarms = 0;
  for (int r = 0; r < TRIALS; r++) {
    /* the statistics' location and scale are arbitrary: only their
     * spread across the classes matters */
    for (size_t c = 0; c < K; c++)
      v[c] = 3.0 + 1.5 * mgd_rng_normal(&rng);
    nc_across_loo_z(v, K, t);
    ck_assert_int_eq(nc_across_familywise_p(t, K, (uint64_t)r, p), MG_OK);
    alarms += min_p(p, K) <= 0.05;
  }
  /* 0.05 of 250 is 12.5; binomial sd 3.4 */
  ck_assert_msg(alarms >= 4 && alarms <= 23, "%d of %d clean trials flagged", alarms, TRIALS);
}
END_TEST

START_TEST(one_shifted_class_is_found_alone) {
  enum { K = 10 };
  /* sig-f's pattern: nine classes' rank-test z between -1.5 and 2.5, the
   * target's at 36 */
  double v[K] = {2.2, 36.0, 1.5, -0.3, 0.9, -1.5, 0.1, 0.0, 0.4, -0.1}, t[K], p[K];
  nc_across_loo_z(v, K, t);
  ck_assert_int_eq(nc_across_familywise_p(t, K, 1, p), MG_OK);
  ck_assert(p[1] <= 1e-3);
  for (size_t c = 0; c < K; c++)
    if (c != 1)
      ck_assert_msg(p[c] > 0.05, "class %zu p %g", c, p[c]);
}
END_TEST

START_TEST(sd_floor_and_degenerate_input) {
  enum { K = 10 };
  double v[K], t[K], p[K];
  for (size_t c = 0; c < K; c++)
    v[c] = 1.0;
  v[4] = 1.5; /* half a floor above nine equal classes: z 2 */
  nc_across_loo_z(v, K, t);
  ck_assert(fabs(t[4] - 0.5 / NC_RANK_SD_FLOOR) < 1e-9);
  ck_assert_int_eq(nc_across_familywise_p(t, K, 1, p), MG_OK);
  ck_assert(p[4] > 0.05);
  /* NaN classes are left out; fewer than three finite values give NaN */
  double w[3] = {1.0, NAN, 2.0}, tw[3], pw[3];
  nc_across_loo_z(w, 3, tw);
  ck_assert(isnan(tw[0]) && isnan(tw[1]) && isnan(tw[2]));
  ck_assert_int_eq(nc_across_familywise_p(tw, 3, 1, pw), MG_OK);
  ck_assert(isnan(pw[0]) && isnan(pw[2]));
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("nc_across");
  TCase *tc = tcase_create("across");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, exchangeable_classes_alarm_at_the_level);
  tcase_add_test(tc, one_shifted_class_is_found_alone);
  tcase_add_test(tc, sd_floor_and_degenerate_input);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return mg_check_run(suite());
}
