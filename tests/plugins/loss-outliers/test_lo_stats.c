/* Unit tests: loss-outliers' statistics on synthetic losses. Training and
 * reference rows drawn alike must give no significant class; flipped labels
 * and a low-loss cluster injected into one class must be found there. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check_main.h"
#include "lo_stats.h"
#include "mgd.h"

#define K 5
#define NT 2000
#define NR 500

static double u_t[NT], u_r[NR];
static int32_t y_t[NT], p_t[NT], y_r[NR], p_r[NR];
static const lo_params prm = {0.05, 3.5, 1e-3};

/* A class-dependent loss-logit and a natural confusion c -> c+1 at 8%. */
static void draw(mgd_rng *g, double *u, int32_t *y, int32_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int32_t c = (int32_t)(i % K);
    y[i] = c;
    int wrong = mgd_rng_uniform(g) < 0.08;
    p[i] = wrong ? (c + 1) % K : c;
    u[i] = wrong ? 1.0 + mgd_rng_normal(g) : -3.0 * (c + 1) + (1.0 + c) * mgd_rng_normal(g);
  }
}

static void fill(uint64_t seed) {
  mgd_rng g;
  mgd_rng_seed(&g, seed, "lo-test");
  draw(&g, u_t, y_t, p_t, NT);
  draw(&g, u_r, y_r, p_r, NR);
}

static double min_adj(const lo_result *r) {
  double m = 1;
  for (size_t c = 0; c < K; c++)
    m = fmin(m, fmin(r->cls[c].adj_lo, r->cls[c].adj_hi));
  for (size_t j = 0; j < r->n_pairs; j++)
    m = fmin(m, r->pairs[j].adj);
  return m;
}

START_TEST(exchangeable_data_is_quiet) {
  int alarms = 0;
  for (uint64_t seed = 1; seed <= 40; seed++) {
    fill(seed);
    lo_set t = {NT, u_t, y_t, p_t}, r = {NR, u_r, y_r, p_r};
    lo_result res;
    ck_assert_int_eq(lo_analyse(&t, &r, K, &prm, &res), 0);
    ck_assert(res.calibrated);
    alarms += min_adj(&res) < 0.01;
    lo_result_free(&res);
  }
  /* The family-wise rate is at most 1% per run; allow 2 of 40 for luck. */
  ck_assert_int_le(alarms, 2);
}
END_TEST

START_TEST(flipped_labels_are_found) {
  fill(99);
  /* 20% of class 4's rows relabelled 2: the model still predicts 4. */
  int flipped = 0;
  for (size_t i = 0; i < NT; i++)
    if (y_t[i] == 4 && i % 5 == 4) {
      y_t[i] = 2;
      p_t[i] = 4;
      u_t[i] = 2.5 + 0.5 * ((double)(i % 7) / 7.0);
      flipped++;
    }
  lo_set t = {NT, u_t, y_t, p_t}, r = {NR, u_r, y_r, p_r};
  lo_result res;
  ck_assert_int_eq(lo_analyse(&t, &r, K, &prm, &res), 0);
  ck_assert_int_gt(res.n_pairs, 0);
  const lo_pair *top = &res.pairs[0];
  ck_assert_int_eq(top->label, 2);
  ck_assert_int_eq(top->pred, 4);
  ck_assert_uint_ge(top->count, (uint64_t)flipped);
  ck_assert(top->adj < 1e-3);
  lo_result_free(&res);
}
END_TEST

START_TEST(low_loss_cluster_is_found) {
  fill(5);
  /* 150 rows labelled 1 with a loss far below the class's own. */
  for (size_t i = 0, n = 0; i < NT && n < 150; i++)
    if (y_t[i] == 0) {
      y_t[i] = 1;
      p_t[i] = 1;
      u_t[i] = -25.0 - (double)(n++ % 10);
    }
  lo_set t = {NT, u_t, y_t, p_t}, r = {NR, u_r, y_r, p_r};
  lo_result res;
  ck_assert_int_eq(lo_analyse(&t, &r, K, &prm, &res), 0);
  ck_assert(res.cls[1].adj_lo < 1e-6);
  for (size_t c = 0; c < K; c++)
    if (c != 1)
      ck_assert(res.cls[c].adj_lo >= 0.01);
  /* z-scores are per class: the cluster is far below its class's median. */
  double zmin = 0;
  for (size_t i = 0; i < NT; i++)
    if (y_t[i] == 1 && res.z[i] < zmin)
      zmin = res.z[i];
  ck_assert(zmin < -3.5);
  lo_result_free(&res);
}
END_TEST

START_TEST(without_reference_nothing_is_calibrated) {
  fill(3);
  lo_set t = {NT, u_t, y_t, p_t};
  lo_result res;
  ck_assert_int_eq(lo_analyse(&t, NULL, K, &prm, &res), 0);
  ck_assert(!res.calibrated);
  for (size_t c = 0; c < K; c++)
    ck_assert_uint_eq(res.cls[c].k, 0);
  lo_result_free(&res);
}
END_TEST

int main(void) {
  Suite *s = suite_create("lo_stats");
  TCase *tc = tcase_create("analyse");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, exchangeable_data_is_quiet);
  tcase_add_test(tc, flipped_labels_are_found);
  tcase_add_test(tc, low_loss_cluster_is_found);
  tcase_add_test(tc, without_reference_nothing_is_calibrated);
  suite_add_tcase(s, tc);
  return mg_check_run(s);
}
