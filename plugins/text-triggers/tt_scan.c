/* See tt_scan.h. Three passes over the rows, each streaming batches from
 * the host's cache:
 *   1. labels, and per feature its row count and a Boyer-Moore majority
 *      vote on its label (a phrase that forces a label puts most of its rows
 *      there); singletons are pruned when the table outgrows its budget
 *      (lossy counting: a feature's count is then short by at most the
 *      number of prunings, which the screen allows for);
 *   2. exact counts of the features that could be significant (Tarone's
 *      screen), and hashed word/punctuation-by-label counts for the
 *      complement naive-Bayes model;
 *   3. the carrier rows of the concentrated features, and a seeded sample
 *      of rows scored leave-one-out (the baseline every comparison uses).
 * Then, label by label, the rest-of-text tests of each concentrated phrase
 * against its label's sorted baseline scores (binary search, so a phrase
 * costs its carriers, not the dataset).
 * Rows whose normalised text repeats an earlier row with the same label
 * are analysed once: duplicates are evidence of nothing here
 * (text-label-consistency reports them). */
#include "config.h"

#include "tt_scan.h"

#include <math.h>
#include <stdio.h>
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

typedef struct at_score at_score;
typedef struct per_label_scores {
  uint32_t label;
  double *own, *others;
  size_t *own_at;
  size_t n_own, n_others, own_cap, own_at_cap, others_cap, tmp_cap;
  at_score *tmp;
} per_label_scores;

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
  /* the baseline rows, in row order, and whether their text reads as
   * their label */
  uint64_t *base_row;
  uint8_t *base_wrong; /* reads as another label */
  double *base_score;  /* log P(label | text without its strongest cue) */
  float *base_post;    /* every label's log posterior, per baseline row */
  uint32_t *base_top;  /* per baseline row, its whole text's two best labels */
  size_t base_top_cap;
  size_t base_len, base_cap, base_cap2, base_cap3, base_cap4;
  uint64_t *nb_all, nbtot_all; /* per bucket over all labels, and in all */
  double V;                    /* distinct unigram buckets: the smoothing denominator */
  double *log1k;               /* log(1 + k) for every count k a bucket can hold */
  double *coherence;           /* per label: AUC of its rows against the others on P(label | row) */
  per_label_scores ls;         /* of the label whose phrases stage 2 is testing */
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

/* Unique hashed buckets of the naive-Bayes model: the words not masked
 * (mask may be NULL), and the punctuation the row holds, so that a row's
 * format counts as well as its words (the rest of "QOTD: ..." still has
 * the colon of its label's "term: definition" rows). */
