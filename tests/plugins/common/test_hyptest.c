/* Unit tests: the exact tests, Holm's adjustment and the severity ladder
 * behind the detectors' decisions. Reference values are scipy.stats 1.8's
 * (fisher_exact, binom.sf, betabinom.sf, norm.ppf) or exact rational sums
 * where scipy is off (its betabinom.sf tail at 1e-12); the simulations check
 * that a test on exchangeable data rejects no more often than its level. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check_main.h"
#include "hyptest.h"
#include "mgd.h"

static void near_rel(double got, double want, double rel) {
  ck_assert_msg(fabs(got - want) <= rel * fabs(want), "got %.12g, want %.12g", got, want);
}

START_TEST(fisher_matches_reference) {
  near_rel(ht_fisher_greater(71, 486, 1, 91), 2.8950551990570452e-05, 1e-8);
  near_rel(ht_fisher_greater(10, 400, 0, 100), 0.10495103456835736, 1e-8);
  near_rel(ht_fisher_greater(222, 808, 0, 102), 5.528168509710687e-14, 1e-7);
  /* Nothing marked in group 1, or a table no draw can contradict. */
  ck_assert(ht_fisher_greater(0, 10, 5, 10) == 1.0);
  ck_assert(ht_fisher_greater(3, 3, 0, 0) == 1.0);
  ck_assert(ht_fisher_greater(5, 10, 5, 10) > 0.5);
}
END_TEST

START_TEST(binomial_and_betabinomial_tails) {
  near_rel(ht_binom_sf(10, 100, 0.05), 0.028188294163416113, 1e-8);
  near_rel(ht_binom_sf(200, 1000, 0.1), 2.9280548038287287e-21, 1e-6);
  ck_assert(ht_binom_sf(0, 10, 0.3) == 1.0);
  ck_assert(ht_binom_sf(11, 10, 0.3) == 0.0);
  near_rel(ht_betabinom_sf(272, 808, 5, 98), 2.081551076325731e-12, 1e-8); /* exact */
  near_rel(ht_betabinom_sf(18, 385, 5, 107), 0.42971191255735486, 1e-8);
}
END_TEST

START_TEST(normal_quantile) {
  near_rel(ht_norm_quantile(0.01), -2.3263478740408408, 1e-10);
  near_rel(ht_norm_quantile(1e-10), -6.361340902404056, 1e-10);
  near_rel(ht_norm_quantile(0.7), 0.5244005127080407, 1e-10);
  near_rel(ht_norm_sf(ht_norm_quantile(0.99)), 0.01, 1e-9);
}
END_TEST

START_TEST(holm_adjusts_step_down) {
  double p[] = {0.01, 0.04, 0.03, 0.5}, adj[4];
  ck_assert_int_eq(ht_holm(p, 4, adj), 0);
  near_rel(adj[0], 0.04, 1e-12); /* 4 x 0.01 */
  near_rel(adj[2], 0.09, 1e-12); /* 3 x 0.03 */
  near_rel(adj[1], 0.09, 1e-12); /* 2 x 0.04 = 0.08, raised to stay monotone */
  near_rel(adj[3], 0.5, 1e-12);
  double one[] = {0.7};
  ck_assert_int_eq(ht_holm(one, 1, one), 0);
  near_rel(one[0], 0.7, 1e-12);
}
END_TEST

START_TEST(tarone_drops_hopeless_hypotheses) {
  /* Only two hypotheses can reach 0.01 / K: K = 2 and the family is 2. */
  double p_min[] = {1e-5, 1e-4, 0.3, 0.6, 0.9};
  unsigned char keep[5];
  ck_assert_uint_eq(ht_tarone(p_min, 5, 0.01, keep), 2);
  ck_assert(keep[0] && keep[1] && !keep[2] && !keep[3] && !keep[4]);
  double p[] = {1e-3, 0.004, 0.2, 0.5, 0.9}, adj[5];
  ck_assert_int_eq(ht_holm_tarone(p, p_min, 5, 0.01, adj), 2);
  near_rel(adj[0], 2e-3, 1e-12);
  near_rel(adj[1], 4e-3, 1e-12);
  ck_assert(adj[2] == 1.0 && adj[3] == 1.0 && adj[4] == 1.0);
  /* Fisher's smallest attainable p: all marked rows in group 1. */
  near_rel(ht_fisher_min(10, 10, 3), ht_fisher_greater(3, 10, 0, 10), 1e-12);
  ck_assert(ht_fisher_min(10, 10, 0) == 1.0);
}
END_TEST

static uint64_t lcg(uint64_t *s) {
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return *s >> 11;
}

static double unif(uint64_t *s) {
  return (double)lcg(s) * 0x1.0p-53;
}

/* The exceedance test on exchangeable rows holds its level: rows below the
 * k-th smallest of m reference rows, n training rows, same distribution. */
