/* See tt_scan.h. Three passes over the rows, each streaming batches from
 * the host's cache:
 *   1. labels, and per feature its row count and a Boyer-Moore majority
 *      vote on its label (a phrase that forces a label puts most of its rows
 *      there); singletons are pruned when the table outgrows its budget
 *      (lossy counting: a feature's count is then short by at most the
 *      number of prunings, which the screen allows for);
 *   2. exact counts of the features that could be significant (Tarone's
 *      screen), and hashed unigram-by-label counts for a naive-Bayes model;
 *   3. the carrier rows of the concentrated features, and a per-label
 *      baseline of how often a row's own text predicts another label
 *      (leave-one-out).
 * Rows whose normalised text repeats an earlier row are analysed once:
 * duplicates are evidence of nothing here (text-label-consistency reports
 * them). */
#include "config.h"

#include "tt_scan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hyptest.h"
#include "mgd.h"

#define NONE UINT32_MAX
#define MAX_ORDER 4
#define MIN_SENTENCE 5 /* shorter sentences are n-grams already */

size_t tt_features(const tu_tokens *t, tt_feat_pos **buf, size_t *cap) {
  size_t n = 0;
  size_t need = t->n * MAX_ORDER + t->n / MIN_SENTENCE + 1;
  if (tu_reserve((void **)buf, cap, need, sizeof **buf))
    return (size_t)-1;
  tt_feat_pos *f = *buf;
  for (size_t i = 0; i < t->n; i++)
    for (size_t o = 1; o <= MAX_ORDER && i + o <= t->n; o++)
      f[n++] = (tt_feat_pos){tu_ngram_hash(t, i, o), (uint32_t)i, (uint32_t)o, (int)o};
  size_t first = 0;
  for (size_t i = 0; i < t->n; i++) {
    if (!t->sent_end[i])
      continue;
    size_t count = i + 1 - first;
    /* A sentence that is the whole text is a duplicate row, not an
     * inserted sentence. */
    if (count >= MIN_SENTENCE && count < t->n)
      f[n++] =
          (tt_feat_pos){tu_sentence_hash(t, first, count), (uint32_t)first, (uint32_t)count, 0};
    first = i + 1;
  }
  return n;
}

typedef struct scan {
  const tu_dataset *d;
  const tt_params *p;
  tt_result *res;
  tu_tokens tok;
  tt_feat_pos *fp;
  size_t fp_cap;
  uint64_t *keys;
  size_t keys_cap;
  uint64_t *buckets;
  size_t buckets_cap;
  /* labels */
  tu_map labels;
  size_t names_cap;
  uint32_t *row_label;
  tu_map seen; /* normalised texts */
  /* pass 1 */
  tu_map fmap;
  uint32_t *df, *vote, *vcnt;
  size_t fcap;
  /* pass 2 */
  tu_map cmap;
  uint64_t *cdf, *ca;
  uint32_t *clabel;
  int *cknown;
  size_t ccap;
  uint32_t *nb; /* B x L */
  uint64_t *nbtot;
  size_t B;
  /* pass 3 */
  tu_map smap;
  uint64_t *carrier_off, *carrier_fill;
  uint64_t *carriers;
  uint64_t *last_row;
  uint64_t *base_mis, *base_n;
  /* the baseline rows, in row order, and whether their text reads as
   * their label */
  uint64_t *base_row;
  uint8_t *base_wrong;
  double *base_score; /* log P(label | text without its strongest cue) */
  float *base_post;   /* every label's log posterior, per baseline row */
  size_t base_len, base_cap, base_cap2, base_cap3, base_cap4;
  uint64_t *nb_all, nbtot_all; /* per bucket over all labels, and in all */
  double V;                    /* distinct unigram buckets: the smoothing denominator */
  float *logtab;
  double *score;
  int rc;
} scan;

static int row_features(scan *s, const char *text, size_t *n_feat, size_t *n_keys) {
  if (tu_tokenize(&s->tok, text))
    return MG_ERR_NOMEM;
  size_t n = tt_features(&s->tok, &s->fp, &s->fp_cap);
  if (n == (size_t)-1 || tu_reserve((void **)&s->keys, &s->keys_cap, n + 1, sizeof *s->keys))
    return MG_ERR_NOMEM;
  for (size_t i = 0; i < n; i++)
    s->keys[i] = s->fp[i].key;
  *n_feat = n;
  *n_keys = tu_sort_unique(s->keys, n);
  return MG_OK;
}

/* Unique hashed unigram buckets of tokens not masked (mask may be NULL). */
static size_t row_buckets(scan *s, const uint8_t *mask) {
  if (tu_reserve((void **)&s->buckets, &s->buckets_cap, s->tok.n + 1, sizeof *s->buckets))
    return (size_t)-1;
  size_t n = 0;
  for (size_t i = 0; i < s->tok.n; i++)
    if (!mask || !mask[i])
      s->buckets[n++] = s->tok.hash[i] & (s->B - 1);
  return tu_sort_unique(s->buckets, n);
}

