/* See it_scan.h. Passes over the rows, streamed from the host's cache:
 *   1. responses: normalised hash (exact groups), MinHash LSH bands
 *      (near-identical groups, union-find), URLs and commands their prompt
 *      lacks; prompt lengths;
 *   2. each group's members (read by index): the prompt n-grams most of
 *      them hold, counted exactly within the group;
 *   3. how many rows of the whole dataset hold each candidate phrase;
 * then the tests, and the vetoes for the groups that pass them. Memory per
 * row: a union-find parent, a 16-value MinHash signature and a few bytes. */
#include "config.h"

#include "it_scan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hyptest.h"

#define NONE UINT32_MAX
#define K 16     /* MinHash values per response */
#define BANDS 4  /* LSH bands of K / BANDS values */
#define NEAR 0.8 /* near-identical: estimated Jaccard of word bigrams */
#define MIN_NEAR_WORDS 5
#define MAX_ORDER 4
#define MIN_SEGMENT_WORDS 3 /* a response sentence long enough to be a payload */

uint64_t it_phrase_key(const tu_tokens *t, size_t i, size_t order, int field) {
  return tu_mix64(tu_ngram_hash(t, i, order) ^ (0x1f3d5b79a2c4e6f8ULL * (uint64_t)(field + 1)));
}

typedef struct artifact_rec {
  uint64_t hash;
  uint64_t row;
  uint32_t off, len;
  int kind;
} artifact_rec;

typedef struct test {
  uint32_t group;
  uint32_t cand; /* global candidate id */
  uint64_t key;
  uint32_t a;
  uint8_t order, field;
} test;

typedef struct scan {
  const tu_dataset *d;
  const it_params *p;
  it_result *res;
  tu_tokens tok, tok2;
  uint64_t *sh;
  size_t sh_cap;
  uint32_t *parent;
  uint32_t *sig;
  uint16_t *plen;
  uint8_t *usable;
  tu_map exact, band;
  uint32_t *exact_row, *band_row;
  size_t exact_cap, band_cap;
  artifact_rec *art;
  size_t n_art, art_cap;
  /* phase 2-3 */
  tu_map cand;
  uint64_t *df, *df_last;
  size_t df_cap;
  test *tests;
  size_t n_tests, tests_cap;
  uint64_t *keys;
  uint8_t *korder, *kfield;
  size_t keys_cap, korder_cap, kfield_cap;
  int rc;
} scan;

/* Whether s holds the n bytes at needle (bounded copies, no allocation). */
static int holds(const char *s, const char *needle, size_t n) {
  if (!s || !n)
    return 0;
  for (const char *c = s; *c; c++)
    if (*c == needle[0] && !strncmp(c, needle, n))
      return 1;
  return 0;
}

typedef struct art_ctx {
  scan *s;
  const mg_text_row *row;
} art_ctx;

static void on_artifact(void *user, tu_artifact_kind kind, const char *text, size_t off,
                        size_t len) {
  art_ctx *c = user;
  scan *s = c->s;
  if (s->rc || !len || holds(c->row->instruction, text + off, len) ||
      holds(c->row->input, text + off, len))
    return; /* the prompt asked for it */
  if (tu_reserve((void **)&s->art, &s->art_cap, s->n_art + 1, sizeof *s->art)) {
    s->rc = MG_ERR_NOMEM;
    return;
  }
  s->art[s->n_art++] = (artifact_rec){tu_hash_bytes(text + off, len, 0xa47 + (uint64_t)kind),
                                      c->row->index, (uint32_t)off, (uint32_t)len, (int)kind};
}

static int map_first(tu_map *m, uint32_t **rows, size_t *cap, uint64_t key, uint32_t row,
                     uint32_t *first) {
  int added = 0;
  uint32_t id = tu_map_put(m, key, &added);
  if (id == NONE || tu_reserve((void **)rows, cap, id + 1, sizeof **rows))
    return MG_ERR_NOMEM;
  if (added)
    (*rows)[id] = row;
  *first = added ? NONE : (*rows)[id];
  return MG_OK;
}

static int pass_responses(void *user, const mg_text_row *rows, size_t n) {
  scan *s = user;
  for (size_t i = 0; i < n && !s->rc; i++) {
    const mg_text_row *r = &rows[i];
    uint32_t idx = (uint32_t)r->index;
    s->parent[idx] = idx;
    s->usable[idx] = 0;
    if (r->bad || !r->output)
      continue;
    if (tu_tokenize(&s->tok, r->output))
      return MG_ERR_NOMEM;
    if (!s->tok.n)
      continue;
    s->usable[idx] = 1;
    s->res->usable++;
    size_t words = 0;
    if (tu_tokenize(&s->tok2, r->instruction))
      return MG_ERR_NOMEM;
    words += s->tok2.n;
    if (tu_tokenize(&s->tok2, r->input))
      return MG_ERR_NOMEM;
    words += s->tok2.n;
    s->plen[idx] = (uint16_t)(words < 65535 ? words : 65535);
    uint32_t first;
    if (map_first(&s->exact, &s->exact_row, &s->exact_cap, tu_normal_hash(&s->tok), idx, &first))
      return MG_ERR_NOMEM;
    if (first != NONE)
      tu_uf_unite(s->parent, first, idx);
    uint32_t *g = s->sig + (size_t)idx * K;
    if (s->tok.n >= MIN_NEAR_WORDS) {
      size_t m = s->tok.n - 1;
      if (tu_reserve((void **)&s->sh, &s->sh_cap, m, sizeof *s->sh))
        return MG_ERR_NOMEM;
      for (size_t k = 0; k < m; k++)
        s->sh[k] = tu_ngram_hash(&s->tok, k, 2);
      tu_minhash(s->sh, m, g, K); /* minima: repeats change nothing */
      for (size_t b = 0; b < BANDS; b++) {
        uint64_t h = tu_mix64(0x7a11e5 + b);
        for (size_t k = b * (K / BANDS); k < (b + 1) * (K / BANDS); k++)
          h = tu_mix64(h ^ g[k]);
        if (map_first(&s->band, &s->band_row, &s->band_cap, h, idx, &first))
          return MG_ERR_NOMEM;
        if (first != NONE && tu_minhash_similarity(g, s->sig + (size_t)first * K, K) >= NEAR)
          tu_uf_unite(s->parent, first, idx);
      }
    }
    art_ctx c = {s, r};
    tu_artifacts(r->output, on_artifact, &c);
    /* sentences of longer responses: a canned sentence appended */
    size_t from = 0;
    for (size_t t = 0; t < s->tok.n && !s->rc; t++) {
      if (!s->tok.sent_end[t])
        continue;
      size_t count = t + 1 - from;
      if (count >= MIN_SEGMENT_WORDS && count < s->tok.n) {
        size_t b = s->tok.start[from], e = s->tok.start[t] + s->tok.len[t];
        if (r->output[e] == '.' || r->output[e] == '!' || r->output[e] == '?')
          e++;
        if (tu_reserve((void **)&s->art, &s->art_cap, s->n_art + 1, sizeof *s->art))
          return MG_ERR_NOMEM;
        s->art[s->n_art++] = (artifact_rec){tu_sentence_hash(&s->tok, from, count), idx,
                                            (uint32_t)b, (uint32_t)(e - b), IT_SENTENCE};
      }
      from = t + 1;
    }
  }
  return s->rc;
}