START_TEST(exceedance_holds_level) {
  uint64_t seed = 42;
  const int trials = 2000, m = 100, n = 400, k = 5;
  int rejected = 0;
  for (int t = 0; t < trials; t++) {
    double ref[100];
    for (int i = 0; i < m; i++)
      ref[i] = unif(&seed);
    /* k-th smallest by partial selection */
    for (int i = 0; i < k; i++)
      for (int j = i + 1; j < m; j++)
        if (ref[j] < ref[i]) {
          double x = ref[i];
          ref[i] = ref[j];
          ref[j] = x;
        }
    uint64_t below = 0;
    for (int i = 0; i < n; i++)
      below += unif(&seed) < ref[k - 1];
    rejected += ht_betabinom_sf(below, n, k, m - k + 1) < 0.05;
  }
  ck_assert_msg(rejected <= trials * 0.05 * 1.25, "rejected %d of %d at 5%%", rejected, trials);
  ck_assert_msg(rejected >= trials * 0.05 * 0.5, "test too conservative: %d of %d", rejected,
                trials);
}
END_TEST

/* Fisher's test on two groups with the same rate holds its level. */
START_TEST(fisher_holds_level) {
  uint64_t seed = 7;
  const int trials = 2000;
  int rejected = 0;
  for (int t = 0; t < trials; t++) {
    uint64_t a = 0, b = 0;
    for (int i = 0; i < 400; i++)
      a += unif(&seed) < 0.03;
    for (int i = 0; i < 100; i++)
      b += unif(&seed) < 0.03;
    rejected += ht_fisher_greater(a, 400, b, 100) < 0.05;
  }
  ck_assert_msg(rejected <= trials * 0.05, "rejected %d of %d at 5%%", rejected, trials);
}
END_TEST

/* A test rejects at p <= alpha: a Monte Carlo p of (1 + hits) / (1 + draws)
 * lands on the level exactly, and must count as significant there. */
START_TEST(severity_ladder_rejects_at_level) {
  ck_assert_int_eq(mgd_severity_of_p(1e-6), MG_SEV_HIGH);
  ck_assert_int_eq(mgd_severity_of_p(nextafter(1e-6, 1)), MG_SEV_MEDIUM);
  ck_assert_int_eq(mgd_severity_of_p(1e-3), MG_SEV_MEDIUM);
  ck_assert_int_eq(mgd_severity_of_p(nextafter(1e-3, 1)), MG_SEV_LOW);
  ck_assert_int_eq(mgd_severity_of_p(10.0 / 1000), MG_SEV_LOW);
  ck_assert_int_eq(mgd_severity_of_p(nextafter(1e-2, 1)), MG_SEV_INFO);
  ck_assert_int_eq(mgd_severity_of_p(0), MG_SEV_HIGH);
  ck_assert_int_eq(mgd_severity_of_p(NAN), MG_SEV_INFO);
}
END_TEST

/* The pooled exceedance law: one class is its own beta-binomial; two are
 * the convolution of theirs; its level holds for exchangeable rows. */
START_TEST(pooled_betabinomial_sum) {
  uint64_t n1[] = {400}, n2[] = {30, 40};
  double a1[] = {1}, b1[] = {94}, a2[] = {2, 1}, b2[] = {50, 80}, p = 0;
  ck_assert_int_eq(ht_betabinom_sum_sf(n1, a1, b1, 1, 36, &p), 0);
  near_rel(p, ht_betabinom_sf(36, 400, 1, 94), 1e-9);
  /* brute force: P(X1 + X2 >= 5) = sum over x1 of P(X1 = x1) P(X2 >= 5 - x1) */
  double want = 0;
  for (uint64_t x = 0; x <= 30; x++) {
    double px = ht_betabinom_sf(x, 30, 2, 50) - ht_betabinom_sf(x + 1, 30, 2, 50);
    want += px * (x >= 5 ? 1.0 : ht_betabinom_sf(5 - x, 40, 1, 80));
  }
  ck_assert_int_eq(ht_betabinom_sum_sf(n2, a2, b2, 2, 5, &p), 0);
  near_rel(p, want, 1e-8);
  ck_assert_int_eq(ht_betabinom_sum_sf(n2, a2, b2, 2, 0, &p), 0);
  ck_assert(p == 1.0);
  ck_assert_int_eq(ht_betabinom_sum_sf(n2, a2, b2, 2, 71, &p), 0);
  ck_assert(p == 0.0);
  /* level: three classes of exchangeable rows, each cut at its reference
   * maximum */
  uint64_t seed = 11;
  const int trials = 1000;
  int rejected = 0;
  for (int t = 0; t < trials; t++) {
    uint64_t n[3] = {200, 150, 250}, sum = 0;
    double a[3] = {1, 1, 1}, b[3] = {60, 60, 60};
    for (int c = 0; c < 3; c++) {
      double mx = 0;
      for (int i = 0; i < 60; i++) {
        double u = unif(&seed);
        mx = u > mx ? u : mx;
      }
      for (uint64_t i = 0; i < n[c]; i++)
        sum += unif(&seed) > mx;
    }
    ck_assert_int_eq(ht_betabinom_sum_sf(n, a, b, 3, sum, &p), 0);
    rejected += p <= 0.05;
  }
  ck_assert_msg(rejected <= trials * 0.05 * 1.3, "rejected %d of %d at 5%%", rejected, trials);
}
END_TEST

int main(void) {
  return mg_check_case("hyptest", NULL, NULL,
                       MG_CHECK_TESTS(fisher_matches_reference, binomial_and_betabinomial_tails,
                                      normal_quantile, holm_adjusts_step_down,
                                      tarone_drops_hopeless_hypotheses, exceedance_holds_level,
                                      fisher_holds_level, severity_ladder_rejects_at_level,
                                      pooled_betabinomial_sum));
}