static uint32_t intern_label(scan *s, const char *label) {
  tt_result *r = s->res;
  int added = 0;
  uint32_t id = tu_map_put(&s->labels, tu_hash_bytes(label, strlen(label), 0), &added);
  if (id == NONE)
    return NONE;
  if (added) {
    if (tu_reserve((void **)&r->label_names, &s->names_cap, id + 1, sizeof *r->label_names))
      return NONE;
    r->label_rows = realloc(r->label_rows, s->names_cap * sizeof *r->label_rows);
    if (!r->label_rows)
      return NONE;
    r->label_names[id] = strdup(label);
    r->label_rows[id] = 0;
    r->n_labels = id + 1;
    if (!r->label_names[id])
      return NONE;
  }
  return id;
}

/* ---- pass 1 */

static int prune(scan *s) {
  tu_map m;
  size_t keep = 0;
  for (size_t i = 0; i < s->fmap.cap; i++)
    keep += s->fmap.keys[i] && s->df[s->fmap.ids[i]] >= 2;
  uint32_t *df = malloc((keep + 1) * sizeof *df), *vote = malloc((keep + 1) * sizeof *vote),
           *vcnt = malloc((keep + 1) * sizeof *vcnt);
  if (!df || !vote || !vcnt || tu_map_init(&m, keep + 16)) {
    free(df);
    free(vote);
    free(vcnt);
    return MG_ERR_NOMEM;
  }
  for (size_t i = 0; i < s->fmap.cap; i++) {
    uint64_t key = s->fmap.keys[i];
    if (!key || s->df[s->fmap.ids[i]] < 2)
      continue;
    uint32_t id = s->fmap.ids[i], nid = tu_map_put(&m, key, NULL);
    df[nid] = s->df[id];
    vote[nid] = s->vote[id];
    vcnt[nid] = s->vcnt[id];
  }
  tu_map_free(&s->fmap);
  free(s->df);
  free(s->vote);
  free(s->vcnt);
  s->fmap = m;
  s->df = df;
  s->vote = vote;
  s->vcnt = vcnt;
  s->fcap = keep + 1;
  s->res->pruned_rounds++;
  return MG_OK;
}

static int pass1(void *user, const mg_text_row *rows, size_t n) {
  scan *s = user;
  tt_result *r = s->res;
  for (size_t i = 0; i < n; i++) {
    const mg_text_row *row = &rows[i];
    uint64_t idx = row->index;
    s->row_label[idx] = NONE;
    if (row->bad || !row->text || !row->label) {
      r->unlabelled++;
      continue;
    }
    uint32_t y = intern_label(s, row->label);
    if (y == NONE)
      return MG_ERR_NOMEM;
    if (r->n_labels > s->p->max_labels)
      return MG_ERR_UNSUPPORTED;
    r->label_rows[y]++;
    r->labelled++;
    size_t nf, nk;
    int rc = row_features(s, row->text, &nf, &nk);
    if (rc)
      return rc;
    int added = 0;
    if (tu_map_put(&s->seen, tu_normal_hash(&s->tok) ^ y, &added) == NONE)
      return MG_ERR_NOMEM;
    if (!added)
      continue; /* the same text and label again */
    s->row_label[idx] = y;
    for (size_t k = 0; k < nk; k++) {
      uint32_t id = tu_map_put(&s->fmap, s->keys[k], &added);
      if (id == NONE)
        return MG_ERR_NOMEM;
      if (added) {
        if (id >= s->fcap) {
          size_t cap = s->fcap, c2 = s->fcap;
          if (tu_reserve((void **)&s->vote, &c2, id + 1, sizeof *s->vote) ||
              tu_reserve((void **)&s->vcnt, &cap, id + 1, sizeof *s->vcnt) ||
              tu_reserve((void **)&s->df, &s->fcap, id + 1, sizeof *s->df))
            return MG_ERR_NOMEM;
        }
        s->df[id] = 0;
        s->vote[id] = y;
        s->vcnt[id] = 0;
      }
      if (s->df[id] < UINT32_MAX)
        s->df[id]++;
      if (s->vcnt[id] == 0) {
        s->vote[id] = y;
        s->vcnt[id] = 1;
      } else if (s->vote[id] == y) {
        s->vcnt[id]++;
      } else {
        s->vcnt[id]--;
      }
    }
    if (s->fmap.n > s->p->max_features && (rc = prune(s)))
      return rc;
  }
  return MG_OK;
}

/* ---- pass 2 */

static int pass2(void *user, const mg_text_row *rows, size_t n) {
  scan *s = user;
  size_t L = s->res->n_labels;
  for (size_t i = 0; i < n; i++) {
    uint32_t y = s->row_label[rows[i].index];
    if (y == NONE)
      continue;
    size_t nf, nk;
    int rc = row_features(s, rows[i].text, &nf, &nk);
    if (rc)
      return rc;
    for (size_t k = 0; k < nk; k++) {
      uint32_t c = tu_map_get(&s->cmap, s->keys[k]);
      if (c == NONE)
        continue;
      s->cdf[c]++;
      s->ca[c] += s->clabel[c] == y;
    }
    size_t nb = row_buckets(s, NULL);
    if (nb == (size_t)-1)
      return MG_ERR_NOMEM;
    for (size_t k = 0; k < nb; k++)
      s->nb[s->buckets[k] * L + y]++;
    s->nbtot[y] += nb;
  }
  return MG_OK;
}

/* ---- naive Bayes */

/* Label scores of a row's buckets under the model less the rows in delta
 * (keys bucket * L + label, counts in dcount) with dprior/dtot removed. */
