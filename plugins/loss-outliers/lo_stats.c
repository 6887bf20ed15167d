/* Per-class loss statistics and the exact tests behind loss-outliers'
 * decisions. The reference set is the held-out baseline: if a training
 * row and a clean reference row of the same class are exchangeable, the
 * count of training rows beyond the k-th most extreme of m reference
 * losses follows a beta-binomial law exactly, whatever the loss
 * distribution (heavy-tailed classes such as Shirt included). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hyptest.h"
#include "lo_stats.h"
#include "mgd.h"

/* Classes up to which the k x k confusion counts are kept (8 MiB each). */
#define LO_MAX_PAIR_CLASSES 1024

double lo_loss_logit(const float *logits, size_t k, int32_t label, int32_t *pred) {
  size_t best = 0;
  for (size_t j = 1; j < k; j++)
    if (logits[j] > logits[best])
      best = j;
  *pred = (int32_t)best;
  double m = -INFINITY;
  for (size_t j = 0; j < k; j++)
    if ((int32_t)j != label && logits[j] > m)
      m = logits[j];
  double s = 0;
  for (size_t j = 0; j < k; j++)
    if ((int32_t)j != label)
      s += exp((double)logits[j] - m);
  return m + log(s) - (double)logits[label];
}

double lo_softplus(double u) {
  return u > 0 ? u + log1p(exp(-u)) : log1p(exp(u));
}

static int valid(const lo_set *s, size_t i, size_t k) {
  return s->label[i] >= 0 && (size_t)s->label[i] < k && isfinite(s->u[i]);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int cmp_pair(const void *a, const void *b) {
  const lo_pair *x = a, *y = b;
  if (x->p != y->p)
    return x->p < y->p ? -1 : 1;
  if (x->label != y->label)
    return x->label < y->label ? -1 : 1;
  return x->pred < y->pred ? -1 : x->pred > y->pred;
}

/* Robust z-scores per class, and rows beyond the cut. */
static int zscores(const lo_set *t, size_t k, const lo_params *prm, lo_result *r) {
  double *buf = malloc((t->n ? t->n : 1) * sizeof *buf);
  if (!buf)
    return -1;
  double tail2 = 2 * ht_norm_sf(prm->z_cut);
  for (size_t c = 0; c < k; c++) {
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++)
      if (valid(t, i, k) && (size_t)t->label[i] == c)
        buf[n++] = t->u[i];
    lo_class *lc = &r->cls[c];
    lc->n = n;
    if (!n)
      continue;
    lc->median = mgd_median(buf, n);
    lc->mad = mgd_mad(buf, n, lc->median);
    if (!(lc->mad > prm->mad_floor))
      lc->mad = prm->mad_floor;
    lc->expected_z = (double)n * tail2;
  }
  for (size_t i = 0; i < t->n; i++) {
    r->z[i] = NAN;
    if (!valid(t, i, k))
      continue;
    lo_class *lc = &r->cls[t->label[i]];
    r->z[i] = (t->u[i] - lc->median) / lc->mad;
    lc->beyond_z += fabs(r->z[i]) > prm->z_cut;
  }
  free(buf);
  return 0;
}

/* The tails of each class against its reference rows: cut at the k-th
 * smallest and k-th largest reference value, k = floor(tail * (m + 1)). */