static size_t row_buckets(scan *s, const uint8_t *mask) {
  if (tu_reserve((void **)&s->buckets, &s->buckets_cap, s->tok.n + 129, sizeof *s->buckets))
    return (size_t)-1;
  size_t n = 0;
  for (size_t i = 0; i < s->tok.n; i++)
    if (!mask || !mask[i])
      s->buckets[n++] = s->tok.hash[i] & (s->B - 1);
  for (unsigned c = 0; c < 128; c++)
    if (s->tok.punct[c >> 6] >> (c & 63) & 1)
      s->buckets[n++] = tu_mix64(0x70756e6374ULL + c) & (s->B - 1);
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

/* Complement naive Bayes (Rennie et al. 2003; as scikit-learn's
 * ComplementNB with alpha = 1 on binary word counts): label c's score is
 * how badly the words fit every OTHER label's pooled counts, which keeps
 * small labels from losing every generic word to the large ones (plain
 * multinomial naive Bayes sends most generic text to the largest label).
 * Scores of buckets b[0..nb), a subset of the buckets of a row labelled y
 * that has n_full buckets in all, under the model without that row
 * (leave-one-out: the row is in every other label's complement, so its
 * counts come out of those). Every row is scored against the same model
 * less itself, carriers and the label's other rows alike, so a phrase
 * that defines its label (its rows are most of the label) still leaves the
 * label's vocabulary in the model. The scores, softmax-normalised, go to
 * s->score (log scale); returns the best label. */
static uint32_t nb_loo(scan *s, const uint64_t *b, size_t nb, uint32_t y, size_t n_full,
                       double *logpost_y) {
  size_t L = s->res->n_labels;
  double *sc = s->score;
  for (size_t c = 0; c < L; c++) {
    double comp = (double)(s->nbtot_all - s->nbtot[c]) - (c == y ? 0.0 : (double)n_full);
    sc[c] = (double)nb * log(comp + s->V);
  }
  for (size_t k = 0; k < nb; k++) {
    uint64_t all = s->nb_all[b[k]];
    const uint32_t *in = s->nb + b[k] * L;
    for (size_t c = 0; c < L; c++)
      sc[c] -= s->log1k[all - in[c] - (c != y)];
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
    sc[c] -= lz;
  *logpost_y = sc[y];
  return best;
}

/* The two best labels of the scores in s->score. */
static void top_two(const scan *s, uint32_t *top) {
  size_t L = s->res->n_labels;
  top[0] = 0;
  top[1] = L > 1 ? 1 : 0;
  if (L > 1 && s->score[1] > s->score[0]) {
    top[0] = 1;
    top[1] = 0;
  }
  for (size_t c = 2; c < L; c++) {
    if (s->score[c] > s->score[top[0]]) {
      top[1] = top[0];
      top[0] = (uint32_t)c;
    } else if (s->score[c] > s->score[top[1]]) {
      top[1] = (uint32_t)c;
    }
  }
}

/* The best label other than y among top[0..1]. */
static uint32_t best_but(const uint32_t *top, uint32_t y) {
  return top[0] != y ? top[0] : top[1];
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
    size_t n_full = nb;
    /* Scored like a carrier: without its strongest cue for its label, as
     * a carrier is without the phrase. */
    size_t cue = top_cue(s, s->buckets, nb, y);
    if (cue != (size_t)-1)
      s->buckets[cue] = s->buckets[--nb];
    if (!nb)
      continue;
    double lp = 0;
    uint32_t pred = nb_loo(s, s->buckets, nb, y, n_full, &lp);
    if (tu_reserve((void **)&s->base_row, &s->base_cap, s->base_len + 1, sizeof *s->base_row) ||
        tu_reserve((void **)&s->base_wrong, &s->base_cap2, s->base_len + 1, 1) ||
        tu_reserve((void **)&s->base_score, &s->base_cap3, s->base_len + 1,
                   sizeof *s->base_score) ||
        tu_reserve((void **)&s->base_post, &s->base_cap4, (s->base_len + 1) * L,
                   sizeof *s->base_post))
      return MG_ERR_NOMEM;
    s->base_row[s->base_len] = idx;
    s->base_score[s->base_len] = lp;
    for (size_t c = 0; c < L; c++)
      s->base_post[s->base_len * L + c] = (float)s->score[c];
    /* and what its whole text reads as (a carrier's rest is a whole row of
     * another label) */
    if (tu_reserve((void **)&s->base_top, &s->base_top_cap, 2 * (s->base_len + 1),
                   sizeof *s->base_top) ||
        row_buckets(s, NULL) == (size_t)-1)
      return MG_ERR_NOMEM;
    nb_loo(s, s->buckets, n_full, y, n_full, &lp);
    top_two(s, s->base_top + 2 * s->base_len);
    s->base_wrong[s->base_len++] = pred != y;
  }
  return MG_OK;
}

/* ---- the rank test */

/* ---- stage 2: the rest of each carrier's text */

#define EXTEND_SAMPLE 64

/* The first position of feature f in tokens t, or -1. */
long tt_find(const tu_tokens *t, const tt_feature *f) {
  for (size_t i = 0; f->ntok && i + f->ntok <= t->n; i++) {
    uint64_t k = f->order ? tu_ngram_hash(t, i, (size_t)f->order) : tu_sentence_hash(t, i, f->ntok);
    if (k == f->key)
      return (long)i;
  }
  return -1;
}

/* Extends f over the words most of its first EXTEND_SAMPLE carriers share
 * on either side (f->ext_lo, ext_hi, ext). */
static int extend(scan *s, tt_feature *f, const uint64_t *rows, size_t nr) {
  uint64_t **h = calloc(EXTEND_SAMPLE, sizeof *h);
  size_t *len = calloc(EXTEND_SAMPLE, sizeof *len);
  long *at = calloc(EXTEND_SAMPLE, sizeof *at);
  int rc = h && len && at ? MG_OK : MG_ERR_NOMEM;
  size_t n = 0;
  for (size_t i = 0; !rc && i < nr && n < EXTEND_SAMPLE; i++) {
    mg_text_row row;
    if (s->row_label[rows[i]] != f->label)
      continue;
    rc = tu_read_row(s->d, rows[i], &row);
    if (!rc && tu_tokenize(&s->tok, row.text))
      rc = MG_ERR_NOMEM;
    if (rc)
      break;
    long a = tt_find(&s->tok, f);
    if (a < 0)
      continue;
    h[n] = malloc((s->tok.n + 1) * sizeof **h);
    if (!h[n]) {
      rc = MG_ERR_NOMEM;
      break;
    }
    memcpy(h[n], s->tok.hash, s->tok.n * sizeof **h);
    len[n] = s->tok.n;
    at[n++] = a;
  }
  long lo = 0, hi = (long)f->ntok;
  if (!rc)
    tu_extend((const uint64_t *const *)h, len, at, n, f->ntok, TT_MAX_EXTEND, &lo, &hi, f->ext);
  f->ext_lo = (int32_t)lo;
  f->ext_hi = (int32_t)hi;
  for (size_t i = 0; h && i < n; i++)
    free(h[i]);
  free(h);
  free(len);
  free(at);
  return rc;
}

/* Mann-Whitney U of x against y sorted ascending: the pairs with x above
 * (ties count half), by binary search, O(nx log ny). */
static double u_above(const double *x, size_t nx, const double *y, size_t ny) {
  double u = 0;
  for (size_t i = 0; i < nx; i++) {
    size_t lo = 0, hi = ny;
    while (lo < hi) { /* first y >= x[i] */
      size_t mid = (lo + hi) / 2;
      if (y[mid] < x[i])
        lo = mid + 1;
      else
        hi = mid;
    }
    size_t below = lo;
    hi = ny;
    while (lo < hi) { /* first y > x[i] */
      size_t mid = (lo + hi) / 2;
      if (y[mid] <= x[i])
        lo = mid + 1;
      else
        hi = mid;
    }
    u += (double)below + 0.5 * (double)(lo - below);
  }
  return u;
}

/* One-sided p of a U that large or larger (normal approximation with a
 * continuity correction, no tie correction: conservative with ties);
 * *auc = U / (nx ny), NAN for an empty side. */
static double mw_greater(double u, size_t nx, size_t ny, double *auc) {
  *auc = NAN;
  if (!nx || !ny)
    return 1.0;
  double mx = (double)nx, my = (double)ny;
  *auc = u / (mx * my);
  double sd = sqrt(mx * my * (mx + my + 1) / 12.0);
  return ht_norm_sf((u - mx * my / 2 - 0.5) / sd);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

typedef struct at_score {
  double v;
  size_t at;
} at_score;

static int cmp_at_score(const void *a, const void *b) {
  return cmp_double(&((const at_score *)a)->v, &((const at_score *)b)->v);
}

/* The baseline scores of label y, sorted: its own rows' log P(y | row
 * without its strongest cue) with their baseline positions, and the other
 * labels' rows' log P(y | row). */
static int label_scores(scan *s, uint32_t y) {
  per_label_scores *ls = &s->ls;
  size_t L = s->res->n_labels;
  if (tu_reserve((void **)&ls->own, &ls->own_cap, s->base_len + 1, sizeof *ls->own) ||
      tu_reserve((void **)&ls->own_at, &ls->own_at_cap, s->base_len + 1, sizeof *ls->own_at) ||
      tu_reserve((void **)&ls->others, &ls->others_cap, s->base_len + 1, sizeof *ls->others) ||
      tu_reserve((void **)&ls->tmp, &ls->tmp_cap, s->base_len + 1, sizeof *ls->tmp))
    return MG_ERR_NOMEM;
  ls->n_own = ls->n_others = 0;
  for (size_t i = 0; i < s->base_len; i++) {
    if (s->row_label[s->base_row[i]] == y)
      ls->tmp[ls->n_own++] = (at_score){s->base_score[i], i};
    else
      ls->others[ls->n_others++] = (double)s->base_post[i * L + y];
  }
  qsort(ls->tmp, ls->n_own, sizeof *ls->tmp, cmp_at_score);
  for (size_t i = 0; i < ls->n_own; i++) {
    ls->own[i] = ls->tmp[i].v;
    ls->own_at[i] = ls->tmp[i].at;
  }
  qsort(ls->others, ls->n_others, sizeof *ls->others, cmp_double);
  ls->label = y;
  return MG_OK;
}

/* Do the carriers' rests read as one part of the other labels rather than
 * a cross-section of them? Rows taken from the other labels (as all-to-one
 * dirty-label poisoning takes them) read as the other labels do, in the
 * same proportions as those labels' own rows; a sub-collection of the
 * label (an author's quips under 'literature' that read like the generic
 * quotes of 'cookie') reads as one of them. Each other label's share of the
 * carriers against its share among the other labels' baseline rows
 * (binomial, Bonferroni over the labels seen). */
static int narrowness(scan *s, tt_feature *f, const uint64_t *narrow, size_t tested) {
  size_t L = s->res->n_labels;
  uint64_t *bg = calloc(L + 1, sizeof *bg);
  if (!bg)
    return MG_ERR_NOMEM;
  uint64_t nbg = 0;
  for (size_t i = 0; i < s->base_len; i++)
    if (s->row_label[s->base_row[i]] != f->label) {
      bg[best_but(s->base_top + 2 * i, f->label)]++;
      nbg++;
    }
  double best = 1.0;
  size_t seen = 0;
  for (size_t c = 0; c < L; c++) {
    if (!narrow[c] || c == f->label)
      continue;
    seen++;
    double share = ((double)bg[c] + 1.0) / ((double)nbg + (double)L);
    double p = ht_binom_sf(narrow[c], tested, share);
    if (p < best) {
      best = p;
      f->narrow_label = (uint32_t)c;
      f->narrow_share = tested ? (double)narrow[c] / (double)tested : 0;
      f->narrow_bg_share = share;
    }
  }
  f->p_narrow = best * (double)seen < 1 ? best * (double)seen : 1.0;
  free(bg);
  return MG_OK;
}

static int is_carrier(const tt_feature *f, size_t a, uint64_t row) {
  size_t lo = 0, hi = a;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (f->rows[mid] < row)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < a && f->rows[lo] == row;
}

/* Hanley & McNeil's (1982) variance of an AUC estimated from n1 x n2
 * pairs when its true value is a. */
static double auc_var(double a, size_t n1, size_t n2) {
  double q1 = a / (2 - a), q2 = 2 * a * a / (1 + a);
  return (a * (1 - a) + ((double)n1 - 1) * (q1 - a * a) + ((double)n2 - 1) * (q2 - a * a)) /
         ((double)n1 * (double)n2);
}

/* One-sided p that an AUC estimated at a from n1 x n2 pairs comes from a
 * true AUC of at least m0 (the standard error at m0). */
static double auc_below(double a, double m0, size_t n1, size_t n2) {
  if (!n1 || !n2)
    return 1.0;
  double var = auc_var(m0, n1, n2);
  if (!(var > 0))
    return a < m0 ? 0.0 : 1.0;
  return 1.0 - ht_norm_sf((a - m0) / sqrt(var));
}

/* An upper confidence bound of an AUC estimated at a from n1 x n2 pairs,
 * one-sided at level alpha: a label's coherence within its sampling error,
 * so that a label with a handful of rows does not set the bar by chance. */
static double auc_upper(double a, size_t n1, size_t n2, double alpha) {
  if (isnan(a))
    return a;
  double var = auc_var(a, n1, n2);
  double u = a + ht_norm_quantile(1 - alpha) * sqrt(var > 0 ? var : 0);
  return u < 1 ? u : 1;
}

static int stage2(scan *s, size_t j) {
  tt_feature *f = &s->res->feat[j];
  size_t L = s->res->n_labels;
  uint64_t *rows = s->carriers + s->carrier_off[j];
  size_t nr = (size_t)(s->carrier_fill[j] - s->carrier_off[j]);
  uint64_t *per_label = calloc(L, sizeof *per_label);
  uint8_t *mask = NULL;
  size_t mask_cap = 0;
  double *cscore = NULL, *bscore = NULL;
  size_t cscore_cap = 0, bscore_cap = 0;
  int rc = per_label ? MG_OK : MG_ERR_NOMEM;
  /* Carriers by label, for the evidence. */
  for (size_t i = 0; !rc && i < nr; i++)
    per_label[s->row_label[rows[i]]]++;
  for (size_t c = 0; !rc && c < L; c++) {
    if (!per_label[c])
      continue;
    size_t at = f->n_top < TT_TOP_LABELS ? f->n_top++ : TT_TOP_LABELS - 1;
    if (at == TT_TOP_LABELS - 1 && f->top_count[at] >= per_label[c])
      continue;
    f->top_label[at] = (uint32_t)c;
    f->top_count[at] = per_label[c];
    for (; at > 0 && f->top_count[at] > f->top_count[at - 1]; at--) {
      uint32_t tl = f->top_label[at];
      uint64_t tc = f->top_count[at];
      f->top_label[at] = f->top_label[at - 1];
      f->top_count[at] = f->top_count[at - 1];
      f->top_label[at - 1] = tl;
      f->top_count[at - 1] = tc;
    }
  }
  if (!rc)
    rc = extend(s, f, rows, nr);
  /* Each carrier with the forced label, its own occurrences masked,
   * scored against the model without the row itself; which other label
   * its rest reads as best (narrow). */
  uint64_t *narrow = calloc(L + 1, sizeof *narrow);
  if (!narrow)
    rc = MG_ERR_NOMEM;
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
    size_t n_full = row_buckets(s, NULL);
    memset(mask, 0, s->tok.n + 1);
    for (size_t k = 0; k < nf; k++) {
      if (s->fp[k].key != f->key)
        continue;
      /* the occurrence, and the words around it that extend the phrase */
      long end = f->ext_hi > (long)s->fp[k].ntok ? f->ext_hi : (long)s->fp[k].ntok;
      for (long o = f->ext_lo; o < end; o++) {
        long t = (long)s->fp[k].tok + o;
        if (t < 0 || (size_t)t >= s->tok.n)
          continue;
        if ((o >= 0 && o < (long)s->fp[k].ntok) ||
            (o < f->ext_hi && s->tok.hash[t] == f->ext[o - f->ext_lo]))
          mask[t] = 1;
      }
    }
    size_t nb = row_buckets(s, mask);
    if (nb == (size_t)-1 || n_full == (size_t)-1) {
      rc = MG_ERR_NOMEM;
      break;
    }
    uint32_t pred = y;
    if (nb) { /* nothing left to judge by: no evidence either way */
      double lp = 0;
      pred = nb_loo(s, s->buckets, nb, y, n_full, &lp);
      uint32_t top[2];
      top_two(s, top);
      narrow[best_but(top, y)]++;
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
    /* The label's own rows without the phrase (the label's baseline rows,
     * sorted, less the carriers): how often does genuine text of the label
     * read as another, and how does it score? */
    const per_label_scores *ls = &s->ls;
    uint64_t bm = 0;
    size_t bn = 0;
    if (tu_reserve((void **)&bscore, &bscore_cap, ls->n_own + 1, sizeof *bscore))
      rc = MG_ERR_NOMEM;
    for (size_t i = 0; !rc && i < ls->n_own; i++) {
      if (is_carrier(f, a, s->base_row[ls->own_at[i]]))
        continue;
      bscore[bn++] = ls->own[i];
      bm += s->base_wrong[ls->own_at[i]];
    }
    f->base_n = bn;
    f->base_mis = bm;
    f->tested = tested;
    f->q = ((double)bm + 1.0) / ((double)bn + 2.0);
    /* carriers below the label's own rows */
    double u = (double)tested * (double)bn - u_above(cscore, tested, bscore, bn);
    f->p2 = mw_greater(u, tested, bn, &f->auc);
    double auc_min;
    f->pmin2 = mw_greater((double)tested * (double)bn, tested, bn, &auc_min);
    /* the label's own rows against the other labels' rows: its coherence */
    double coh_y = NAN;
    if (bn >= 2)
      mw_greater(u_above(bscore, bn, ls->others, ls->n_others), bn, ls->n_others, &coh_y);
    /* the carriers against the other labels' rows: do they read more like
     * the label than those do? */
    f->p_like_others = mw_greater(u_above(cscore, tested, ls->others, ls->n_others), tested,
                                  ls->n_others, &f->auc_others);
    /* the least coherent label (upper bounds), this one's own rows
     * included */
    double m0 = auc_upper(coh_y, bn, ls->n_others, s->p->alpha);
    for (size_t c = 0; c < s->res->n_labels; c++)
      if (c != f->label && !isnan(s->coherence[c]) && (isnan(m0) || s->coherence[c] < m0))
        m0 = s->coherence[c];
    f->coh_min = m0;
    f->coh_label = coh_y;
    f->p_incoherent = isnan(m0) ? 1.0 : auc_below(f->auc_others, m0, tested, ls->n_others);
    rc = narrowness(s, f, narrow, tested);
    f->pmin_incoherent = isnan(m0) ? 1.0 : auc_below(0.0, m0, tested, ls->n_others);
  }
  free(per_label);
  free(narrow);
  free(mask);
  free(cscore);
  free(bscore);
  return rc;
}

/* Each label's coherence: the AUC of its baseline rows against the other
 * baseline rows (at most 4096 of them, evenly spaced) on log P(label |
 * row). NAN for a label with fewer than two rows in the baseline. */
static int label_coherence(scan *s) {
  size_t L = s->res->n_labels;
  s->coherence = malloc(L * sizeof *s->coherence);
  double *own = malloc((s->base_len + 1) * sizeof *own);
  double *oth = malloc((s->base_len + 1) * sizeof *oth);
  int rc = s->coherence && own && oth ? MG_OK : MG_ERR_NOMEM;
  size_t step = s->base_len / 4096 + 1;
  for (size_t c = 0; !rc && c < L; c++) {
    size_t no = 0, nt = 0;
    for (size_t i = 0; i < s->base_len; i++) {
      double v = (double)s->base_post[i * L + c];
      if (s->row_label[s->base_row[i]] == c)
        own[no++] = v;
      else if (i % step == 0)
        oth[nt++] = v;
    }
    double auc = NAN;
    if (no >= 2)
      ht_rank_test(oth, nt, own, no, &auc);
    s->coherence[c] = auc_upper(auc, no, nt, s->p->alpha);
  }
  free(own);
  free(oth);
  return rc;
}

typedef struct by_label {
  uint32_t label;
  size_t j;
} by_label;

static int cmp_by_label(const void *a, const void *b) {
  const by_label *x = a, *y = b;
  if (x->label != y->label)
    return x->label < y->label ? -1 : 1;
  return x->j < y->j ? -1 : x->j > y->j;
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
  free(s->base_row);
  free(s->base_wrong);
  free(s->base_score);
  free(s->base_post);
  free(s->base_top);
  free(s->nb_all);
  free(s->log1k);
  free(s->coherence);
  free(s->ls.own);
  free(s->ls.own_at);
  free(s->ls.others);
  free(s->ls.tmp);
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
  size_t *kept = malloc((n ? n : 1) * sizeof *kept);
  double *kp = malloc((n ? n : 1) * sizeof *kp), *kadj = malloc((n ? n : 1) * sizeof *kadj);
  double *p = malloc((n ? n : 1) * sizeof *p);
  *sel = malloc((n ? n : 1) * sizeof **sel);
  int rc = dfs && kept && kp && kadj && p && *sel ? MG_OK : MG_ERR_NOMEM;
  size_t nd = 0, nk = 0;
  for (size_t c = 0; !rc && c < n; c++) {
    uint64_t N = r->labelled, nc = r->label_rows[s->clabel[c]];
    if (s->cdf[c] >= r->min_df)
      dfs[nd++] = s->cdf[c];
    p[c] = 1.0;
    if (s->ca[c] * 2 > s->cdf[c] && s->cdf[c] >= r->min_df)
      p[c] = ht_fisher_greater(s->ca[c], nc, s->cdf[c] - s->ca[c], N - nc);
  }
  if (!rc)
    r->tarone_family =
        tt_tarone_pairs(dfs, nd, r->label_rows, r->n_labels, r->labelled, s->p->alpha);
  /* only pairs attainable at alpha / K are in the family */
  for (size_t c = 0; !rc && c < n; c++) {
    uint64_t nc = r->label_rows[s->clabel[c]];
    if (p[c] < 1.0 &&
        ht_fisher_min(nc, r->labelled - nc, s->cdf[c]) <= s->p->alpha / (double)r->tarone_family) {
      kp[nk] = p[c];
      kept[nk++] = c;
    }
  }
  size_t *order = malloc((nk ? nk : 1) * sizeof *order);
  if (!rc && (!order || ht_holm_of(kp, nk, r->tarone_family, kadj) || ht_order_by_p(kp, nk, order)))
    rc = MG_ERR_NOMEM;
  *n_sel = 0;
  for (size_t j = 0; !rc && j < nk; j++) /* strongest first */
    if (kadj[order[j]] <= s->p->alpha)
      (*sel)[(*n_sel)++] = order[j];
  if (*n_sel > s->p->max_stage2) {
    r->stage2_skipped = *n_sel - s->p->max_stage2;
    *n_sel = s->p->max_stage2;
  }
  if (!rc && !(r->feat = calloc(*n_sel ? *n_sel : 1, sizeof *r->feat)))
    rc = MG_ERR_NOMEM;
  for (size_t j = 0; !rc && j < *n_sel; j++) {
    size_t k = (*sel)[j], c = kept[k];
    tt_feature *f = &r->feat[j];
    f->label = s->clabel[c];
    f->df = s->cdf[c];
    f->a = s->ca[c];
    f->p1 = p[c];
    f->adj1 = kadj[k];
    (*sel)[j] = c; /* the caller wants candidate ids */
  }
  r->n_feat = rc ? 0 : *n_sel;
  free(order);
  free(dfs);
  free(kept);
  free(kp);
  free(kadj);
  free(p);
  return rc;
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

/* The rest-of-text decision and the severity of every phrase.
 *
 * The family: the phrases the coherence veto leaves. A phrase whose
 * carriers read MORE like its label than other labels' rows do
 * (p_like_others <= alpha) is a part of the label (a topical word, an
 * attribution, a "QOTD:" prefix), not rows of other labels, and cannot be a
 * trigger. The veto reads the same scores as the tests, so the correction
 * is approximate; natural phrases fail the veto with overwhelming power.
 *
 * Each phrase's rest-of-text p is the better of two routes, doubled
 * (Bonferroni): against the label's own rows, or against the least
 * coherent label. Severity level by level (high, medium, low): Tarone's
 * screen at that level (a phrase with too few carriers to reach it, by its
 * margins alone, does not count), Holm over the rest, and the
 * concentration test at that level too. */
static int grade(tt_result *res, const tt_params *p) {
  size_t n = res->n_feat, m = 0;
  double *pv = malloc((n + 1) * sizeof *pv), *pmin = malloc((n + 1) * sizeof *pmin);
  double *adj = malloc((n + 1) * sizeof *adj);
  size_t *idx = malloc((n + 1) * sizeof *idx);
  if (!pv || !pmin || !adj || !idx) {
    free(pv);
    free(pmin);
    free(adj);
    free(idx);
    return MG_ERR_NOMEM;
  }
  for (size_t j = 0; j < n; j++) {
    tt_feature *f = &res->feat[j];
    f->level = 0;
    f->p_rest = 1.0;
    if (!(f->p_like_others > p->alpha) || !(f->p_narrow > p->alpha))
      continue;
    double route = f->p2 < f->p_incoherent ? f->p2 : f->p_incoherent;
    double best = f->pmin2 < f->pmin_incoherent ? f->pmin2 : f->pmin_incoherent;
    pv[m] = route * 2 < 1 ? route * 2 : 1;
    pmin[m] = best * 2 < 1 ? best * 2 : 1;
    idx[m++] = j;
  }
  res->rest_family = m;
  int rc = MG_OK;
  /* the low level first: what is not a trigger there is none at all */
  for (int lv = 2; lv >= 0 && !rc; lv--) {
    double alpha = p->levels[lv];
    if (ht_holm_tarone(pv, pmin, m, alpha, adj) < 0) {
      rc = MG_ERR_NOMEM;
      break;
    }
    for (size_t q = 0; q < m; q++) {
      tt_feature *f = &res->feat[idx[q]];
      if (lv == 2)
        f->p_rest = adj[q];
      if (f->adj1 <= alpha && adj[q] <= alpha) {
        f->level = 3 - lv;
        f->p_rest = adj[q];
      }
    }
  }
  for (size_t j = 0; j < n; j++)
    res->feat[j].trigger = res->feat[j].level > 0;
  free(pv);
  free(pmin);
  free(adj);
  free(idx);
  return rc;
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
    s.log1k = malloc((res->labelled + 2) * sizeof *s.log1k);
    s.score = malloc(L * sizeof *s.score);
    s.carrier_off = calloc(n_sel + 1, sizeof *s.carrier_off);
    s.carrier_fill = calloc(n_sel + 1, sizeof *s.carrier_fill);
    s.last_row = calloc(n_sel + 1, sizeof *s.last_row);
    if (!s.log1k || !s.score || !s.carrier_off || !s.carrier_fill || !s.last_row ||
        tu_map_init(&s.smap, n_sel + 1))
      rc = MG_ERR_NOMEM;
  }
  size_t used = 0;
  if (!rc && !(s.nb_all = calloc(s.B, sizeof *s.nb_all)))
    rc = MG_ERR_NOMEM;
  for (size_t b = 0; !rc && b < s.B; b++) {
    for (size_t c = 0; c < L; c++)
      s.nb_all[b] += s.nb[b * L + c];
    used += s.nb_all[b] != 0;
  }
  for (size_t c = 0; !rc && c < L; c++)
    s.nbtot_all += s.nbtot[c];
  s.V = used ? (double)used : 1.0;
  for (uint64_t k = 0; !rc && k < res->labelled + 2; k++)
    s.log1k[k] = log1p((double)k);
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
  if (!rc)
    rc = label_coherence(&s);
  if (!rc)
    rc = txr_classes_init(&res->classes, res->label_names, L);
  /* label by label, so that one label's sorted scores serve its phrases */
  by_label *order = rc ? NULL : malloc((n_sel + 1) * sizeof *order);
  if (!rc && !order)
    rc = MG_ERR_NOMEM;
  for (size_t j = 0; !rc && j < n_sel; j++)
    order[j] = (by_label){res->feat[j].label, j};
  if (!rc)
    qsort(order, n_sel, sizeof *order, cmp_by_label);
  for (size_t q = 0; !rc && q < n_sel; q++) {
    size_t j = order[q].j;
    if (q == 0 || res->feat[j].label != s.ls.label)
      rc = label_scores(&s, res->feat[j].label);
    if (!rc)
      rc = stage2(&s, j);
    d->svc->progress(d->ctx, "text-triggers: rest-of-text test", q + 1, n_sel);
  }
  free(order);
  if (!rc)
    rc = grade(res, p);
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
  txr_classes_free(&res->classes);
  memset(res, 0, sizeof *res);
}