static uint32_t nb_predict(scan *s, const uint64_t *b, size_t nb, const tu_map *delta,
                           const uint32_t *dcount, const uint64_t *dprior, const uint64_t *dtot,
                           uint32_t y, double *logpost_y) {
  size_t L = s->res->n_labels;
  double *sc = s->score;
  double B = s->V;
  for (size_t c = 0; c < L; c++) {
    double prior = (double)(s->res->label_rows[c] - dprior[c]) + 1.0;
    sc[c] = log(prior) - (double)nb * log((double)(s->nbtot[c] - dtot[c]) + B);
  }
  for (size_t k = 0; k < nb; k++) {
    const float *lt = s->logtab + b[k] * L;
    for (size_t c = 0; c < L; c++)
      sc[c] += lt[c];
  }
  for (size_t c = 0; c < L; c++) {
    if (!dprior[c])
      continue;
    for (size_t k = 0; k < nb; k++) {
      uint32_t id = tu_map_get(delta, b[k] * L + c + 1);
      if (id == NONE)
        continue;
      double have = (double)s->nb[b[k] * L + c];
      sc[c] += log(have - dcount[id] + 1.0) - (double)s->logtab[b[k] * L + c];
    }
  }
  uint32_t best = 0;
  for (size_t c = 1; c < L; c++)
    if (sc[c] > sc[best])
      best = (uint32_t)c;
  double z = 0;
  for (size_t c = 0; c < L; c++)
    z += exp(sc[c] - sc[best]);
  double lz = sc[best] + log(z);
  for (size_t c = 0; c < L; c++)
    sc[c] -= lz; /* log posteriors, for the caller */
  *logpost_y = sc[y];
  return best;
}

/* The bucket of the row that most favours label y over the others (its
 * strongest cue), or (size_t)-1. */
static size_t top_cue(const scan *s, const uint64_t *b, size_t nb, uint32_t y) {
  size_t L = s->res->n_labels, best = (size_t)-1;
  double best_v = -INFINITY;
  double ty = (double)s->nbtot[y] + s->V, to = (double)(s->nbtot_all - s->nbtot[y]) + s->V;
  for (size_t k = 0; k < nb; k++) {
    double in = (double)s->nb[b[k] * L + y];
    double v = log((in + 1.0) / ty) - log(((double)s->nb_all[b[k]] - in + 1.0) / to);
    if (v > best_v) {
      best_v = v;
      best = k;
    }
  }
  return best;
}

/* ---- pass 3 */

static int pass3(void *user, const mg_text_row *rows, size_t n) {
  scan *s = user;
  size_t L = s->res->n_labels;
  uint64_t labelled = s->res->labelled ? s->res->labelled : 1;
  for (size_t i = 0; i < n; i++) {
    uint64_t idx = rows[i].index;
    uint32_t y = s->row_label[idx];
    if (y == NONE)
      continue;
    size_t nf, nk;
    int rc = row_features(s, rows[i].text, &nf, &nk);
    if (rc)
      return rc;
    for (size_t k = 0; k < nf; k++) {
      uint32_t j = tu_map_get(&s->smap, s->fp[k].key);
      if (j == NONE || s->last_row[j] == idx + 1)
        continue;
      tt_feature *f = &s->res->feat[j];
      if (s->carrier_fill[j] == s->carrier_off[j]) {
        f->first_row = idx;
        f->tok = s->fp[k].tok;
        f->ntok = s->fp[k].ntok;
        f->order = s->fp[k].order;
      }
      s->last_row[j] = idx + 1;
      if (s->carrier_fill[j] < s->carrier_off[j + 1])
        s->carriers[s->carrier_fill[j]++] = idx;
    }
    /* Baseline: a seeded sample of rows, each scored without itself. */
    if ((tu_mix64(idx ^ s->p->seed) % labelled) >= s->p->baseline_rows)
      continue;
    size_t nb = row_buckets(s, NULL);
    if (nb == (size_t)-1)
      return MG_ERR_NOMEM;
    tu_map self;
    if (tu_map_init(&self, nb + 1))
      return MG_ERR_NOMEM;
    uint64_t *dprior = calloc(L, sizeof *dprior), *dtot = calloc(L, sizeof *dtot);
    uint32_t *dc = malloc((nb + 1) * sizeof *dc);
    if (!dprior || !dtot || !dc) {
      free(dprior);
      free(dtot);
      free(dc);
      tu_map_free(&self);
      return MG_ERR_NOMEM;
    }
    for (size_t k = 0; k < nb; k++) {
      tu_map_put(&self, s->buckets[k] * L + y + 1, NULL);
      dc[k] = 1;
    }
    dprior[y] = 1;
    dtot[y] = nb;
    /* Scored like a carrier: without its strongest cue for its label, as
     * a carrier is without the phrase. */
    size_t cue = top_cue(s, s->buckets, nb, y);
    if (cue != (size_t)-1)
      s->buckets[cue] = s->buckets[--nb];
    double lp = 0;
    uint32_t pred = nb ? nb_predict(s, s->buckets, nb, &self, dc, dprior, dtot, y, &lp) : y;
    if (!nb) {
      free(dprior);
      free(dtot);
      free(dc);
      tu_map_free(&self);
      continue;
    }
    s->base_n[y]++;
    s->base_mis[y] += pred != y;
    if (tu_reserve((void **)&s->base_row, &s->base_cap, s->base_len + 1, sizeof *s->base_row) ||
        tu_reserve((void **)&s->base_wrong, &s->base_cap2, s->base_len + 1, 1) ||
        tu_reserve((void **)&s->base_score, &s->base_cap3, s->base_len + 1,
                   sizeof *s->base_score) ||
        tu_reserve((void **)&s->base_post, &s->base_cap4, (s->base_len + 1) * L,
                   sizeof *s->base_post)) {
      free(dprior);
      free(dtot);
      free(dc);
      tu_map_free(&self);
      return MG_ERR_NOMEM;
    }
    s->base_row[s->base_len] = idx;
    s->base_score[s->base_len] = lp;
    for (size_t c = 0; c < L; c++)
      s->base_post[s->base_len * L + c] = (float)s->score[c];
    s->base_wrong[s->base_len++] = pred != y;
    free(dprior);
    free(dtot);
    free(dc);
    tu_map_free(&self);
  }
  return MG_OK;
}