static int tails(const lo_set *t, const lo_set *ref, size_t k, const lo_params *prm, lo_result *r) {
  double *buf = malloc((ref->n ? ref->n : 1) * sizeof *buf);
  if (!buf)
    return -1;
  for (size_t c = 0; c < k; c++) {
    size_t m = 0;
    for (size_t i = 0; i < ref->n; i++)
      if (valid(ref, i, k) && (size_t)ref->label[i] == c)
        buf[m++] = ref->u[i];
    lo_class *lc = &r->cls[c];
    lc->ref_n = m;
    lc->p_lo = lc->p_hi = lc->p_lo_exch = lc->p_hi_exch = lc->p_lo_rest = lc->p_hi_rest = 1.0;
    double kk = floor(prm->tail * (double)(m + 1));
    if (kk < 1 || !lc->n)
      continue; /* too few reference rows for this tail: untested */
    lc->k = (uint32_t)kk;
    qsort(buf, m, sizeof *buf, cmp_double);
    lc->cut_lo = buf[lc->k - 1];
    lc->cut_hi = buf[m - lc->k];
  }
  free(buf);
  uint64_t all_lo = 0, all_hi = 0, all_n = 0;
  for (size_t i = 0; i < t->n; i++) {
    if (!valid(t, i, k))
      continue;
    lo_class *lc = &r->cls[t->label[i]];
    if (!lc->k)
      continue;
    lc->lo += t->u[i] < lc->cut_lo;
    lc->hi += t->u[i] > lc->cut_hi;
  }
  for (size_t c = 0; c < k; c++)
    if (r->cls[c].k) {
      all_lo += r->cls[c].lo;
      all_hi += r->cls[c].hi;
      all_n += r->cls[c].n;
    }
  for (size_t c = 0; c < k; c++) {
    lo_class *lc = &r->cls[c];
    if (!lc->k)
      continue;
    double a = lc->k, b = (double)(lc->ref_n - lc->k + 1);
    lc->p_lo_exch = ht_betabinom_sf(lc->lo, lc->n, a, b);
    lc->p_hi_exch = ht_betabinom_sf(lc->hi, lc->n, a, b);
    /* The same excess against the other classes guards against a shift
     * that affects every class alike (a model that memorised its whole
     * training set has lower training than held-out loss everywhere). */
    uint64_t rest_n = all_n - lc->n;
    lc->p_lo_rest = rest_n ? ht_fisher_greater(lc->lo, lc->n, all_lo - lc->lo, rest_n) : 1.0;
    lc->p_hi_rest = rest_n ? ht_fisher_greater(lc->hi, lc->n, all_hi - lc->hi, rest_n) : 1.0;
    lc->p_min_rest = rest_n ? ht_fisher_min(lc->n, rest_n, lc->n) : 1.0;
    lc->p_lo = fmax(lc->p_lo_exch, lc->p_lo_rest);
    lc->p_hi = fmax(lc->p_hi_exch, lc->p_hi_rest);
  }
  return 0;
}

/* Confusion counts: rows labelled c that the model predicts as j. */
static uint64_t *confusion(const lo_set *s, size_t k) {
  uint64_t *m = calloc(k * k, sizeof *m);
  if (!m)
    return NULL;
  for (size_t i = 0; i < s->n; i++)
    if (valid(s, i, k) && s->pred[i] >= 0 && (size_t)s->pred[i] < k)
      m[(size_t)s->label[i] * k + (size_t)s->pred[i]]++;
  return m;
}

/* Confusion excess: training rows labelled c predicted j, far more often
 * than clean reference rows of c are (Fisher). Without a reference: the
 * pair against its mirror j -> c (binomial, p = 1/2), uncalibrated. */
static int pairs(const lo_set *t, const lo_set *ref, size_t k, lo_result *r) {
  if (k > LO_MAX_PAIR_CLASSES)
    return 0; /* k x k counts would not be small; the tail tests still run */
  uint64_t *ct = confusion(t, k), *cr = ref ? confusion(ref, k) : NULL;
  if (!ct || (ref && !cr)) {
    free(ct);
    free(cr);
    return -1;
  }
  size_t cap = 64, n = 0;
  lo_pair *p = malloc(cap * sizeof *p);
  if (!p) {
    free(ct);
    free(cr);
    return -1;
  }
  for (size_t c = 0; c < k; c++) {
    uint64_t nc = 0, mc = 0;
    for (size_t j = 0; j < k; j++) {
      nc += ct[c * k + j];
      mc += cr ? cr[c * k + j] : 0;
    }
    for (size_t j = 0; j < k; j++) {
      uint64_t o = ct[c * k + j], rr = cr ? cr[c * k + j] : ct[j * k + c];
      if (j == c || o + rr == 0)
        continue;
      if (n == cap) {
        lo_pair *q = realloc(p, 2 * cap * sizeof *p);
        if (!q) {
          free(p);
          free(ct);
          free(cr);
          return -1;
        }
        p = q;
        cap *= 2;
      }
      lo_pair *lp = &p[n++];
      lp->label = (int32_t)c;
      lp->pred = (int32_t)j;
      lp->count = o;
      lp->n = nc;
      lp->ref_count = rr;
      lp->ref_n = cr ? mc : o + rr;
      lp->p = cr ? ht_fisher_greater(o, nc, rr, mc) : ht_binom_sf(o, o + rr, 0.5);
      lp->adj = 1.0;
    }
  }
  free(ct);
  free(cr);
  r->pairs = p;
  r->n_pairs = n;
  return 0;
}

