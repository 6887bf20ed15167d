/* The rows of a decided class by posterior, not by a fixed cut. The cut on
 * the line between SCAn's two groups (scan_model.c) misses poisoned rows
 * that carry the trigger weakly: on badnets-mlp3-p1 half of them lie
 * within the clean rows' range on that line, yet apart from them in other
 * directions. Here every row is weighed by the likelihood ratio of a
 * foreign component (fitted on the rows flagged so far) against the clean
 * component (fitted on the class's clean reference rows, which need no
 * guess about which training rows are clean), with the foreign share as
 * prior; the rows with posterior above 1/2 (the Bayes rule) are refitted
 * until stable, as long as the rule takes no more of the clean reference
 * rows than the cut may, counted out of sample by a 2-fold cross-fit of
 * the clean component (docs/detectors/scan.md, Rows). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mgds.h"
#include "scan_model.h"
#include "scan_rows.h"

/* N(mean, I + sum_j a_j v_j v_j^T) with orthonormal v_j. */
typedef struct lr_gauss {
  size_t d;
  int r;
  double *mean;              /* d */
  float *vec;                /* SC_ROWS_RANK x d */
  double gain[SC_ROWS_RANK]; /* a_j / (1 + a_j): the inverse's correction */
  double logdet;             /* sum_j log(1 + a_j) */
} lr_gauss;

static int lr_alloc(lr_gauss *g, size_t d) {
  memset(g, 0, sizeof *g);
  g->d = d;
  g->mean = malloc(d * sizeof *g->mean);
  g->vec = malloc(SC_ROWS_RANK * d * sizeof *g->vec);
  return g->mean && g->vec ? MG_OK : MG_ERR_NOMEM;
}

static void lr_free(lr_gauss *g) {
  free(g->mean);
  free(g->vec);
}

/* Fits the mean and the excess spread of the rows of x (n x d) that sel
 * marks (all when sel is NULL, or those with sel[i] == want). scratch:
 * n x d floats, cov: d x d floats. */
static int lr_fit(lr_gauss *g, const float *x, size_t n, const unsigned char *sel, int want,
                  float *scratch, float *cov) {
  size_t d = g->d, k = 0;
  memset(g->mean, 0, d * sizeof *g->mean);
  for (size_t i = 0; i < n; i++)
    if (!sel || sel[i] == want) {
      for (size_t j = 0; j < d; j++)
        g->mean[j] += x[i * d + j];
      k++;
    }
  g->r = 0;
  g->logdet = 0;
  if (!k)
    return MG_OK;
  for (size_t j = 0; j < d; j++)
    g->mean[j] /= (double)k;
  size_t t = 0;
  for (size_t i = 0; i < n; i++)
    if (!sel || sel[i] == want) {
      for (size_t j = 0; j < d; j++)
        scratch[t * d + j] = (float)(x[i * d + j] - g->mean[j]);
      t++;
    }
  mgds_gram(scratch, k, d, cov);
  size_t r = d < SC_ROWS_RANK ? d : SC_ROWS_RANK;
  float vals[SC_ROWS_RANK];
  int rc = mgds_top_eig(cov, d, r, vals, g->vec);
  if (rc)
    return rc;
  for (size_t j = 0; j < r; j++) {
    double a = (double)vals[j] - 1;
    if (!(a > 0))
      break;
    g->gain[j] = a / (1 + a);
    g->logdet += log1p(a);
    g->r++;
  }
  return MG_OK;
}

/* Log density up to the constant shared by both components. */
static double lr_logpdf(const lr_gauss *g, const float *x) {
  double q = 0;
  for (size_t j = 0; j < g->d; j++) {
    double t = x[j] - g->mean[j];
    q += t * t;
  }
  for (int a = 0; a < g->r; a++) {
    double p = 0;
    for (size_t j = 0; j < g->d; j++)
      p += (x[j] - g->mean[j]) * (double)g->vec[(size_t)a * g->d + j];
    q -= g->gain[a] * p * p;
  }
  return -0.5 * (q + g->logdet);
}

/* The reference rows (of m) that the rule "posterior of the foreign
 * component above 1/2" takes, with prior log(k / (n - k)), each row
 * weighed against the clean component fitted on the other half of the
 * reference rows (half[i & 1] was fitted on the rows of parity !(i & 1)):
 * a component fitted on a row explains that row better than a fresh clean
 * row, so an in-sample count undercounts the rule's false alarms. */