/* ---- the rank test */

typedef struct scored {
  double v;
  int carrier;
} scored;

static int cmp_scored(const void *a, const void *b) {
  double x = ((const scored *)a)->v, y = ((const scored *)b)->v;
  return x < y ? -1 : x > y;
}

double tt_rank_test(const double *x, size_t nx, const double *y, size_t ny, double *auc) {
  *auc = NAN;
  if (!nx || !ny)
    return 1.0;
  scored *v = malloc((nx + ny) * sizeof *v);
  if (!v)
    return 1.0;
  for (size_t i = 0; i < nx; i++)
    v[i] = (scored){x[i], 1};
  for (size_t i = 0; i < ny; i++)
    v[nx + i] = (scored){y[i], 0};
  size_t n = nx + ny;
  qsort(v, n, sizeof *v, cmp_scored);
  /* U: pairs (carrier, other) with the carrier lower, ties half; tie
   * groups also correct the variance. */
  double u = 0, ties = 0;
  size_t others_below = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i, cx = 0, cy = 0;
    while (j < n && v[j].v == v[i].v) {
      cx += v[j].carrier;
      cy += !v[j].carrier;
      j++;
    }
    /* carriers in this group are below every other above the group */
    u += (double)cx * ((double)(ny - others_below - cy) + 0.5 * (double)cy);
    double t = (double)(j - i);
    ties += t * t * t - t;
    others_below += cy;
    i = j;
  }
  free(v);
  double mx = (double)nx, my = (double)ny, nn = mx + my;
  *auc = u / (mx * my);
  double mean = mx * my / 2;
  double var = mx * my / 12.0 * ((nn + 1) - ties / (nn * (nn - 1)));
  if (!(var > 0))
    return 1.0;
  double z = (u - mean - 0.5) / sqrt(var); /* continuity correction */
  return ht_norm_sf(z);
}

/* ---- stage 2: the rest of each carrier's text */

