/* Unit tests of SCAn's statistics (plugins/scan/scan_model.c) on synthetic
 * data: the untangling model whitens the pooled within-class covariance and
 * drops dead units, the two-component EM isolates a small distant group and
 * its J stands far above the null drawn from clean rows while a clean
 * class's J does not, the rows step finds a foreign group that outnumbers
 * the clean one, a fit on a sample extends to every row, and the posterior
 * refit takes the weakly shifted rows of an elongated group that a cut on
 * the line misses, is refused on a natural mode (also on one that a clean
 * fit absorbs in sample: the guard counts out of sample), and is not
 * attempted without two halves of reference rows for that count. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "mgds.h"
#include "scan_model.h"
#include "scan_rows.h"

#define D 8

/* n rows of N(0, I_D) shifted by `shift` along the first axis. */
static void gaussian(mgd_rng *g, float *x, size_t n, double shift) {
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < D; j++)
      x[i * D + j] = (float)(mgd_rng_normal(g) + (j == 0 ? shift : 0));
}

/* n training and m reference rows of a clean class, N(0, I_D). */
static void clean_class(mgd_rng *g, size_t n, size_t m, float **x, float **ref) {
  *x = malloc(n * D * sizeof **x);
  *ref = malloc(m * D * sizeof **ref);
  gaussian(g, *x, n, 0);
  gaussian(g, *ref, m, 0);
}

/* Flagged rows at or beyond `clean` (the planted ones) and before it. */
static void count_flags(const unsigned char *flag, size_t n, size_t clean, size_t *tp, size_t *fp) {
  *tp = *fp = 0;
  for (size_t i = 0; i < n; i++)
    *(i >= clean ? tp : fp) += flag[i];
}

START_TEST(global_model_whitens_and_drops_dead_units) {
  mgd_rng g;
  mgd_rng_seed(&g, 7, "global");
  enum { PER = 200, K = 3 };
  float *ref = malloc(PER * K * D * sizeof *ref);
  mgds_class cls[K];
  uint64_t idx[K][PER];
  for (size_t c = 0; c < K; c++) {
    for (size_t i = 0; i < PER; i++) {
      size_t r = c * PER + i;
      for (size_t j = 0; j < D; j++)
        ref[r * D + j] = (float)(10.0 * c + (j == 0 ? 2.0 : 1.0) * mgd_rng_normal(&g));
      ref[r * D + D - 1] = 3.0f; /* a dead unit: the same value everywhere */
      idx[c][i] = r;
    }
    cls[c] = (mgds_class){.label = (int32_t)c, .n_ref = PER, .refrow = idx[c]};
  }
  mgds_set s = {
      .dim = D, .n_ref = PER * K, .ref = ref, .n_labels = K, .classes = cls, .have_ref = 1};
  sc_global gm;
  ck_assert_int_eq(sc_global_fit(&s, &gm), MG_OK);
  ck_assert_uint_eq(gm.dw, D - 1);
  ck_assert_uint_eq(gm.dof, PER * K - K);
  /* Whitened within-class residuals have unit variance in every direction
   * kept, although the class means are 10 apart. */
  float *w = malloc(PER * gm.dw * sizeof *w), m[D];
  sc_whiten(&gm, ref, PER, w);
  mgds_mean(w, PER, gm.dw, 1, m);
  for (size_t j = 0; j < gm.dw; j++) {
    double v = 0;
    for (size_t i = 0; i < PER; i++)
      v += (double)w[i * gm.dw + j] * w[i * gm.dw + j];
    ck_assert(v / PER > 0.7 && v / PER < 1.3);
  }
  sc_global_free(&gm);
  free(w);
  free(ref);
}
END_TEST

START_TEST(small_distant_group_isolated_and_significant) {
  mgd_rng g;
  mgd_rng_seed(&g, 3, "planted");
  enum { N = 420, PLANT = 20, M = 100 };
  float *x = malloc(N * D * sizeof *x), *ref = malloc(M * D * sizeof *ref);
  gaussian(&g, x, N - PLANT, 0);
  gaussian(&g, x + (N - PLANT) * D, PLANT, 10);
  gaussian(&g, ref, M, 0);
  unsigned char minor[N];
  sc_split sp;
  ck_assert_int_eq(sc_two_component(x, N, D, 4, &g, minor, &sp), MG_OK);
  size_t hit = 0;
  for (size_t i = N - PLANT; i < N; i++)
    hit += minor[i];
  ck_assert_uint_eq(hit, PLANT);
  ck_assert(sp.n_minor <= PLANT + 2);
  double mean, sd;
  ck_assert_int_eq(sc_null(ref, M, D, N, 40, 4, &g, &mean, &sd), MG_OK);
  ck_assert(sd > 0 && (sp.j - mean) / sd > 10);
  /* A clean class of the same size stays within the null. */
  gaussian(&g, x, N, 0);
  ck_assert_int_eq(sc_two_component(x, N, D, 4, &g, minor, &sp), MG_OK);
  ck_assert((sp.j - mean) / sd < 3);
  free(x);
  free(ref);
}
END_TEST