static size_t ref_taken(const lr_gauss *foreign, const lr_gauss half[2], const float *wr, size_t m,
                        double prior) {
  size_t taken = 0;
  for (size_t i = 0; i < m; i++)
    taken += lr_logpdf(foreign, wr + i * foreign->d) -
                 lr_logpdf(&half[i & 1], wr + i * foreign->d) + prior >
             0;
  return taken;
}

/* Selects the reference rows of one parity (alternating by index, so the
 * split is reproducible). */
static void parity(unsigned char *sel, size_t m) {
  for (size_t i = 0; i < m; i++)
    sel[i] = (unsigned char)(i & 1);
}

static size_t count(const unsigned char *f, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    k += f[i] != 0;
  return k;
}

int sc_posterior_rows(const float *w, size_t n, const float *wr, size_t m, size_t dw,
                      unsigned char *flag, sc_posterior *out) {
  memset(out, 0, sizeof *out);
  out->n_start = out->n_flag = count(flag, n);
  size_t big = n > m ? n : m;
  float *scratch = malloc((big ? big : 1) * dw * sizeof *scratch);
  float *cov = malloc(dw * dw * sizeof *cov);
  unsigned char *next = malloc(n ? n : 1), *odd = malloc(m ? m : 1);
  lr_gauss clean, fit[2], half[2];
  int rc = lr_alloc(&clean, dw);
  for (int h = 0; h < 2; h++) {
    int rc1 = lr_alloc(&fit[h], dw), rc2 = lr_alloc(&half[h], dw);
    if (!rc)
      rc = rc1 ? rc1 : rc2;
  }
  if (!rc && (!scratch || !cov || !next || !odd))
    rc = MG_ERR_NOMEM;
  size_t k = out->n_start;
  /* Each half of the reference rows needs 3 rows for its clean fit. */
  if (rc || m < 6 || k < 3 || n - k < 3)
    goto done;
  /* The same false-alarm bound as the cut's: at most the rank-th of the
   * reference rows may be taken (about 1% of clean rows). */
  size_t budget = (size_t)floor(SC_REF_FRR * (double)(m + 1));
  out->budget = budget < 1 ? 1 : budget;
  int cur = 0;
  /* The rule's clean component uses every reference row; the guard's
   * count is cross-fitted: half[0] on the odd rows counts the even ones,
   * half[1] on the even rows counts the odd ones. */
  parity(odd, m);
  if ((rc = lr_fit(&clean, wr, m, NULL, 0, scratch, cov)) ||
      (rc = lr_fit(&half[0], wr, m, odd, 1, scratch, cov)) ||
      (rc = lr_fit(&half[1], wr, m, odd, 0, scratch, cov)) ||
      (rc = lr_fit(&fit[cur], w, n, flag, 1, scratch, cov)))
    goto done;
  double prior = log((double)k / (double)(n - k));
  out->ref_flag = ref_taken(&fit[cur], half, wr, m, prior);
  for (int round = 0; round < SC_ROWS_ROUNDS; round++) {
    size_t moved = 0, kept = 0;
    for (size_t i = 0; i < n; i++) {
      double llr = lr_logpdf(&fit[cur], w + i * dw) - lr_logpdf(&clean, w + i * dw) + prior;
      next[i] = llr > 0;
      moved += next[i] != (flag[i] != 0);
      kept += next[i];
    }
    if (!moved) {
      out->converged = 1;
      break;
    }
    if (kept < 3 || n - kept < 3)
      break;
    /* The refit on the new rows, and the reference rows it would take. */
    double next_prior = log((double)kept / (double)(n - kept));
    if ((rc = lr_fit(&fit[!cur], w, n, next, 1, scratch, cov)))
      goto done;
    size_t taken = ref_taken(&fit[!cur], half, wr, m, next_prior);
    if (taken > out->budget) {
      out->stopped = 1;
      break;
    }
    memcpy(flag, next, n);
    cur = !cur;
    prior = next_prior;
    out->ref_flag = taken;
    out->rounds = round + 1;
    out->n_flag = kept;
  }
done:
  lr_free(&clean);
  for (int h = 0; h < 2; h++) {
    lr_free(&fit[h]);
    lr_free(&half[h]);
  }
  free(scratch);
  free(odd);
  free(cov);
  free(next);
  return rc;
}