static int stage2(scan *s, size_t j) {
  tt_feature *f = &s->res->feat[j];
  size_t L = s->res->n_labels;
  uint64_t *rows = s->carriers + s->carrier_off[j];
  size_t nr = (size_t)(s->carrier_fill[j] - s->carrier_off[j]);
  tu_map delta = {0};
  uint32_t *dcount = NULL;
  size_t dcap = 0;
  uint64_t *dprior = calloc(L, sizeof *dprior), *dtot = calloc(L, sizeof *dtot);
  uint8_t *mask = NULL;
  size_t mask_cap = 0;
  double *cscore = NULL, *bscore = NULL;
  size_t cscore_cap = 0, bscore_cap = 0;
  int rc = dprior && dtot ? MG_OK : MG_ERR_NOMEM;
  /* The model without any carrier: their rows' counts as a delta. */
  for (size_t i = 0; !rc && i < nr; i++) {
    mg_text_row row;
    uint32_t y = s->row_label[rows[i]];
    rc = tu_read_row(s->d, rows[i], &row);
    if (!rc && tu_tokenize(&s->tok, row.text))
      rc = MG_ERR_NOMEM;
    size_t nb = rc ? 0 : row_buckets(s, NULL);
    if (nb == (size_t)-1)
      rc = MG_ERR_NOMEM;
    for (size_t k = 0; !rc && k < nb; k++) {
      int added = 0;
      uint32_t id = tu_map_put(&delta, s->buckets[k] * L + y + 1, &added);
      if (id == NONE || tu_reserve((void **)&dcount, &dcap, id + 1, sizeof *dcount)) {
        rc = MG_ERR_NOMEM;
        break;
      }
      if (added)
        dcount[id] = 0;
      dcount[id]++;
    }
    dprior[y]++;
    dtot[y] += nb;
  }
  /* Carriers by label, for the evidence. */
  for (size_t c = 0; !rc && c < L; c++) {
    if (!dprior[c])
      continue;
    size_t at = f->n_top < TT_TOP_LABELS ? f->n_top++ : TT_TOP_LABELS - 1;
    if (at == TT_TOP_LABELS - 1 && f->top_count[at] >= dprior[c])
      continue;
    f->top_label[at] = (uint32_t)c;
    f->top_count[at] = dprior[c];
    for (; at > 0 && f->top_count[at] > f->top_count[at - 1]; at--) {
      uint32_t tl = f->top_label[at];
      uint64_t tc = f->top_count[at];
      f->top_label[at] = f->top_label[at - 1];
      f->top_count[at] = f->top_count[at - 1];
      f->top_label[at - 1] = tl;
      f->top_count[at - 1] = tc;
    }
  }
  /* Each carrier with the forced label, its own occurrences masked. */
  size_t a = 0, tested = 0;
  for (size_t i = 0; !rc && i < nr; i++) {
    uint32_t y = s->row_label[rows[i]];
    if (y != f->label)
      continue;
    mg_text_row row;
    size_t nf, nk;
    rc = tu_read_row(s->d, rows[i], &row);
    if (!rc)
      rc = row_features(s, row.text, &nf, &nk);
    if (!rc && tu_reserve((void **)&mask, &mask_cap, s->tok.n + 1, 1))
      rc = MG_ERR_NOMEM;
    if (rc)
      break;
    memset(mask, 0, s->tok.n + 1);
    for (size_t k = 0; k < nf; k++)
      if (s->fp[k].key == f->key)
        memset(mask + s->fp[k].tok, 1, s->fp[k].ntok);
    size_t nb = row_buckets(s, mask);
    if (nb == (size_t)-1) {
      rc = MG_ERR_NOMEM;
      break;
    }
    uint32_t pred = y;
    if (nb) { /* nothing left to judge by: no evidence either way */
      double lp = 0;
      pred = nb_predict(s, s->buckets, nb, &delta, dcount, dprior, dtot, y, &lp);
      if (tu_reserve((void **)&cscore, &cscore_cap, tested + 1, sizeof *cscore)) {
        rc = MG_ERR_NOMEM;
        break;
      }
      cscore[tested++] = lp;
      f->mis += pred != y;
    }
    f->rows[a] = rows[i];
    f->pred[a] = pred;
    a++;
  }
  if (!rc) {
    /* The label's own rows without the phrase: how often does genuine
     * text of the label read as another? */
    uint64_t bn = 0, bm = 0;
    for (size_t i = 0; i < s->base_len; i++) {
      uint64_t row = s->base_row[i];
      if (s->row_label[row] != f->label)
        continue;
      size_t lo = 0, hi = a;
      while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (f->rows[mid] < row)
          lo = mid + 1;
        else
          hi = mid;
      }
      if (lo < a && f->rows[lo] == row)
        continue;
      if (tu_reserve((void **)&bscore, &bscore_cap, bn + 1, sizeof *bscore)) {
        rc = MG_ERR_NOMEM;
        break;
      }
      bscore[bn++] = s->base_score[i];
      bm += s->base_wrong[i];
    }
    f->base_n = bn;
    f->base_mis = bm;
    f->tested = tested;
    f->q = ((double)bm + 1.0) / ((double)bn + 2.0);
    f->p2 = tt_rank_test(cscore, tested, bscore, bn, &f->auc);
    /* Rows of the other labels: do the carriers read like them? */
    size_t on = 0;
    size_t L2 = s->res->n_labels;
    for (size_t i = 0; !rc && i < s->base_len; i++) {
      if (s->row_label[s->base_row[i]] == f->label)
        continue;
      if (tu_reserve((void **)&bscore, &bscore_cap, on + 1, sizeof *bscore)) {
        rc = MG_ERR_NOMEM;
        break;
      }
      bscore[on++] = -(double)s->base_post[i * L2 + f->label];
    }
    for (size_t i = 0; i < tested; i++)
      cscore[i] = -cscore[i];
    f->p_like_others = tt_rank_test(cscore, tested, bscore, on, &f->auc_others);
  }
  tu_map_free(&delta);
  free(dcount);
  free(dprior);
  free(dtot);
  free(mask);
  free(cscore);
  free(bscore);
  return rc;
}

/* ---- Tarone over (feature, label) pairs */

typedef struct pmin_w {
  double p;
  uint64_t w;
} pmin_w;

static int cmp_pw(const void *a, const void *b) {
  double x = ((const pmin_w *)a)->p, y = ((const pmin_w *)b)->p;
  return x < y ? -1 : x > y;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

uint64_t tt_tarone_pairs(const uint64_t *df, size_t n, const uint64_t *label_rows, size_t n_labels,
                         uint64_t total, double alpha) {
  /* Distinct row counts with their multiplicity, then every (label, df)
   * pair's smallest attainable p with that weight. */
  uint64_t *v = malloc((n ? n : 1) * sizeof *v);
  if (!v)
    return n * n_labels;
  memcpy(v, df, n * sizeof *v);
  qsort(v, n, sizeof *v, cmp_u64);
  size_t nd = 0;
  for (size_t i = 0; i < n; i++)
    if (!nd || v[i] != v[nd - 1])
      v[nd++] = v[i];
  uint64_t *mult = calloc(nd ? nd : 1, sizeof *mult);
  pmin_w *pw = malloc((nd * n_labels + 1) * sizeof *pw);
  if (!mult || !pw) {
    free(v);
    free(mult);
    free(pw);
    return n * n_labels;
  }
  for (size_t i = 0; i < n; i++) {
    size_t lo = 0, hi = nd;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (v[mid] < df[i])
        lo = mid + 1;
      else
        hi = mid;
    }
    mult[lo]++;
  }
  size_t m = 0;
  for (size_t c = 0; c < n_labels; c++)
    for (size_t k = 0; k < nd; k++) {
      double p = ht_fisher_min(label_rows[c], total - label_rows[c], v[k]);
      if (p <= alpha)
        pw[m++] = (pmin_w){p, mult[k]};
    }
  qsort(pw, m, sizeof *pw, cmp_pw);
  uint64_t *cum = malloc((m + 1) * sizeof *cum);
  uint64_t K = 1;
  if (cum) {
    cum[0] = 0;
    for (size_t i = 0; i < m; i++)
      cum[i + 1] = cum[i] + pw[i].w;
    /* smallest K with #{p_min <= alpha / K} <= K */
    uint64_t lo = 1, hi = cum[m] ? cum[m] : 1;
    while (lo < hi) {
      uint64_t mid = lo + (hi - lo) / 2;
      double t = alpha / (double)mid;
      size_t a = 0, b = m;
      while (a < b) {
        size_t md = (a + b) / 2;
        if (pw[md].p <= t)
          a = md + 1;
        else
          b = md;
      }
      if (cum[a] <= mid)
        hi = mid;
      else
        lo = mid + 1;
    }
    K = lo;
  } else {
    K = n * n_labels;
  }
  free(cum);
  free(v);
  free(mult);
  free(pw);
  return K ? K : 1;
}