/* ---- groups */

typedef struct sized {
  uint32_t root, size;
} sized;

static int cmp_sized(const void *a, const void *b) {
  const sized *x = a, *y = b;
  if (x->size != y->size)
    return x->size > y->size ? -1 : 1;
  return x->root < y->root ? -1 : x->root > y->root;
}

static int cmp_art(const void *a, const void *b) {
  const artifact_rec *x = a, *y = b;
  if (x->hash != y->hash)
    return x->hash < y->hash ? -1 : 1;
  return x->row < y->row ? -1 : x->row > y->row;
}

static int add_group(it_result *r, size_t *cap, it_group **out) {
  if (tu_reserve((void **)&r->groups, cap, r->n_groups + 1, sizeof *r->groups))
    return MG_ERR_NOMEM;
  it_group *g = &r->groups[r->n_groups++];
  memset(g, 0, sizeof *g);
  g->merged_into = -1;
  g->p = g->adj = 1.0;
  *out = g;
  return MG_OK;
}

static int build_groups(scan *s) {
  it_result *r = s->res;
  size_t n = (size_t)s->d->info.count, cap = 0;
  uint32_t *size = calloc(n + 1, sizeof *size);
  if (!size)
    return MG_ERR_NOMEM;
  for (size_t i = 0; i < n; i++)
    if (s->usable[i])
      size[tu_uf_find(s->parent, (uint32_t)i)]++;
  size_t ng = 0;
  for (size_t i = 0; i < n; i++)
    ng += size[i] >= 2;
  sized *order = malloc((ng + 1) * sizeof *order);
  uint32_t *gidx = malloc((n + 1) * sizeof *gidx);
  int rc = order && gidx ? MG_OK : MG_ERR_NOMEM;
  ng = 0;
  for (size_t i = 0; !rc && i < n; i++)
    if (size[i] >= 2)
      order[ng++] = (sized){(uint32_t)i, size[i]};
  if (!rc)
    qsort(order, ng, sizeof *order, cmp_sized);
  if (ng > s->p->max_groups)
    ng = s->p->max_groups;
  for (size_t i = 0; !rc && i < n; i++)
    gidx[i] = NONE;
  for (size_t j = 0; !rc && j < ng; j++) {
    it_group *g;
    rc = add_group(r, &cap, &g);
    if (rc)
      break;
    g->kind = IT_OUTPUT;
    g->rows = malloc(order[j].size * sizeof *g->rows);
    if (!g->rows)
      rc = MG_ERR_NOMEM;
    gidx[order[j].root] = (uint32_t)j;
    r->repeated_rows += order[j].size;
  }
  for (size_t i = 0; !rc && i < n; i++) {
    if (!s->usable[i])
      continue;
    uint32_t gi = gidx[tu_uf_find(s->parent, (uint32_t)i)];
    if (gi != NONE)
      r->groups[gi].rows[r->groups[gi].k++] = i;
  }
  r->output_groups = r->n_groups;
  /* URLs, commands and sentences that spread over different responses */
  if (!rc)
    qsort(s->art, s->n_art, sizeof *s->art, cmp_art);
  for (size_t i = 0; !rc && i < s->n_art;) {
    size_t j = i;
    while (j < s->n_art && s->art[j].hash == s->art[i].hash)
      j++;
    /* distinct rows and distinct responses among them */
    size_t rows_n = 0, outs = 0;
    for (size_t q = i; q < j; q++) {
      if (q > i && s->art[q].row == s->art[q - 1].row)
        continue;
      rows_n++;
      uint32_t root = tu_uf_find(s->parent, (uint32_t)s->art[q].row);
      int seen = 0;
      for (size_t t = i; t < q && !seen; t++)
        seen = tu_uf_find(s->parent, (uint32_t)s->art[t].row) == root;
      outs += !seen;
    }
    if (rows_n >= 2 && outs >= 2) {
      it_group *g;
      rc = add_group(r, &cap, &g);
      if (!rc && !(g->rows = malloc(rows_n * sizeof *g->rows)))
        rc = MG_ERR_NOMEM;
      if (!rc) {
        g->kind = IT_ARTIFACT;
        g->artifact = s->art[i].hash;
        g->artifact_kind = s->art[i].kind;
        g->artifact_row = s->art[i].row;
        g->artifact_off = s->art[i].off;
        g->artifact_len = s->art[i].len;
        g->distinct_outputs = outs;
        for (size_t q = i; q < j; q++)
          if (q == i || s->art[q].row != s->art[q - 1].row)
            g->rows[g->k++] = s->art[q].row;
        r->artifact_groups++;
      }
    }
    i = j;
  }
  free(size);
  free(order);
  free(gidx);
  return rc;
}

/* ---- phrases */

/* The distinct prompt n-gram keys of row r into s->keys (with order and
 * field), or -1 on error. */