START_TEST(foreign_majority_found_by_reference_rows) {
  mgd_rng g;
  mgd_rng_seed(&g, 5, "majority");
  enum { CLEAN = 200, POISON = 300, N = CLEAN + POISON, M = 100 };
  float *x = malloc(N * D * sizeof *x), *ref = malloc(M * D * sizeof *ref);
  gaussian(&g, x, CLEAN, 0);
  gaussian(&g, x + CLEAN * D, POISON, 8);
  gaussian(&g, ref, M, 0);
  unsigned char minor[N], flag[N];
  sc_split sp;
  ck_assert_int_eq(sc_two_component(x, N, D, 4, &g, minor, &sp), MG_OK);
  sc_rows rows;
  ck_assert_int_eq(sc_flag_rows(x, N, ref, M, D, minor, flag, &rows), MG_OK);
  ck_assert(!rows.foreign_minor);
  size_t tp, fp;
  count_flags(flag, N, CLEAN, &tp, &fp);
  ck_assert_uint_ge(tp, POISON - 3);
  ck_assert_uint_le(fp, 5);
  ck_assert_uint_le(rows.ref_flag, 3);
  /* The same rows from a fit on a 150-row sample of the class. */
  unsigned char all[N];
  float *ws = malloc(150 * D * sizeof *ws);
  for (size_t i = 0; i < 150; i++) /* every third row, both groups */
    memcpy(ws + i * D, x + (i * N / 150) * D, D * sizeof *ws);
  ck_assert_int_eq(sc_two_component(ws, 150, D, 4, &g, minor, &sp), MG_OK);
  ck_assert_int_eq(sc_extend(ws, 150, minor, x, N, D, all), MG_OK);
  size_t agree = 0;
  for (size_t i = 0; i < N; i++)
    agree += all[i] == (i < CLEAN); /* the clean rows are the smaller group */
  ck_assert_uint_ge(agree, N - 5);
  free(ws);
  free(x);
  free(ref);
}
END_TEST

/* A poisoned group elongated along the line (how strongly each row carries
 * the trigger: axis 0, mean 7, SD 3) and shifted off it (axis 1, mean 4),
 * rows clean..n-1 of n, after a clean class; flag receives the rows beyond
 * a cut on the line at 10 (about a sixth of the group). Returns their
 * count. */
static size_t elongated_class(mgd_rng *g, size_t clean, size_t n, size_t m, float **x, float **ref,
                              unsigned char *flag) {
  clean_class(g, n, m, x, ref);
  for (size_t i = clean; i < n; i++)
    for (size_t j = 0; j < D; j++)
      (*x)[i * D + j] = (float)(mgd_rng_normal(g) * (j == 0 ? 3 : 1) + (j == 0   ? 7
                                                                        : j == 1 ? 4
                                                                                 : 0));
  size_t start = 0;
  for (size_t i = 0; i < n; i++)
    start += flag[i] = (*x)[i * D] > 10;
  return start;
}

/* The elongated group (elongated_class): the posterior refit, started
 * from the cut's rows, takes nearly all of it and few clean rows. */
START_TEST(posterior_takes_weak_rows_of_an_elongated_group) {
  mgd_rng g;
  mgd_rng_seed(&g, 11, "elongated");
  enum { CLEAN = 400, POISON = 40, N = CLEAN + POISON, M = 100 };
  float *x, *ref;
  unsigned char flag[N];
  size_t start = elongated_class(&g, CLEAN, N, M, &x, &ref, flag);
  ck_assert_uint_lt(start, POISON / 2);
  sc_posterior post;
  ck_assert_int_eq(sc_posterior_rows(x, N, ref, M, D, flag, &post), MG_OK);
  ck_assert_uint_eq(post.n_start, start);
  ck_assert(post.rounds > 0 && post.converged);
  size_t tp, fp;
  count_flags(flag, N, CLEAN, &tp, &fp);
  ck_assert_uint_eq(tp + fp, post.n_flag);
  ck_assert_uint_ge(tp, POISON * 9 / 10);
  ck_assert_uint_le(fp, POISON / 10);
  ck_assert_uint_le(post.ref_flag, 2);
  free(x);
  free(ref);
}
END_TEST