/* ---- the driver */

typedef struct ranked {
  double p;
  size_t i;
} ranked;

static int cmp_ranked(const void *a, const void *b) {
  const ranked *x = a, *y = b;
  if (x->p != y->p)
    return x->p < y->p ? -1 : 1;
  return x->i < y->i ? -1 : x->i > y->i;
}

/* Holm's step-down over a family of K >= n hypotheses of which only these
 * n were tested (the others count with p = 1). */
static void holm_of_family(ranked *r, size_t n, uint64_t K, double *adj) {
  qsort(r, n, sizeof *r, cmp_ranked);
  double run = 0;
  for (size_t j = 0; j < n; j++) {
    double v = (double)(K - j) * r[j].p;
    if (v > 1 || K <= j)
      v = 1;
    if (v > run)
      run = v;
    adj[r[j].i] = run;
  }
}

static void free_scan(scan *s) {
  tu_tokens_free(&s->tok);
  free(s->fp);
  free(s->keys);
  free(s->buckets);
  tu_map_free(&s->labels);
  tu_map_free(&s->seen);
  free(s->row_label);
  tu_map_free(&s->fmap);
  free(s->df);
  free(s->vote);
  free(s->vcnt);
  tu_map_free(&s->cmap);
  free(s->cdf);
  free(s->ca);
  free(s->clabel);
  free(s->cknown);
  free(s->nb);
  free(s->nbtot);
  tu_map_free(&s->smap);
  free(s->carrier_off);
  free(s->carrier_fill);
  free(s->carriers);
  free(s->last_row);
  free(s->base_mis);
  free(s->base_n);
  free(s->base_row);
  free(s->base_wrong);
  free(s->base_score);
  free(s->base_post);
  free(s->nb_all);
  free(s->logtab);
  free(s->score);
}

static size_t smallest_testable_df(const tt_result *r, double alpha) {
  uint64_t nmax = 0;
  for (size_t c = 0; c < r->n_labels; c++)
    if (r->label_rows[c] > nmax)
      nmax = r->label_rows[c];
  size_t k = 1;
  while (k <= nmax && ht_fisher_min(nmax, r->labelled - nmax, k) > alpha)
    k++;
  return k;
}

static int candidates(scan *s) {
  tt_result *r = s->res;
  size_t T = r->min_df;
  uint64_t slack = r->pruned_rounds;
  if (tu_map_init(&s->cmap, 1024))
    return MG_ERR_NOMEM;
  for (size_t i = 0; i < s->fmap.cap; i++) {
    if (!s->fmap.keys[i])
      continue;
    uint32_t id = s->fmap.ids[i];
    if ((uint64_t)s->df[id] + slack < T || !s->vcnt[id])
      continue;
    int added = 0;
    uint32_t c = tu_map_put(&s->cmap, s->fmap.keys[i], &added);
    if (c == NONE || tu_reserve((void **)&s->clabel, &s->ccap, c + 1, sizeof *s->clabel))
      return MG_ERR_NOMEM;
    s->clabel[c] = s->vote[id];
  }
  for (size_t k = 0; k < s->p->n_known; k++) {
    uint32_t id = tu_map_get(&s->fmap, s->p->known[k]);
    int added = 0;
    uint32_t c = tu_map_put(&s->cmap, s->p->known[k], &added);
    if (c == NONE || tu_reserve((void **)&s->clabel, &s->ccap, c + 1, sizeof *s->clabel))
      return MG_ERR_NOMEM;
    if (added)
      s->clabel[c] = id == NONE ? 0 : s->vote[id];
  }
  size_t n = s->cmap.n ? s->cmap.n : 1;
  s->cdf = calloc(n, sizeof *s->cdf);
  s->ca = calloc(n, sizeof *s->ca);
  s->cknown = calloc(n, sizeof *s->cknown);
  if (!s->cdf || !s->ca || !s->cknown)
    return MG_ERR_NOMEM;
  for (size_t k = 0; k < s->p->n_known; k++)
    s->cknown[tu_map_get(&s->cmap, s->p->known[k])] = 1;
  r->candidates = s->cmap.n;
  r->distinct_features = s->fmap.n;
  /* pass 1's table is no longer needed */
  tu_map_free(&s->fmap);
  free(s->df);
  free(s->vote);
  free(s->vcnt);
  s->df = s->vote = s->vcnt = NULL;
  return MG_OK;
}