static long prompt_keys(scan *s, const mg_text_row *r) {
  size_t n = 0;
  const char *field[2] = {r->instruction, r->input};
  for (int f = 0; f < 2; f++) {
    if (tu_tokenize(&s->tok, field[f]))
      return -1;
    size_t need = n + s->tok.n * MAX_ORDER + 1;
    if (tu_reserve((void **)&s->keys, &s->keys_cap, need, sizeof *s->keys) ||
        tu_reserve((void **)&s->korder, &s->korder_cap, need, 1) ||
        tu_reserve((void **)&s->kfield, &s->kfield_cap, need, 1))
      return -1;
    for (size_t i = 0; i < s->tok.n; i++)
      for (size_t o = 1; o <= MAX_ORDER && i + o <= s->tok.n; o++) {
        s->keys[n] = it_phrase_key(&s->tok, i, o, f);
        s->korder[n] = (uint8_t)o;
        s->kfield[n++] = (uint8_t)f;
      }
  }
  return (long)n;
}

/* Candidate phrases of group gi: the prompt n-grams more than half of its
 * members hold, counted over all of them (once per member). */
static int group_candidates(scan *s, uint32_t gi) {
  it_group *g = &s->res->groups[gi];
  tu_map local;
  uint32_t *count = NULL, *last = NULL;
  uint8_t *order = NULL, *field = NULL;
  size_t cap = 0, cap1 = 0, cap2 = 0, cap3 = 0;
  if (tu_map_init(&local, g->k * 16 + 64))
    return MG_ERR_NOMEM;
  int rc = MG_OK;
  for (size_t m = 0; !rc && m < g->k; m++) {
    mg_text_row row;
    rc = tu_read_row(s->d, g->rows[m], &row);
    long n = rc ? 0 : prompt_keys(s, &row);
    if (n < 0)
      rc = MG_ERR_NOMEM;
    for (long i = 0; !rc && i < n; i++) {
      int added = 0;
      uint32_t id = tu_map_put(&local, s->keys[i], &added);
      if (id == NONE || tu_reserve((void **)&count, &cap, id + 1, sizeof *count) ||
          tu_reserve((void **)&last, &cap1, id + 1, sizeof *last) ||
          tu_reserve((void **)&order, &cap2, id + 1, 1) ||
          tu_reserve((void **)&field, &cap3, id + 1, 1)) {
        rc = MG_ERR_NOMEM;
        break;
      }
      if (added) {
        count[id] = last[id] = 0;
        order[id] = s->korder[i];
        field[id] = s->kfield[i];
      }
      if (last[id] == m + 1)
        continue; /* once per member */
      last[id] = (uint32_t)(m + 1);
      count[id]++;
    }
  }
  for (size_t i = 0; !rc && i < local.cap; i++) {
    if (!local.keys[i])
      continue;
    uint32_t id = local.ids[i];
    if ((uint64_t)count[id] * 2 <= g->k)
      continue;
    int added = 0;
    uint32_t c = tu_map_put(&s->cand, local.keys[i], &added);
    if (c == NONE || tu_reserve((void **)&s->df, &s->df_cap, c + 1, sizeof *s->df) ||
        tu_reserve((void **)&s->tests, &s->tests_cap, s->n_tests + 1, sizeof *s->tests)) {
      rc = MG_ERR_NOMEM;
      break;
    }
    if (added)
      s->df[c] = 0;
    s->tests[s->n_tests++] = (test){gi, c, local.keys[i], count[id], order[id], field[id]};
  }
  tu_map_free(&local);
  free(count);
  free(last);
  free(order);
  free(field);
  return rc;
}

/* Pass 3: how many usable rows hold each candidate phrase (once per row:
 * df_last marks the row that last counted it). */
static int pass_df(void *user, const mg_text_row *rows, size_t n) {
  scan *s = user;
  for (size_t i = 0; i < n; i++) {
    uint64_t idx = rows[i].index;
    if (!s->usable[idx])
      continue;
    long m = prompt_keys(s, &rows[i]);
    if (m < 0)
      return MG_ERR_NOMEM;
    for (long k = 0; k < m; k++) {
      uint32_t c = tu_map_get(&s->cand, s->keys[k]);
      if (c != NONE && s->df_last[c] != idx + 1) {
        s->df_last[c] = idx + 1;
        s->df[c]++;
      }
    }
  }
  return MG_OK;
}

/* ---- the tests */

/* Each group's best phrase: Fisher's test of the group holding it, the
 * binomial test that it decides the response, Bonferroni over the group's
 * candidates that could reach alpha by their margins alone. */
static int group_tests(scan *s) {
  it_result *r = s->res;
  uint64_t U = r->usable;
  /* the smallest attainable p depends on (group size, phrase rows) only:
   * computed once per pair of margins */
  tu_map seen;
  double *mins = NULL;
  size_t mins_cap = 0;
  if (tu_map_init(&seen, 1024))
    return MG_ERR_NOMEM;
  for (size_t t = 0; t < s->n_tests; t++) {
    const test *x = &s->tests[t];
    it_group *g = &r->groups[x->group];
    uint64_t df = s->df[x->cand] < x->a ? x->a : s->df[x->cand];
    int added = 0;
    uint32_t id = tu_map_put(&seen, tu_mix64(((uint64_t)g->k << 32) ^ df), &added);
    if (id == NONE || tu_reserve((void **)&mins, &mins_cap, id + 1, sizeof *mins)) {
      tu_map_free(&seen);
      free(mins);
      return MG_ERR_NOMEM;
    }
    if (added)
      mins[id] = ht_fisher_min(g->k, U - g->k, df);
    double pmin = mins[id];
    if (pmin > s->p->alpha)
      continue;
    g->tested++;
    /* no more common in the group than in the dataset: p >= 1/2, not the
     * best (saves the exact tail for the common words of every group) */
    if ((double)x->a * (double)U <= (double)g->k * (double)df)
      continue;
    double p = ht_fisher_greater(x->a, g->k, df - x->a, U - g->k);
    if (!g->phrase || p < g->p_conc || (p == g->p_conc && x->order > g->order)) {
      g->phrase = x->key;
      g->order = x->order;
      g->field = x->field;
      g->a = x->a;
      g->df = df;
      g->p_conc = p;
      g->p_conc_min = pmin;
    }
  }
  for (size_t i = 0; i < r->n_groups; i++) {
    it_group *g = &r->groups[i];
    if (!g->phrase)
      continue;
    double m = (double)g->tested;
    g->p_conc = g->p_conc * m < 1 ? g->p_conc * m : 1;
    g->p_conc_min = g->p_conc_min * m < 1 ? g->p_conc_min * m : 1;
    /* more than half of the phrase's rows carry this response */
    g->p_purity = ht_binom_sf(g->a, g->df, 0.5);
    g->p = g->p_conc > g->p_purity ? g->p_conc : g->p_purity;
  }
  tu_map_free(&seen);
  free(mins);
  return MG_OK;
}