int lo_analyse(const lo_set *train, const lo_set *ref, size_t k, const lo_params *prm,
               lo_result *out) {
  memset(out, 0, sizeof *out);
  out->k = k;
  out->cls = calloc(k ? k : 1, sizeof *out->cls);
  out->z = malloc((train->n ? train->n : 1) * sizeof *out->z);
  if (!out->cls || !out->z || zscores(train, k, prm, out))
    goto fail;
  out->calibrated = ref != NULL;
  for (size_t c = 0; c < k; c++)
    out->cls[c].adj_lo = out->cls[c].adj_hi = out->cls[c].p_lo = out->cls[c].p_hi = 1.0;
  if (ref && tails(train, ref, k, prm, out))
    goto fail;
  if (pairs(train, ref, k, out))
    goto fail;
  /* One Holm family over every hypothesis that was tested and could reach
   * significance given its margins (Tarone's screen at the lowest level). */
  size_t m = out->n_pairs;
  for (size_t c = 0; c < k; c++)
    m += out->cls[c].k ? 2 : 0;
  double *p = malloc((m ? m : 1) * sizeof *p), *pmin = malloc((m ? m : 1) * sizeof *pmin);
  if (!p || !pmin) {
    free(p);
    free(pmin);
    goto fail;
  }
  size_t i = 0;
  for (size_t c = 0; c < k; c++) {
    lo_class *lc = &out->cls[c];
    if (!lc->k)
      continue;
    double a = lc->k, b = (double)(lc->ref_n - lc->k + 1);
    /* both component tests must reject, so the smaller attainable p is the larger one */
    pmin[i] = fmax(ht_betabinom_sf(lc->n, lc->n, a, b), lc->p_min_rest);
    p[i++] = lc->p_lo;
    pmin[i] = pmin[i - 1];
    p[i++] = lc->p_hi;
  }
  for (size_t j = 0; j < out->n_pairs; j++) {
    const lo_pair *lp = &out->pairs[j];
    pmin[i] = ref ? ht_fisher_min(lp->n, lp->ref_n, lp->count + lp->ref_count)
                  : pow(0.5, (double)(lp->count + lp->ref_count));
    p[i++] = lp->p;
  }
  long family = ht_holm_tarone(p, pmin, m, MGD_P_LOW, p);
  free(pmin);
  if (family < 0) {
    free(p);
    goto fail;
  }
  i = 0;
  for (size_t c = 0; c < k; c++)
    if (out->cls[c].k) {
      out->cls[c].adj_lo = p[i++];
      out->cls[c].adj_hi = p[i++];
    }
  for (size_t j = 0; j < out->n_pairs; j++)
    out->pairs[j].adj = p[i++];
  free(p);
  m = (size_t)family;
  out->n_tests = m;
  qsort(out->pairs, out->n_pairs, sizeof *out->pairs, cmp_pair);
  return 0;
fail:
  lo_result_free(out);
  return -1;
}

void lo_result_free(lo_result *r) {
  free(r->cls);
  free(r->z);
  free(r->pairs);
  memset(r, 0, sizeof *r);
}