/* Runs the posterior refit and asserts that it kept the start: no round
 * taken, the same rows flagged. */
static void refit_keeps_start(const float *x, size_t n, const float *ref, size_t m,
                              unsigned char *flag, sc_posterior *post) {
  unsigned char *start = malloc(n);
  memcpy(start, flag, n);
  ck_assert_int_eq(sc_posterior_rows(x, n, ref, m, D, flag, post), MG_OK);
  ck_assert_uint_eq(post->rounds, 0);
  ck_assert_uint_eq(post->n_flag, post->n_start);
  ck_assert_mem_eq(flag, start, n);
  free(start);
}

/* Shifts every `every`-th of n rows (from row 0) by `shift` along axis 2,
 * a mode of the class; flag (when not NULL) receives those rows. */
static void shift_mode(float *x, size_t n, size_t every, float shift, unsigned char *flag) {
  for (size_t i = 0; i < n; i++) {
    int in = i % every == 0;
    x[i * D + 2] += in ? shift : 0.0f;
    if (flag)
      flag[i] = (unsigned char)in;
  }
}

/* A start that is a mode of the class, `shift` units along axis 2: every
 * `every`-th of n training rows, and every `ref_every`-th of the first
 * ref_n of m reference rows. The refit must be refused and the start
 * kept, because the rule takes more of the reference rows than the bound. */
static void refit_refused_on_mode(uint64_t seed, const char *name, size_t n, size_t every, size_t m,
                                  size_t ref_n, size_t ref_every, float shift) {
  mgd_rng g;
  mgd_rng_seed(&g, seed, name);
  float *x, *ref;
  clean_class(&g, n, m, &x, &ref);
  unsigned char *flag = malloc(n);
  shift_mode(x, n, every, shift, flag);
  shift_mode(ref, ref_n, ref_every, shift, NULL);
  sc_posterior post;
  refit_keeps_start(x, n, ref, m, flag, &post);
  ck_assert(post.stopped);
  ck_assert_uint_gt(post.ref_flag, post.budget);
  free(flag);
  free(x);
  free(ref);
}

/* A start that is a natural mode of the class (15% of the training rows
 * and of the reference rows, 5 units along axis 2): the posterior rule
 * takes its reference rows too, more than the cut's 1% may, so the refit
 * is refused and the start kept. */
START_TEST(posterior_refit_refused_on_a_shared_mode) {
  refit_refused_on_mode(13, "shared-mode", 400, 7, 100, 100, 7, 5.0f);
}
END_TEST

/* The guard's count is cross-fitted on two halves of the reference rows,
 * each needing 3 rows for its clean fit: with 5 reference rows the refit
 * is not attempted and the cut's rows stand, even for the elongated group
 * it would otherwise extend. */
START_TEST(posterior_needs_two_halves_of_reference_rows) {
  mgd_rng g;
  mgd_rng_seed(&g, 17, "few-reference");
  enum { CLEAN = 400, POISON = 40, N = CLEAN + POISON, M = 5 };
  float *x, *ref;
  unsigned char flag[N];
  elongated_class(&g, CLEAN, N, M, &x, &ref, flag);
  sc_posterior post;
  refit_keeps_start(x, N, ref, M, flag, &post);
  free(x);
  free(ref);
}
END_TEST

/* A rare mode of the class (10 units along axis 2) held by 1% of the
 * training rows, the start, and by 2 of only 10 reference rows (0 and 2,
 * the same half). A clean component fitted on those 10 rows stretches to
 * cover its own 2 mode rows, so counted in sample the rule takes none;
 * counted against the other half's fit (which has no mode row) it takes
 * both, more than the bound of 1, and the refit is refused. */
START_TEST(posterior_guard_counts_out_of_sample) {
  refit_refused_on_mode(19, "rare-mode", 1000, 100, 10, 4, 2, 10.0f);
}
END_TEST

int main(void) {
  return mg_check_case(
      "scan_model", NULL, NULL,
      MG_CHECK_TESTS(
          global_model_whitens_and_drops_dead_units, small_distant_group_isolated_and_significant,
          foreign_majority_found_by_reference_rows, posterior_takes_weak_rows_of_an_elongated_group,
          posterior_refit_refused_on_a_shared_mode, posterior_needs_two_halves_of_reference_rows,
          posterior_guard_counts_out_of_sample));
}