static int concentration(scan *s, size_t **sel, size_t *n_sel) {
  tt_result *r = s->res;
  size_t n = s->cmap.n;
  uint64_t *dfs = malloc((n ? n : 1) * sizeof *dfs);
  ranked *rk = malloc((n ? n : 1) * sizeof *rk);
  double *adj = malloc((n ? n : 1) * sizeof *adj);
  double *p = malloc((n ? n : 1) * sizeof *p);
  if (!dfs || !rk || !adj || !p) {
    free(dfs);
    free(rk);
    free(adj);
    free(p);
    return MG_ERR_NOMEM;
  }
  size_t nt = 0, nd = 0;
  for (size_t c = 0; c < n; c++) {
    uint64_t N = r->labelled, nc = r->label_rows[s->clabel[c]];
    if (s->cdf[c] >= r->min_df)
      dfs[nd++] = s->cdf[c];
    p[c] = 1.0;
    if (s->ca[c] * 2 > s->cdf[c] && s->cdf[c] >= r->min_df)
      p[c] = ht_fisher_greater(s->ca[c], nc, s->cdf[c] - s->ca[c], N - nc);
    adj[c] = 1.0;
    if (p[c] < 1.0)
      rk[nt++] = (ranked){p[c], c};
  }
  r->tarone_family = tt_tarone_pairs(dfs, nd, r->label_rows, r->n_labels, r->labelled, s->p->alpha);
  /* only pairs attainable at alpha / K are in the family */
  size_t kept = 0;
  for (size_t j = 0; j < nt; j++) {
    size_t c = rk[j].i;
    uint64_t nc = r->label_rows[s->clabel[c]];
    if (ht_fisher_min(nc, r->labelled - nc, s->cdf[c]) <= s->p->alpha / (double)r->tarone_family)
      rk[kept++] = rk[j];
  }
  holm_of_family(rk, kept, r->tarone_family, adj);
  *sel = malloc((kept ? kept : 1) * sizeof **sel);
  if (!*sel) {
    free(dfs);
    free(rk);
    free(adj);
    free(p);
    return MG_ERR_NOMEM;
  }
  *n_sel = 0;
  for (size_t j = 0; j < kept; j++) /* rk is sorted by p */
    if (adj[rk[j].i] <= s->p->alpha)
      (*sel)[(*n_sel)++] = rk[j].i;
  if (*n_sel > s->p->max_stage2) {
    r->stage2_skipped = *n_sel - s->p->max_stage2;
    *n_sel = s->p->max_stage2;
  }
  /* stash p and adj for the selected */
  r->feat = calloc(*n_sel ? *n_sel : 1, sizeof *r->feat);
  if (!r->feat) {
    free(dfs);
    free(rk);
    free(adj);
    free(p);
    return MG_ERR_NOMEM;
  }
  r->n_feat = *n_sel;
  for (size_t j = 0; j < *n_sel; j++) {
    size_t c = (*sel)[j];
    tt_feature *f = &r->feat[j];
    f->label = s->clabel[c];
    f->df = s->cdf[c];
    f->a = s->ca[c];
    f->p1 = p[c];
    f->adj1 = adj[c];
  }
  free(dfs);
  free(rk);
  free(adj);
  free(p);
  return MG_OK;
}

static int known_counts(scan *s) {
  tt_result *r = s->res;
  size_t k = s->p->n_known;
  r->known_rows = calloc(k ? k : 1, sizeof *r->known_rows);
  r->known_label = calloc(k ? k : 1, sizeof *r->known_label);
  r->known_in_label = calloc(k ? k : 1, sizeof *r->known_in_label);
  if (!r->known_rows || !r->known_label || !r->known_in_label)
    return MG_ERR_NOMEM;
  for (size_t i = 0; i < k; i++) {
    uint32_t c = tu_map_get(&s->cmap, s->p->known[i]);
    r->known_rows[i] = s->cdf[c];
    r->known_label[i] = s->clabel[c];
    r->known_in_label[i] = s->ca[c];
  }
  return MG_OK;
}