/* Tarone's screen and Holm over the groups with a phrase and no veto, level
 * by level (low first): a group's level is the highest it passes. */
static int grade(scan *s) {
  it_result *r = s->res;
  size_t n = 0, m = r->n_groups + 1;
  double *pv = malloc(m * sizeof *pv), *pm = malloc(m * sizeof *pm), *adj = malloc(m * sizeof *adj);
  size_t *idx = malloc(m * sizeof *idx);
  int rc = pv && pm && adj && idx ? MG_OK : MG_ERR_NOMEM;
  for (size_t i = 0; !rc && i < r->n_groups; i++) {
    it_group *g = &r->groups[i];
    g->level = 0;
    if (!g->phrase || g->vetoed)
      continue;
    double pur_min = ht_binom_sf(g->df, g->df, 0.5);
    pv[n] = g->p;
    pm[n] = g->p_conc_min > pur_min ? g->p_conc_min : pur_min;
    idx[n++] = i;
  }
  r->family = n;
  for (int lv = 2; !rc && lv >= 0; lv--) {
    if (ht_holm_tarone(pv, pm, n, s->p->levels[lv], adj) < 0) {
      rc = MG_ERR_NOMEM;
      break;
    }
    for (size_t q = 0; q < n; q++) {
      it_group *g = &r->groups[idx[q]];
      if (lv == 2)
        g->adj = adj[q];
      if (adj[q] <= s->p->levels[lv]) {
        g->level = 3 - lv;
        g->adj = adj[q];
      }
    }
  }
  free(pv);
  free(pm);
  free(adj);
  free(idx);
  return rc;
}

/* ---- the template veto */

#define ALIKE_MAX 40    /* rests compared pairwise, at most */
#define ALIKE_DRAWS 999 /* random groups of the background per group size */

static int unchecked(const it_group *g) {
  return g->level && !g->checked;
}

static int appended(const it_group *g) {
  return g->kind == IT_ARTIFACT && g->phrase;
}

/* The rows that hold each phrase of the groups that passed the tests. */
typedef struct phrase_rows {
  tu_map keys; /* phrase -> id */
  uint64_t **rows;
  size_t *n, *cap;
  size_t n_keys;
} phrase_rows;

typedef struct phrase_pass {
  scan *s;
  phrase_rows *pr;
} phrase_pass;

static int pass_phrase_rows(void *user, const mg_text_row *rows, size_t n) {
  phrase_pass *pp = user;
  scan *s = pp->s;
  phrase_rows *pr = pp->pr;
  for (size_t i = 0; i < n; i++) {
    if (!s->usable[rows[i].index])
      continue;
    long m = prompt_keys(s, &rows[i]);
    if (m < 0)
      return MG_ERR_NOMEM;
    for (long k = 0; k < m; k++) {
      uint32_t id = tu_map_get(&pr->keys, s->keys[k]);
      /* once per row: rows arrive in order, so a repeat is the last one */
      if (id == NONE || (pr->n[id] && pr->rows[id][pr->n[id] - 1] == rows[i].index))
        continue;
      if (tu_reserve((void **)&pr->rows[id], &pr->cap[id], pr->n[id] + 1, sizeof **pr->rows))
        return MG_ERR_NOMEM;
      pr->rows[id][pr->n[id]++] = rows[i].index;
    }
  }
  return MG_OK;
}

static void phrase_rows_free(phrase_rows *pr) {
  for (size_t i = 0; i < pr->n_keys; i++)
    free(pr->rows[i]);
  free(pr->rows);
  free(pr->n);
  free(pr->cap);
  tu_map_free(&pr->keys);
}

/* The rows that hold the phrase of every group `want` picks. */
static int collect_phrase_rows(scan *s, phrase_rows *pr, int (*want)(const it_group *)) {
  it_result *r = s->res;
  memset(pr, 0, sizeof *pr);
  if (tu_map_init(&pr->keys, 64))
    return MG_ERR_NOMEM;
  for (size_t i = 0; i < r->n_groups; i++)
    if (want(&r->groups[i]) && tu_map_put(&pr->keys, r->groups[i].phrase, NULL) == NONE)
      return MG_ERR_NOMEM;
  pr->n_keys = pr->keys.n;
  pr->rows = calloc(pr->n_keys + 1, sizeof *pr->rows);
  pr->n = calloc(pr->n_keys + 1, sizeof *pr->n);
  pr->cap = calloc(pr->n_keys + 1, sizeof *pr->cap);
  if (!pr->rows || !pr->n || !pr->cap)
    return MG_ERR_NOMEM;
  if (!pr->n_keys)
    return MG_OK;
  phrase_pass pp = {s, pr};
  return tu_for_rows(s->d, "instruction-triggers: rows of the phrases", pass_phrase_rows, &pp);
}

typedef struct background {
  double *len; /* prompt lengths of random rows */
  size_t n_len;
  double len_median;
  /* their word sets, the mean Jaccard similarity of random pairs, and the
   * null of the mean pairwise similarity of n random prompts, per n */
  uint64_t **set;
  size_t *n_set;
  double sim_mean;
  double *null[ALIKE_MAX + 1];
  tu_map words; /* word -> id: how many of the sampled prompts hold it */
  uint32_t *word_rows;
  size_t word_cap;
} background;

typedef struct prompt_sample {
  uint64_t **h; /* the phrase's field, word hashes */
  size_t *len;
  long *at;
  uint64_t *row;
  uint64_t **rest; /* distinct words outside the extended phrase, sorted */
  size_t *n_rest;
  double *words; /* words outside the extended phrase */
  size_t n;
} prompt_sample;

