/* Unit tests: label-consistency's pair statistics on synthetic marks. Clean
 * labels drawn alike in training and reference give no significant pair;
 * a flipped block s -> a is found as that pair; the label counts of a flip
 * strengthen it, while counts that do not have a flip's shape (or an
 * all-to-all relabelling, which keeps them balanced) do not. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "check_main.h"
#include "lc_pairs.h"
#include "mgd.h"

#define K 6
#define NT 3000
#define NR 600

static int32_t y_t[NT], m_t[NT], y_r[NR], m_r[NR];

/* Balanced labels; each row is marked as the next label at 3%. */
static void draw(mgd_rng *g, int32_t *y, int32_t *m, size_t n) {
  for (size_t i = 0; i < n; i++) {
    y[i] = (int32_t)(i % K);
    m[i] = mgd_rng_uniform(g) < 0.03 ? (y[i] + 1) % K : -1;
  }
}

static void fill(uint64_t seed) {
  mgd_rng g;
  mgd_rng_seed(&g, seed, "lc-test");
  draw(&g, y_t, m_t, NT);
  draw(&g, y_r, m_r, NR);
}

static void analyse(lc_counts *c, lc_pair **pairs, size_t *n) {
  ck_assert_int_eq(lc_count(c, K, y_t, m_t, NT, y_r, m_r, NR), 0);
  ck_assert_int_eq(lc_pairs(c, pairs, n), 0);
}

START_TEST(clean_labels_raise_nothing) {
  fill(11 + (uint64_t)_i);
  lc_counts c;
  lc_pair *p;
  size_t n;
  analyse(&c, &p, &n);
  ck_assert_double_gt(p[0].adj, MGD_P_LOW);
  lc_shift s = lc_label_shift(&c, &p[0]);
  ck_assert_double_gt(s.p, MGD_P_LOW); /* balanced labels in both sets */
  free(p);
  lc_counts_free(&c);
}
END_TEST

/* 40% of label 2's rows relabelled 4, marked by their neighbours as 2. */
static void flip(void) {
  size_t moved = 0, want = (NT / K) * 2 / 5;
  for (size_t i = 0; i < NT && moved < want; i++)
    if (y_t[i] == 2) {
      y_t[i] = 4;
      m_t[i] = 2;
      moved++;
    }
}

START_TEST(a_flip_is_named_and_its_counts_agree) {
  fill(5);
  flip();
  lc_counts c;
  lc_pair *p;
  size_t n;
  analyse(&c, &p, &n);
  ck_assert_int_eq(p[0].label, 4);
  ck_assert_int_eq(p[0].source, 2);
  ck_assert_double_le(p[0].adj, MGD_P_HIGH);
  lc_shift s = lc_label_shift(&c, &p[0]);
  ck_assert_double_le(s.p, MGD_P_MEDIUM); /* 4 gained what 2 lost */
  ck_assert_double_le(s.combined, p[0].adj);
  free(p);
  lc_counts_free(&c);
}
END_TEST

/* The same flip, but the reference set's label mix already has label 4's
 * excess (a reference set drawn unlike training): the counts then show no
 * flip and add nothing to the pair. */
START_TEST(counts_without_a_flip_shape_do_not_help) {
  fill(5);
  flip();
  /* Give the reference set the training mix: no shift left to see. */
  size_t r2 = 0, want = (NR / K) * 2 / 5;
  for (size_t i = 0; i < NR && r2 < want; i++)
    if (y_r[i] == 2) {
      y_r[i] = 4;
      m_r[i] = -1;
      r2++;
    }
  lc_counts c;
  lc_pair *p;
  size_t n;
  analyse(&c, &p, &n);
  ck_assert_int_eq(p[0].label, 4);
  lc_shift s = lc_label_shift(&c, &p[0]);
  ck_assert_double_gt(s.p, MGD_P_LOW);
  free(p);
  lc_counts_free(&c);
}
END_TEST

/* All-to-all: every label loses 10% of its rows to the next one. Each
 * label gains as many rows as it loses, so the counts stay balanced, while
 * the mapping test sees the pattern. */
START_TEST(all_to_all_keeps_counts_balanced) {
  fill(9);
  for (size_t i = 0; i < NT; i++)
    if (i % 10 == 3) {
      int32_t y = y_t[i];
      y_t[i] = (y + 1) % K;
      m_t[i] = y;
    }
  lc_counts c;
  lc_pair *p;
  size_t n;
  analyse(&c, &p, &n);
  lc_shift s = lc_label_shift(&c, &p[0]);
  ck_assert_double_gt(s.p, MGD_P_LOW);
  lc_map m;
  ck_assert_int_eq(lc_mapping(&c, p, n, &m), 0);
  ck_assert_uint_ge(m.contributing, 3);
  ck_assert_double_le(m.p, MGD_P_HIGH);
  lc_map_free(&m);
  free(p);
  lc_counts_free(&c);
}
END_TEST

int main(void) {
  Suite *s = suite_create("lc_pairs");
  TCase *tc = tcase_create("pairs");
  tcase_add_loop_test(tc, clean_labels_raise_nothing, 0, 5);
  tcase_add_test(tc, a_flip_is_named_and_its_counts_agree);
  tcase_add_test(tc, counts_without_a_flip_shape_do_not_help);
  tcase_add_test(tc, all_to_all_keeps_counts_balanced);
  suite_add_tcase(s, tc);
  return mg_check_run(s);
}
