/* Unit tests of SCAn's statistics (plugins/scan/scan_model.c) on synthetic
 * data: the untangling model whitens the pooled within-class covariance and
 * drops dead units, the two-component EM isolates a small distant group and
 * its J stands far above the null drawn from clean rows while a clean
 * class's J does not, the rows step finds a foreign group that outnumbers
 * the clean one, and a fit on a sample extends to every row. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "mgds.h"
#include "scan_model.h"

#define D 8

/* n rows of N(0, I_D) shifted by `shift` along the first axis. */
static void gaussian(mgd_rng *g, float *x, size_t n, double shift) {
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < D; j++)
      x[i * D + j] = (float)(mgd_rng_normal(g) + (j == 0 ? shift : 0));
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
  size_t tp = 0, fp = 0;
  for (size_t i = 0; i < N; i++) {
    if (i >= CLEAN)
      tp += flag[i];
    else
      fp += flag[i];
  }
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

int main(void) {
  return mg_check_case("scan_model", NULL, NULL,
                       MG_CHECK_TESTS(global_model_whitens_and_drops_dead_units,
                                      small_distant_group_isolated_and_significant,
                                      foreign_majority_found_by_reference_rows));
}