static void sample_free(prompt_sample *ps) {
  for (size_t i = 0; ps->h && i < ps->n; i++) {
    free(ps->h[i]);
    if (ps->rest)
      free(ps->rest[i]);
  }
  free(ps->h);
  free(ps->len);
  free(ps->at);
  free(ps->row);
  free(ps->rest);
  free(ps->n_rest);
  free(ps->words);
  memset(ps, 0, sizeof *ps);
}

/* Where the phrase of g starts among the words in t, or -1. */
static long phrase_at(const it_group *g, const tu_tokens *t) {
  for (size_t i = 0; i + (size_t)g->order <= t->n; i++)
    if (it_phrase_key(t, i, (size_t)g->order, g->field) == g->phrase)
      return (long)i;
  return -1;
}

/* An appended payload (a URL, command or sentence of the responses): the
 * rows with the phrase whose response holds its text anywhere. The group
 * itself only has the rows where the text stood apart (a sentence is only
 * a sentence of its own where the response before it ended one), so the
 * carriers, and with them the group's tests, are counted again. */
static int appended_carriers(scan *s, it_group *g, const uint64_t *with, size_t n_with) {
  mg_text_row row;
  int rc = tu_read_row(s->d, g->artifact_row, &row);
  if (rc)
    return rc;
  char *text = row.output ? strndup(row.output + g->artifact_off, g->artifact_len) : NULL;
  g->carriers = malloc((n_with + 1) * sizeof *g->carriers);
  if (!text || !g->carriers) {
    free(text);
    return MG_ERR_NOMEM;
  }
  g->n_carriers = 0;
  for (size_t i = 0; !rc && i < n_with; i++) {
    rc = tu_read_row(s->d, with[i], &row);
    if (!rc && holds(row.output, text, g->artifact_len))
      g->carriers[g->n_carriers++] = with[i];
  }
  free(text);
  if (rc || g->n_carriers <= g->a)
    return rc;
  /* more carriers than the group found: the payload is in more rows */
  uint64_t extra = g->n_carriers - g->a;
  g->k += extra;
  g->a = g->n_carriers;
  uint64_t U = s->res->usable;
  g->p_conc = ht_fisher_greater(g->a, g->k, g->df - g->a, U - g->k) * (double)g->tested;
  g->p_conc = g->p_conc < 1 ? g->p_conc : 1;
  g->p_purity = ht_binom_sf(g->a, g->df, 0.5);
  g->p = g->p_conc > g->p_purity ? g->p_conc : g->p_purity;
  return MG_OK;
}

/* Members whose prompt holds the phrase. */
static int member_carriers(scan *s, it_group *g) {
  g->carriers = malloc((g->k + 1) * sizeof *g->carriers);
  if (!g->carriers)
    return MG_ERR_NOMEM;
  g->n_carriers = 0;
  for (size_t m = 0; m < g->k; m++) {
    mg_text_row row;
    int rc = tu_read_row(s->d, g->rows[m], &row);
    if (rc)
      return rc;
    if (tu_tokenize(&s->tok, g->field ? row.input : row.instruction))
      return MG_ERR_NOMEM;
    if (phrase_at(g, &s->tok) >= 0)
      g->carriers[g->n_carriers++] = g->rows[m];
  }
  return MG_OK;
}

/* Members whose prompt holds the phrase (all of them into g->carriers),
 * and up to `sample` of the dataset's rows that hold it (with the payload
 * or not: which rows got the payload may depend on the response, an
 * appended sentence only shows where the response ended a sentence),
 * evenly spaced, as word arrays of the phrase's field. */
static int carriers(scan *s, it_group *g, const uint64_t *with, size_t n_with, prompt_sample *ps) {
  memset(ps, 0, sizeof *ps);
  int rc = g->kind == IT_ARTIFACT ? MG_OK : member_carriers(s, g); /* appended: counted already */
  if (rc)
    return rc;
  size_t want = n_with < s->p->sample ? n_with : s->p->sample;
  ps->h = calloc(want + 1, sizeof *ps->h);
  ps->len = calloc(want + 1, sizeof *ps->len);
  ps->at = calloc(want + 1, sizeof *ps->at);
  ps->row = calloc(want + 1, sizeof *ps->row);
  ps->rest = calloc(want + 1, sizeof *ps->rest);
  ps->n_rest = calloc(want + 1, sizeof *ps->n_rest);
  ps->words = calloc(want + 1, sizeof *ps->words);
  if (!ps->h || !ps->len || !ps->at || !ps->row || !ps->rest || !ps->n_rest || !ps->words)
    return MG_ERR_NOMEM;
  for (size_t j = 0; j < want; j++) {
    uint64_t r = with[j * n_with / want];
    mg_text_row row;
    if ((rc = tu_read_row(s->d, r, &row)))
      return rc;
    if (tu_tokenize(&s->tok, g->field ? row.input : row.instruction))
      return MG_ERR_NOMEM;
    long a = phrase_at(g, &s->tok);
    if (a < 0)
      continue;
    ps->h[ps->n] = malloc((s->tok.n + 1) * sizeof **ps->h);
    if (!ps->h[ps->n])
      return MG_ERR_NOMEM;
    memcpy(ps->h[ps->n], s->tok.hash, s->tok.n * sizeof **ps->h);
    ps->len[ps->n] = s->tok.n;
    ps->row[ps->n] = r;
    ps->at[ps->n++] = a;
  }
  return MG_OK;
}

/* Whether word w, next to the phrase in most carriers, belongs to it: it
 * does when fewer of the dataset's prompts hold it than the group's share
 * of the dataset (a word that common is context: a task template's, a
 * system prompt's, "the"). */
static int phrase_word(const background *bg, uint64_t w, double share) {
  uint32_t id = tu_map_get(&bg->words, w);
  double f = id == NONE || !bg->n_len ? 0.0 : (double)bg->word_rows[id] / (double)bg->n_len;
  return f < share;
}

/* The words of each sampled prompt outside the phrase (its own words, and
 * the words most carriers share around it that are no more common in the
 * dataset than the group): distinct ones for the similarity, all of them
 * for the length. */
