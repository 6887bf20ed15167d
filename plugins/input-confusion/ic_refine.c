/* input-confusion's second stage: the rows of a decided label that share
 * the first stage's trigger (ic_refine.h). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hyptest.h"
#include "ic_refine.h"
#include "knn.h"

/* At most this fraction of the label's clean reference rows lie beyond
 * the label-level test's cut. */
#define IC_SHARED_FRR 0.01

typedef struct res_arg {
  const float *q, *qn, *ref, *ref_norm;
  size_t d;
  float *res;
} res_arg;

/* One query row's residual: the row in its original scale minus the mean
 * of its neighbours in theirs. */
static void residual_row(void *arg, size_t i, const uint32_t *idx, size_t found) {
  const res_arg *a = arg;
  size_t d = a->d;
  float *r = a->res + i * d;
  const float *x = a->q + i * d;
  for (size_t t = 0; t < d; t++)
    r[t] = x[t] * a->qn[i];
  for (size_t h = 0; h < found; h++) {
    const float *p = a->ref + (size_t)idx[h] * d;
    float w = a->ref_norm[idx[h]] / (float)found;
    for (size_t t = 0; t < d; t++)
      r[t] -= w * p[t];
  }
}

/* Residuals of nq query rows (q, lengths qn) from the mean of their k most
 * similar reference rows (skipping the row itself when self), in the
 * rows' original scale: res is nq x d. */
static int residuals(const ic_refine_in *in, const float *q, const float *qn, size_t nq, int self,
                     float *res) {
  res_arg a = {q, qn, in->ref, in->ref_norm, in->d, res};
  return knn_neighbours(q, nq, in->ref, in->n_ref, in->d, in->k, self, residual_row, &a);
}

static double cosine(const float *a, const double *b, size_t d, double bnorm) {
  double ab = 0, aa = 0;
  for (size_t t = 0; t < d; t++) {
    ab += (double)a[t] * b[t];
    aa += (double)a[t] * a[t];
  }
  return aa > 0 && bnorm > 0 ? ab / (sqrt(aa) * bnorm) : 0;
}

/* The per-dimension mean and spread of the reference rows' residuals rr
 * (a dimension clean rows never vary in, such as an image corner, counts
 * by how far it moves relative to a small floor); rr is standardised in
 * place. */
static void standardise_ref(float *rr, size_t m, size_t d, double *mu, double *sd) {
  double msd = 0;
  for (size_t j = 0; j < m; j++)
    for (size_t t = 0; t < d; t++)
      mu[t] += rr[j * d + t] / (double)m;
  for (size_t j = 0; j < m; j++)
    for (size_t t = 0; t < d; t++)
      sd[t] += (rr[j * d + t] - mu[t]) * (rr[j * d + t] - mu[t]) / (double)m;
  for (size_t t = 0; t < d; t++)
    msd += (sd[t] = sqrt(sd[t])) / (double)d;
  for (size_t t = 0; t < d; t++)
    sd[t] += 0.01 * msd + 1e-12;
  for (size_t j = 0; j < m; j++)
    for (size_t t = 0; t < d; t++)
      rr[j * d + t] = (float)((rr[j * d + t] - mu[t]) / sd[t]);
}

int ic_refine_prepare(const ic_refine_in *in, ic_refine_ref *ref) {
  size_t m = in->n_ref, d = in->d;
  memset(ref, 0, sizeof *ref);
  if (m < in->k + 2 || !d)
    return -1;
  ref->rr = malloc(m * d * sizeof *ref->rr);
  ref->mu = calloc(d, sizeof *ref->mu);
  ref->sd = calloc(d, sizeof *ref->sd);
  if (!ref->rr || !ref->mu || !ref->sd || residuals(in, in->ref, in->ref_norm, m, 1, ref->rr)) {
    ic_refine_ref_free(ref);
    return -1;
  }
  standardise_ref(ref->rr, m, d, ref->mu, ref->sd);
  return 0;
}

void ic_refine_ref_free(ic_refine_ref *ref) {
  free(ref->rr);
  free(ref->mu);
  free(ref->sd);
  memset(ref, 0, sizeof *ref);
}

static int cmp_desc(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return a < b ? 1 : a > b ? -1 : 0;
}

/* The label-level test (ic_refine_out): the non-seed training rows'
 * alignments gt against the label's reference rows' alignments gr. */
static int label_test(const double *gt, size_t n, const unsigned char *seed, const double *gr,
                      size_t m, const int32_t *yref, int32_t label, ic_refine_out *out) {
  double *buf = malloc((m ? m : 1) * sizeof *buf);
  if (!buf)
    return -1;
  size_t mm = 0;
  for (size_t j = 0; j < m; j++)
    if (yref[j] == label)
      buf[mm++] = gr[j];
  out->ref_rows = mm;
  if (mm >= 2) {
    qsort(buf, mm, sizeof *buf, cmp_desc);
    size_t rank = (size_t)floor(IC_SHARED_FRR * (double)(mm + 1));
    out->ref_rank = rank ? rank : 1;
    double cut = buf[out->ref_rank - 1];
    for (size_t i = 0; i < n; i++)
      if (!seed[i]) {
        out->others++;
        out->beyond += gt[i] > cut;
      }
    out->p_label = ht_betabinom_sf(out->beyond, out->others, (double)out->ref_rank,
                                   (double)(mm - out->ref_rank + 1));
  }
  free(buf);
  return 0;
}