int tt_analyse(const tu_dataset *d, const tt_params *p, tt_result *res) {
  memset(res, 0, sizeof *res);
  scan s;
  memset(&s, 0, sizeof s);
  s.d = d;
  s.p = p;
  s.res = res;
  s.tok.max_tokens = 4096;
  res->rows = d->info.count;
  int rc = MG_OK;
  s.row_label = malloc((d->info.count ? d->info.count : 1) * sizeof *s.row_label);
  if (!s.row_label || tu_map_init(&s.labels, 64) || tu_map_init(&s.seen, 1024) ||
      tu_map_init(&s.fmap, 1 << 16))
    rc = MG_ERR_NOMEM;
  if (!rc)
    rc = tu_for_rows(d, "text-triggers: counting phrases", pass1, &s);
  size_t L = res->n_labels;
  if (!rc && L < 2) {
    free_scan(&s);
    return MG_OK; /* nothing to compare */
  }
  if (!rc) {
    res->min_df = smallest_testable_df(res, p->alpha);
    rc = candidates(&s);
  }
  if (!rc) {
    /* buckets: a power of two, B x L counts within 2^23 */
    s.B = 1u << 12;
    while (s.B < (1u << 20) && s.B * 2 * L <= (1u << 23))
      s.B *= 2;
    s.nb = calloc(s.B * L, sizeof *s.nb);
    s.nbtot = calloc(L, sizeof *s.nbtot);
    if (!s.nb || !s.nbtot)
      rc = MG_ERR_NOMEM;
  }
  if (!rc)
    rc = tu_for_rows(d, "text-triggers: exact counts", pass2, &s);
  if (!rc)
    rc = known_counts(&s);
  size_t *sel = NULL, n_sel = 0;
  if (!rc)
    rc = concentration(&s, &sel, &n_sel);
  if (!rc) {
    s.logtab = malloc(s.B * L * sizeof *s.logtab);
    s.score = malloc(L * sizeof *s.score);
    s.base_mis = calloc(L, sizeof *s.base_mis);
    s.base_n = calloc(L, sizeof *s.base_n);
    s.carrier_off = calloc(n_sel + 1, sizeof *s.carrier_off);
    s.carrier_fill = calloc(n_sel + 1, sizeof *s.carrier_fill);
    s.last_row = calloc(n_sel + 1, sizeof *s.last_row);
    if (!s.logtab || !s.score || !s.base_mis || !s.base_n || !s.carrier_off || !s.carrier_fill ||
        !s.last_row || tu_map_init(&s.smap, n_sel + 1))
      rc = MG_ERR_NOMEM;
  }
  size_t used = 0;
  if (!rc && !(s.nb_all = calloc(s.B, sizeof *s.nb_all)))
    rc = MG_ERR_NOMEM;
  for (size_t b = 0; !rc && b < s.B; b++) {
    for (size_t c = 0; c < L; c++) {
      s.logtab[b * L + c] = (float)log((double)s.nb[b * L + c] + 1.0);
      s.nb_all[b] += s.nb[b * L + c];
    }
    used += s.nb_all[b] != 0;
  }
  for (size_t c = 0; !rc && c < L; c++)
    s.nbtot_all += s.nbtot[c];
  s.V = used ? (double)used : 1.0;
  uint64_t *key_of = rc ? NULL : malloc((s.cmap.n + 1) * sizeof *key_of);
  if (!rc && !key_of)
    rc = MG_ERR_NOMEM;
  for (size_t i = 0; !rc && i < s.cmap.cap; i++)
    if (s.cmap.keys[i])
      key_of[s.cmap.ids[i]] = s.cmap.keys[i];
  for (size_t j = 0; !rc && j < n_sel; j++) {
    uint64_t key = key_of[sel[j]];
    res->feat[j].key = key;
    if (tu_map_put(&s.smap, key, NULL) == NONE)
      rc = MG_ERR_NOMEM;
    s.carrier_off[j + 1] = s.carrier_off[j] + res->feat[j].df;
    s.carrier_fill[j] = s.carrier_off[j];
    res->feat[j].rows = malloc((res->feat[j].a ? res->feat[j].a : 1) * sizeof(uint64_t));
    res->feat[j].pred = malloc((res->feat[j].a ? res->feat[j].a : 1) * sizeof(uint32_t));
    if (!res->feat[j].rows || !res->feat[j].pred)
      rc = MG_ERR_NOMEM;
  }
  free(sel);
  free(key_of);
  if (!rc) {
    s.carriers = malloc((s.carrier_off[n_sel] ? s.carrier_off[n_sel] : 1) * sizeof *s.carriers);
    if (!s.carriers)
      rc = MG_ERR_NOMEM;
  }
  if (!rc)
    rc = tu_for_rows(d, "text-triggers: carrier rows", pass3, &s);
  for (size_t j = 0; !rc && j < n_sel; j++) {
    rc = stage2(&s, j);
    d->svc->progress(d->ctx, "text-triggers: rest-of-text test", j + 1, n_sel);
  }
  if (!rc) {
    res->baseline_q = malloc(L * sizeof *res->baseline_q);
    ranked *rk = malloc((n_sel ? n_sel : 1) * sizeof *rk);
    double *adj = malloc((n_sel ? n_sel : 1) * sizeof *adj);
    if (!res->baseline_q || !rk || !adj) {
      rc = MG_ERR_NOMEM;
    } else {
      for (size_t c = 0; c < L; c++)
        res->baseline_q[c] = ((double)s.base_mis[c] + 1.0) / ((double)s.base_n[c] + 2.0);
      for (size_t j = 0; j < n_sel; j++)
        rk[j] = (ranked){res->feat[j].p2, j};
      holm_of_family(rk, n_sel, n_sel, adj);
      for (size_t j = 0; j < n_sel; j++) {
        tt_feature *f = &res->feat[j];
        f->adj2 = adj[j];
        f->trigger = f->adj1 <= p->alpha && f->adj2 <= p->alpha && f->p_like_others > p->alpha;
      }
    }
    free(rk);
    free(adj);
  }
  free_scan(&s);
  return rc;
}

void tt_result_free(tt_result *res) {
  for (size_t c = 0; c < res->n_labels; c++)
    free(res->label_names[c]);
  free(res->label_names);
  free(res->label_rows);
  for (size_t j = 0; j < res->n_feat; j++) {
    free(res->feat[j].rows);
    free(res->feat[j].pred);
  }
  free(res->feat);
  free(res->known_rows);
  free(res->known_label);
  free(res->known_in_label);
  free(res->baseline_q);
  memset(res, 0, sizeof *res);
}