static int rests(scan *s, it_group *g, prompt_sample *ps, const background *bg) {
  double share = s->res->usable ? (double)g->k / (double)s->res->usable : 0.0;
  for (size_t j = 0; j < ps->n; j++) {
    mg_text_row row;
    int rc = tu_read_row(s->d, ps->row[j], &row);
    if (rc)
      return rc;
    if (tu_tokenize(&s->tok2, g->field ? row.instruction : row.input))
      return MG_ERR_NOMEM;
    size_t n = 0;
    uint64_t *v = malloc((ps->len[j] + s->tok2.n + 1) * sizeof *v);
    if (!v)
      return MG_ERR_NOMEM;
    for (size_t i = 0; i < ps->len[j]; i++) {
      long o = (long)i - ps->at[j];
      if (o >= 0 && o < g->order)
        continue;
      if (o >= g->ext_lo && o < g->ext_hi && ps->h[j][i] == g->ext[o - g->ext_lo] &&
          phrase_word(bg, ps->h[j][i], share))
        continue;
      v[n++] = ps->h[j][i];
    }
    memcpy(v + n, s->tok2.hash, s->tok2.n * sizeof *v);
    n += s->tok2.n;
    ps->words[j] = (double)n;
    ps->n_rest[j] = tu_sort_unique(v, n);
    ps->rest[j] = v;
  }
  return MG_OK;
}

static int cmp_dbl(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The median of v[0..n), which it sorts. */
static double median(double *v, size_t n) {
  if (!n)
    return NAN;
  qsort(v, n, sizeof *v, cmp_dbl);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The mean similarity of seeded random pairs of the background's prompts,
 * for the report. */
static void similarity_mean(const scan *s, background *bg, size_t n) {
  double sum = 0;
  size_t m = 0;
  for (size_t t = 0; n >= 2 && t < 2 * n; t++) {
    uint64_t h = tu_mix64(s->p->seed ^ (0x51a1e5ULL + t));
    size_t x = h % n, y = (h >> 32) % n;
    if (x == y)
      continue;
    sum += tu_jaccard_sorted(bg->set[x], bg->n_set[x], bg->set[y], bg->n_set[y]);
    m++;
  }
  bg->sim_mean = m ? sum / (double)m : NAN;
}

static void background_free(background *bg) {
  for (size_t i = 0; bg->set && i < bg->n_len; i++)
    free(bg->set[i]);
  free(bg->set);
  free(bg->n_set);
  for (size_t n = 0; n <= ALIKE_MAX; n++)
    free(bg->null[n]);
  free(bg->len);
  free(bg->word_rows);
  tu_map_free(&bg->words);
  memset(bg, 0, sizeof *bg);
}

/* Prompts of seeded random rows: their lengths, word sets, how many of
 * them hold each word, and the null of their pairwise similarity. */
static int make_background(scan *s, background *bg) {
  memset(bg, 0, sizeof *bg);
  size_t n = (size_t)s->d->info.count, want = s->p->background;
  bg->len = malloc((want + 1) * sizeof *bg->len);
  bg->set = calloc(want + 1, sizeof *bg->set);
  bg->n_set = calloc(want + 1, sizeof *bg->n_set);
  int rc = bg->len && bg->set && bg->n_set && !tu_map_init(&bg->words, 4096) ? MG_OK : MG_ERR_NOMEM;
  size_t got = 0;
  for (size_t t = 0; !rc && n && t < want * 8 && got < want; t++) {
    uint64_t i = tu_mix64(s->p->seed ^ (0x9e3779b9ULL + t)) % n;
    if (!s->usable[i])
      continue;
    mg_text_row row;
    if ((rc = tu_read_row(s->d, i, &row)))
      break;
    size_t cap = 0, m = 0;
    uint64_t *v = NULL;
    for (int f = 0; f < 2 && !rc; f++) {
      if (tu_tokenize(&s->tok, f ? row.input : row.instruction) ||
          tu_reserve((void **)&v, &cap, m + s->tok.n + 1, sizeof *v)) {
        rc = MG_ERR_NOMEM;
        break;
      }
      memcpy(v + m, s->tok.hash, s->tok.n * sizeof *v);
      m += s->tok.n;
    }
    if (rc) {
      free(v);
      break;
    }
    bg->len[bg->n_len++] = (double)m;
    m = tu_sort_unique(v, m);
    for (size_t w = 0; !rc && w < m; w++) {
      int added = 0;
      uint32_t id = tu_map_put(&bg->words, v[w], &added);
      if (id == NONE ||
          tu_reserve((void **)&bg->word_rows, &bg->word_cap, id + 1, sizeof *bg->word_rows))
        rc = MG_ERR_NOMEM;
      else
        bg->word_rows[id] = added ? 1 : bg->word_rows[id] + 1;
    }
    bg->set[got] = v;
    bg->n_set[got++] = m;
  }
  if (!rc)
    similarity_mean(s, bg, got);
  double *tmp = rc ? NULL : malloc((bg->n_len + 1) * sizeof *tmp);
  if (!rc && !tmp)
    rc = MG_ERR_NOMEM;
  if (!rc) {
    memcpy(tmp, bg->len, bg->n_len * sizeof *tmp);
    bg->len_median = median(tmp, bg->n_len);
  }
  free(tmp);
  return rc;
}

/* The word most over-represented among the rests of the sampled prompts
 * (held by more than half of them, against its share of the dataset's
 * prompts; binomial, Bonferroni over such words): the mark of a task
 * template the group's prompts share beyond the phrase. */
static int template_test(scan *s, it_group *g, const prompt_sample *ps, const background *bg) {
  tu_map m;
  uint32_t *count = NULL;
  size_t cap = 0;
  if (tu_map_init(&m, 256))
    return MG_ERR_NOMEM;
  int rc = MG_OK;
  for (size_t j = 0; !rc && j < ps->n; j++)
    for (size_t w = 0; w < ps->n_rest[j]; w++) {
      int added = 0;
      uint32_t id = tu_map_put(&m, ps->rest[j][w], &added);
      if (id == NONE || tu_reserve((void **)&count, &cap, id + 1, sizeof *count)) {
        rc = MG_ERR_NOMEM;
        break;
      }
      count[id] = added ? 1 : count[id] + 1;
    }
  size_t tested = 0;
  double best = 1.0;
  uint64_t word = 0;
  for (size_t i = 0; !rc && i < m.cap; i++) {
    if (!m.keys[i] || (uint64_t)count[m.ids[i]] * 2 <= ps->n)
      continue;
    uint32_t id = tu_map_get(&bg->words, m.keys[i]);
    double in_bg = id == NONE ? 0.0 : (double)bg->word_rows[id];
    double f = (in_bg + 1.0) / ((double)bg->n_len + 2.0);
    double p = ht_binom_sf(count[m.ids[i]], ps->n, f);
    tested++;
    if (p < best) {
      best = p;
      word = m.keys[i];
    }
  }
  g->p_template = tested && best * (double)tested < 1 ? best * (double)tested : 1.0;
  g->template_words = tested;
  g->template_word[0] = '\0';
  /* the word as a carrier writes it */
  for (size_t j = 0; !rc && word && j < ps->n && !g->template_word[0]; j++) {
    mg_text_row row;
    if (tu_read_row(s->d, ps->row[j], &row))
      break;
    for (int f = 0; f < 2 && !g->template_word[0]; f++) {
      const char *text = f ? row.input : row.instruction;
      if (tu_tokenize(&s->tok2, text))
        break;
      for (size_t t = 0; t < s->tok2.n; t++)
        if (s->tok2.hash[t] == word) {
          size_t l = s->tok2.len[t] < sizeof g->template_word - 1 ? s->tok2.len[t]
                                                                  : sizeof g->template_word - 1;
          memcpy(g->template_word, text + s->tok2.start[t], l);
          g->template_word[l] = '\0';
          break;
        }
    }
  }
  tu_map_free(&m);
  free(count);
  return rc;
}

/* The mean pairwise Jaccard similarity of n word sets. */
static double mean_pairwise(uint64_t *const *set, const size_t *n_set, const size_t *pick,
                            size_t n) {
  double sum = 0;
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++, m++)
      sum += tu_jaccard_sorted(set[pick[i]], n_set[pick[i]], set[pick[j]], n_set[pick[j]]);
  return m ? sum / (double)m : NAN;
}

/* The null of that mean for n random prompts of the background, sorted:
 * ALIKE_DRAWS seeded draws, computed once per n. (The mean of pairwise
 * similarities is skewed: prompts of one task template pair up with a
 * similarity near 1, so its normal approximation rejects too often.) */
static const double *alike_null(scan *s, background *bg, size_t n) {
  if (bg->null[n])
    return bg->null[n];
  double *v = malloc(ALIKE_DRAWS * sizeof *v);
  size_t *pick = malloc(n * sizeof *pick);
  if (!v || !pick || bg->n_len < n) {
    free(v);
    free(pick);
    return NULL;
  }
  uint64_t h = tu_mix64(s->p->seed ^ (0xa11e0000ULL + n));
  for (size_t d = 0; d < ALIKE_DRAWS; d++) {
    for (size_t i = 0; i < n; i++) { /* n distinct prompts, by rejection */
      int taken;
      do {
        h = tu_mix64(h + 0x9e3779b97f4a7c15ULL);
        pick[i] = (size_t)(h % bg->n_len);
        taken = 0;
        for (size_t j = 0; j < i && !taken; j++)
          taken = pick[j] == pick[i];
      } while (taken);
    }
    v[d] = mean_pairwise(bg->set, bg->n_set, pick, n);
  }
  qsort(v, ALIKE_DRAWS, sizeof *v, cmp_dbl);
  free(pick);
  bg->null[n] = v;
  return v;
}

/* Are the rests more alike than as many random prompts would be? The mean
 * pairwise word-set Jaccard similarity of (up to ALIKE_MAX of) them against
 * its null for that many random prompts (Monte Carlo, p = (1 + draws at or
 * above) / (1 + draws)). Several task templates (five ways to ask about one
 * function) share no single word most of them hold, but their prompts
 * resemble one another; a trigger's prompts are ordinary prompts of every
 * kind. */
static int alike_test(scan *s, it_group *g, const prompt_sample *ps, background *bg) {
  size_t n = ps->n < ALIKE_MAX ? ps->n : ALIKE_MAX;
  size_t pick[ALIKE_MAX];
  for (size_t i = 0; i < n; i++)
    pick[i] = i * ps->n / n; /* evenly spaced over the sample */
  g->sim_group = mean_pairwise(ps->rest, ps->n_rest, pick, n);
  g->sim_bg = bg->sim_mean;
  g->p_alike = 1.0;
  if (n < 2)
    return MG_OK;
  const double *null = alike_null(s, bg, n);
  if (!null)
    return bg->n_len < n ? MG_OK : MG_ERR_NOMEM;
  size_t lo = 0, hi = ALIKE_DRAWS; /* the first draw at or above */
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (null[mid] < g->sim_group)
      lo = mid + 1;
    else
      hi = mid;
  }
  g->p_alike = (1.0 + (double)(ALIKE_DRAWS - lo)) / (1.0 + ALIKE_DRAWS);
  return MG_OK;
}