int ic_refine(const ic_refine_in *in, const ic_refine_ref *ref, unsigned char *keep,
              ic_refine_out *out) {
  size_t n = in->n, m = in->n_ref, d = in->d, L = in->n_labels;
  memset(out, 0, sizeof *out);
  out->p_label = 1;
  memset(keep, 0, n);
  if (m < in->k + 2 || !n || !d || in->label < 0 || (uint32_t)in->label >= L)
    return -1;
  for (size_t i = 0; i < n; i++)
    out->seeds += in->seed[i] != 0;
  if (out->seeds < 2 || !ref->rr)
    return -1;
  int rc = -1;
  const float *rr = ref->rr;
  float *rt = malloc(n * d * sizeof *rt);
  float *qt = malloc(n * d * sizeof *qt), *qn = malloc(n * sizeof *qn);
  double *S = calloc(d, sizeof *S), *gt = malloc(n * sizeof *gt), *gr = malloc(m * sizeof *gr);
  double *mean = calloc(L, sizeof *mean), *sd = calloc(L, sizeof *sd), *zr = malloc(m * sizeof *zr);
  size_t *cnt = calloc(L, sizeof *cnt);
  double *loo = malloc(d * sizeof *loo);
  double *p = malloc(n * sizeof *p);
  size_t *order = malloc(n * sizeof *order);
  if (!rt || !qt || !qn || !S || !gt || !gr || !mean || !sd || !zr || !cnt || !loo || !p || !order)
    goto done;
  for (size_t i = 0; i < n; i++) {
    memcpy(qt + i * d, in->train + in->rows[i] * d, d * sizeof *qt);
    qn[i] = in->train_norm[in->rows[i]];
  }
  if (residuals(in, qt, qn, n, 0, rt))
    goto done;
  for (size_t i = 0; i < n; i++) /* on the reference residuals' scale */
    for (size_t t = 0; t < d; t++)
      rt[i * d + t] = (float)((rt[i * d + t] - ref->mu[t]) / ref->sd[t]);
  /* The trigger estimate: the seeds' summed residual; a seed is compared
   * with the sum of the others. */
  for (size_t i = 0; i < n; i++)
    for (size_t t = 0; t < d && in->seed[i]; t++)
      S[t] += rt[i * d + t];
  double sn = 0;
  for (size_t t = 0; t < d; t++)
    sn += S[t] * S[t];
  sn = sqrt(sn);
  for (size_t i = 0; i < n; i++) {
    if (!in->seed[i]) {
      gt[i] = cosine(rt + i * d, S, d, sn);
      continue;
    }
    double ln = 0;
    for (size_t t = 0; t < d; t++) {
      loo[t] = S[t] - rt[i * d + t];
      ln += loo[t] * loo[t];
    }
    gt[i] = cosine(rt + i * d, loo, d, sqrt(ln));
  }
  /* The null: every reference row's alignment, standardised within its
   * label so that labels whose clean rows resemble the trigger estimate
   * more (the decided label's own) are compared on one scale. */
  for (size_t j = 0; j < m; j++) {
    gr[j] = cosine(rr + j * d, S, d, sn);
    if (in->yref[j] >= 0 && (uint32_t)in->yref[j] < L) {
      mean[in->yref[j]] += gr[j];
      cnt[in->yref[j]]++;
    }
  }
  if (label_test(gt, n, in->seed, gr, m, in->yref, in->label, out))
    goto done;
  for (size_t c = 0; c < L; c++)
    mean[c] = cnt[c] ? mean[c] / (double)cnt[c] : 0;
  for (size_t j = 0; j < m; j++)
    if (in->yref[j] >= 0 && (uint32_t)in->yref[j] < L)
      sd[in->yref[j]] += (gr[j] - mean[in->yref[j]]) * (gr[j] - mean[in->yref[j]]);
  for (size_t c = 0; c < L; c++)
    sd[c] = cnt[c] >= 3 ? sqrt(sd[c] / (double)(cnt[c] - 1)) : 0;
  if (!(sd[in->label] > 0))
    goto done;
  size_t M = 0;
  for (size_t j = 0; j < m; j++) {
    int32_t c = in->yref[j];
    if (c >= 0 && (uint32_t)c < L && sd[c] > 0)
      zr[M++] = (gr[j] - mean[c]) / sd[c];
  }
  out->null_rows = M;
  /* Each row's exceedance p-value: (1 + null rows at or above) / (M + 1). */
  for (size_t i = 0; i < n; i++) {
    double z = (gt[i] - mean[in->label]) / sd[in->label];
    size_t above = 0;
    for (size_t j = 0; j < M; j++)
      above += zr[j] >= z;
    p[i] = (double)(1 + above) / (double)(M + 1);
  }
  /* Benjamini-Hochberg step-up at q over the label's n rows. */
  if (ht_order_by_p(p, n, order))
    goto done;
  size_t r = n;
  while (r > 0 && !(p[order[r - 1]] <= in->q * (double)r / (double)n))
    r--;
  for (size_t j = 0; j < r; j++) {
    keep[order[j]] = 1;
    out->kept_seeds += in->seed[order[j]] != 0;
  }
  out->kept = r;
  out->p_cut = r ? p[order[r - 1]] : 0;
  rc = 0;
done:
  free(rt);
  free(qt);
  free(qn);
  free(S);
  free(gt);
  free(gr);
  free(mean);
  free(sd);
  free(zr);
  free(cnt);
  free(loo);
  free(p);
  free(order);
  return rc;
}