/* The template veto of a group that passed the tests. */
static int veto(scan *s, it_group *g, const uint64_t *with, size_t n_with, background *bg) {
  prompt_sample ps;
  int rc = carriers(s, g, with, n_with, &ps);
  if (!rc) {
    tu_extend((const uint64_t *const *)ps.h, ps.len, ps.at, ps.n, (size_t)g->order, IT_MAX_EXTEND,
              &g->ext_lo, &g->ext_hi, g->ext);
    rc = rests(s, g, &ps, bg);
  }
  if (!rc)
    rc = template_test(s, g, &ps, bg);
  if (!rc)
    rc = alike_test(s, g, &ps, bg);
  if (!rc) {
    /* the rests shorter than the dataset's prompts: the shared part is
     * most of the prompt */
    g->p_short = ht_rank_test(ps.words, ps.n, bg->len, bg->n_len, &g->auc_short);
    g->bg_len = bg->len_median;
    g->rest_len = median(ps.words, ps.n);
    double a = s->p->alpha / 3;
    g->vetoed = g->p_template <= a || g->p_short <= a || g->p_alike <= a;
  }
  sample_free(&ps);
  return rc;
}

static int payload_rank(const it_group *g) {
  if (g->kind == IT_OUTPUT)
    return 3;
  return g->artifact_kind == TU_COMMAND ? 2 : g->artifact_kind == TU_URL ? 1 : 0;
}

/* The better name of a payload: more carriers, then the whole response,
 * a command, a URL, a sentence (the most complete the reader can see). */
static int better_payload(const it_group *a, const it_group *b) {
  if (a->n_carriers != b->n_carriers)
    return a->n_carriers > b->n_carriers;
  return payload_rank(a) > payload_rank(b);
}

/* Groups whose carriers mostly coincide (a payload's own group and its
 * URL's group) make one finding, named by the better payload. */
static void merge(it_result *r) {
  for (size_t i = 0; i < r->n_groups; i++) {
    it_group *a = &r->groups[i];
    for (size_t j = i + 1; a->level && a->merged_into < 0 && j < r->n_groups; j++) {
      it_group *b = &r->groups[j];
      if (!b->level || b->merged_into >= 0)
        continue;
      size_t x = 0, y = 0, both = 0;
      while (x < a->n_carriers && y < b->n_carriers) {
        if (a->carriers[x] == b->carriers[y]) {
          both++;
          x++;
          y++;
        } else if (a->carriers[x] < b->carriers[y]) {
          x++;
        } else {
          y++;
        }
      }
      size_t small = a->n_carriers < b->n_carriers ? a->n_carriers : b->n_carriers;
      if (!small || both * 2 < small)
        continue;
      if (better_payload(b, a))
        a->merged_into = (int)j;
      else
        b->merged_into = (int)i;
    }
  }
}

static void free_scan(scan *s) {
  tu_tokens_free(&s->tok);
  tu_tokens_free(&s->tok2);
  free(s->sh);
  free(s->parent);
  free(s->sig);
  free(s->plen);
  free(s->usable);
  tu_map_free(&s->exact);
  tu_map_free(&s->band);
  free(s->exact_row);
  free(s->band_row);
  free(s->art);
  tu_map_free(&s->cand);
  free(s->df);
  free(s->df_last);
  free(s->tests);
  free(s->keys);
  free(s->korder);
  free(s->kfield);
}

/* Appended payloads: the rows with each one's phrase whose response holds
 * its text (appended_carriers), before the tests are graded. */
static int recount_appended(scan *s) {
  phrase_rows pr;
  int rc = collect_phrase_rows(s, &pr, appended);
  for (size_t i = 0; !rc && i < s->res->n_groups; i++) {
    it_group *g = &s->res->groups[i];
    if (!appended(g))
      continue;
    uint32_t id = tu_map_get(&pr.keys, g->phrase);
    rc = id == NONE ? MG_ERR_INTERNAL : appended_carriers(s, g, pr.rows[id], pr.n[id]);
  }
  phrase_rows_free(&pr);
  return rc;
}

int it_analyse(const tu_dataset *d, const it_params *p, it_result *res) {
  memset(res, 0, sizeof *res);
  if (d->info.count >= UINT32_MAX)
    return MG_ERR_LIMIT;
  scan s;
  memset(&s, 0, sizeof s);
  s.d = d;
  s.p = p;
  s.res = res;
  s.tok.max_tokens = s.tok2.max_tokens = 4096;
  res->rows = d->info.count;
  size_t n = (size_t)d->info.count;
  s.parent = malloc((n + 1) * sizeof *s.parent);
  s.sig = malloc((n + 1) * K * sizeof *s.sig);
  s.plen = calloc(n + 1, sizeof *s.plen);
  s.usable = calloc(n + 1, 1);
  int rc = s.parent && s.sig && s.plen && s.usable && !tu_map_init(&s.exact, n / 4 + 64) &&
                   !tu_map_init(&s.band, n + 64) && !tu_map_init(&s.cand, 1024)
               ? MG_OK
               : MG_ERR_NOMEM;
  if (!rc)
    rc = tu_for_rows(d, "instruction-triggers: responses", pass_responses, &s);
  /* the LSH tables are done with */
  tu_map_free(&s.band);
  tu_map_free(&s.exact);
  free(s.band_row);
  free(s.exact_row);
  free(s.sig);
  s.band_row = s.exact_row = NULL;
  s.sig = NULL;
  if (!rc)
    rc = build_groups(&s);
  for (size_t i = 0; !rc && i < res->n_groups; i++) {
    rc = group_candidates(&s, (uint32_t)i);
    d->svc->progress(d->ctx, "instruction-triggers: shared phrases", i + 1, res->n_groups);
  }
  if (!rc && !(s.df_last = calloc(s.cand.n + 1, sizeof *s.df_last)))
    rc = MG_ERR_NOMEM;
  if (!rc)
    rc = tu_for_rows(d, "instruction-triggers: phrase counts", pass_df, &s);
  if (!rc) {
    rc = group_tests(&s);
    if (!rc)
      rc = recount_appended(&s);
  }
  if (!rc)
    rc = grade(&s);
  /* the template veto for the groups that passed, then grade again
   * without the vetoed ones */
  background bg = {0};
  if (!rc)
    rc = make_background(&s, &bg);
  for (size_t i = 0; i < res->n_groups; i++)
    res->tested += res->groups[i].phrase != 0;
  /* A vetoed group leaves the family, so others may pass on the next
   * grading: check those too, until no new group passes. */
  for (int fresh = 1; !rc && fresh;) {
    phrase_rows pr;
    rc = collect_phrase_rows(&s, &pr, unchecked);
    fresh = 0;
    for (size_t i = 0; !rc && i < res->n_groups; i++) {
      it_group *g = &res->groups[i];
      if (!g->level || g->checked)
        continue;
      uint32_t id = tu_map_get(&pr.keys, g->phrase);
      rc = id == NONE ? MG_ERR_INTERNAL : veto(&s, g, pr.rows[id], pr.n[id], &bg);
      g->checked = 1;
      fresh = 1;
      res->vetoed += (size_t)g->vetoed;
    }
    phrase_rows_free(&pr);
    if (!rc && fresh)
      rc = grade(&s);
  }
  background_free(&bg);
  if (!rc)
    merge(res);
  free_scan(&s);
  return rc;
}

void it_result_free(it_result *res) {
  for (size_t i = 0; i < res->n_groups; i++) {
    free(res->groups[i].rows);
    free(res->groups[i].carriers);
  }
  free(res->groups);
  memset(res, 0, sizeof *res);
}
