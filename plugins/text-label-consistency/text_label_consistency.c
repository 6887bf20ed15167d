/* The text-label-consistency plugin (CTL-05): texts of a classification set
 * that appear more than once, exactly (after normalising case, punctuation
 * and spacing) or nearly (MinHash over word bigrams, LSH bands, estimated
 * Jaccard similarity of at least 0.8), with conflicting labels. Every such
 * group is reported (a fact: a reviewer must settle the label). Label noise
 * spreads conflicts over label pairs roughly as the labels' sizes predict;
 * label flipping by copies of one label's rows relabelled to a target puts
 * them on one pair: a binomial test of each pair's conflict count against
 * its share under random pairing (Holm over every pair) finds that.
 *
 * Concentration alone cannot tell an attack from the way real collections
 * are assembled: documentation reuses whole blocks of paragraphs between
 * two modules, a quote collection files a run of another category's quotes
 * again under its own (Debian's fortunes 'cookie' file holds dozens of the
 * 'computers' quotes). Such a pair is exactly a label flip in structure,
 * only small. So a concentrated pair is reported for review (medium, CTL-05
 * asks for flagged inconsistencies to be reviewed), and fails the gate
 * (high) only when the conflicts also relabel more than a policy share of
 * the smaller label (--set text-label-consistency.max-flip-share, default
 * 0.1; one-sided binomial test, Holm over the pairs): an effect size, like
 * annotator-audit's max-share, not a constant fitted to a data set. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hyptest.h"
#include "mgd.h"
#include "textreport.h"
#include "textutil.h"

#define PLUGIN "text-label-consistency"
#define NONE UINT32_MAX
#define K 16     /* MinHash values per row */
#define BANDS 4  /* LSH bands of K / BANDS values */
#define NEAR 0.8 /* "near-duplicate": estimated Jaccard similarity of word bigrams */
#define MAX_LABELS 4096
#define GROUPS_LISTED 20

static const char *const atlas[] = {"AML.T0020", "AML.T0059", NULL};
static const char *const mitigations[] = {"AML.M0007", NULL};
static const char *const controls[] = {"CTL-05", NULL};
static const char *const controls_strict[] = {"CTL-05", "CTL-14", NULL};

typedef struct lc {
  tu_dataset *d;
  tu_tokens tok;
  uint64_t *sh;
  size_t sh_cap;
  tu_map labels;
  char **names;
  size_t names_cap;
  uint64_t *label_rows;
  uint32_t *label; /* per row, NONE when unlabelled */
  uint32_t *sig;   /* per row, K values */
  uint64_t *exact; /* per row, normalised-text hash (0: none) */
  uint32_t *parent;
  uint64_t labelled;
} lc;

static int collect(void *user, const mg_text_row *rows, size_t n) {
  lc *s = user;
  for (size_t i = 0; i < n; i++) {
    uint64_t idx = rows[i].index;
    s->label[idx] = NONE;
    s->exact[idx] = 0;
    if (rows[i].bad || !rows[i].text || !rows[i].label)
      continue;
    int added = 0;
    const char *lb = rows[i].label;
    uint32_t y = tu_map_put(&s->labels, tu_hash_bytes(lb, strlen(lb), 0), &added);
    if (y == NONE || y >= MAX_LABELS)
      return y == NONE ? MG_ERR_NOMEM : MG_ERR_UNSUPPORTED;
    if (added) {
      size_t c2 = s->names_cap;
      if (tu_reserve((void **)&s->names, &s->names_cap, y + 1, sizeof *s->names) ||
          tu_reserve((void **)&s->label_rows, &c2, y + 1, sizeof *s->label_rows) ||
          !(s->names[y] = strdup(lb)))
        return MG_ERR_NOMEM;
      s->label_rows[y] = 0;
    }
    if (tu_tokenize(&s->tok, rows[i].text))
      return MG_ERR_NOMEM;
    if (!s->tok.n)
      continue;
    s->label[idx] = y;
    s->label_rows[y]++;
    s->labelled++;
    s->exact[idx] = tu_normal_hash(&s->tok);
    size_t m = s->tok.n > 1 ? s->tok.n - 1 : 1;
    if (tu_reserve((void **)&s->sh, &s->sh_cap, m, sizeof *s->sh))
      return MG_ERR_NOMEM;
    for (size_t k = 0; k < m; k++)
      s->sh[k] = s->tok.n > 1 ? tu_ngram_hash(&s->tok, k, 2) : s->tok.hash[0];
    m = tu_sort_unique(s->sh, m);
    tu_minhash(s->sh, m, s->sig + idx * K, K);
  }
  return MG_OK;
}

typedef struct member {
  uint32_t root;
  uint32_t row;
} member;

static int cmp_member(const void *a, const void *b) {
  const member *x = a, *y = b;
  if (x->root != y->root)
    return x->root < y->root ? -1 : 1;
  return x->row < y->row ? -1 : x->row > y->row;
}

static int check(tu_dataset *d, double max_share, json_t *sets) {
  json_t *ds = txr_dataset_json(d);
  json_array_append_new(sets, ds);
  if (!(d->info.fields & MG_TEXT_FIELD_TEXT) || !(d->info.fields & MG_TEXT_FIELD_LABEL)) {
    json_object_set_new(ds, "skipped",
                        json_string("no text with labels (not a classification set)"));
    return MG_OK;
  }
  if (d->info.count >= UINT32_MAX) {
    json_object_set_new(ds, "skipped", json_string("more than 2^32 - 1 rows"));
    return MG_ERR_LIMIT;
  }
  size_t n = (size_t)d->info.count;
  lc s;
  memset(&s, 0, sizeof s);
  s.d = d;
  s.label = malloc((n + 1) * sizeof *s.label);
  s.sig = malloc((n + 1) * K * sizeof *s.sig);
  s.exact = malloc((n + 1) * sizeof *s.exact);
  s.parent = malloc((n + 1) * sizeof *s.parent);
  int rc =
      s.label && s.sig && s.exact && s.parent && !tu_map_init(&s.labels, 64) ? MG_OK : MG_ERR_NOMEM;
  if (!rc)
    rc = tu_for_rows(d, "text-label-consistency: rows", collect, &s);
  if (rc == MG_ERR_UNSUPPORTED) {
    json_object_set_new(ds, "skipped", json_string("more than 4096 labels: not classification"));
    rc = MG_OK;
    goto done;
  }
  /* Exact duplicates, then LSH bands verified on the whole signature. */
  tu_map seen = {0}, band = {0};
  for (size_t i = 0; i < n; i++)
    s.parent[i] = (uint32_t)i;
  if (!rc && (tu_map_init(&seen, n + 1) || tu_map_init(&band, n + 1)))
    rc = MG_ERR_NOMEM;
  uint32_t *first = malloc((n + 1) * sizeof *first);
  if (!first)
    rc = MG_ERR_NOMEM;
  size_t nf = 0;
  for (size_t i = 0; !rc && i < n; i++) {
    if (s.label[i] == NONE)
      continue;
    int added = 0;
    uint32_t id = tu_map_put(&seen, s.exact[i], &added);
    if (id == NONE) {
      rc = MG_ERR_NOMEM;
      break;
    }
    if (added)
      first[nf++] = (uint32_t)i;
    else
      tu_uf_unite(s.parent, first[id], (uint32_t)i);
  }
  uint32_t *band_first = malloc((n * BANDS + 1) * sizeof *band_first);
  size_t nb = 0;
  if (!band_first)
    rc = rc ? rc : MG_ERR_NOMEM;
  for (size_t i = 0; !rc && i < n; i++) {
    if (s.label[i] == NONE)
      continue;
    const uint32_t *g = s.sig + i * K;
    for (size_t b = 0; b < BANDS; b++) {
      uint64_t h = tu_mix64(0x1234567 + b);
      for (size_t k = b * (K / BANDS); k < (b + 1) * (K / BANDS); k++)
        h = tu_mix64(h ^ g[k]);
      int added = 0;
      uint32_t id = tu_map_put(&band, h, &added);
      if (id == NONE) {
        rc = MG_ERR_NOMEM;
        break;
      }
      if (added) {
        band_first[nb++] = (uint32_t)i;
      } else if (tu_minhash_similarity(g, s.sig + (size_t)band_first[id] * K, K) >= NEAR) {
        tu_uf_unite(s.parent, band_first[id], (uint32_t)i);
      }
    }
  }
  free(band_first);
  free(first);
  tu_map_free(&seen);
  tu_map_free(&band);
  /* Groups with more than one label. */
  member *m = malloc((n + 1) * sizeof *m);
  size_t nm = 0;
  if (!m)
    rc = rc ? rc : MG_ERR_NOMEM;
  for (size_t i = 0; !rc && i < n; i++)
    if (s.label[i] != NONE)
      m[nm++] = (member){tu_uf_find(s.parent, (uint32_t)i), (uint32_t)i};
  if (!rc)
    qsort(m, nm, sizeof *m, cmp_member);
  size_t L = s.labels.n;
  uint64_t *pair = calloc(L * L + 1, sizeof *pair);
  uint64_t *conflict_rows = malloc((nm + 1) * sizeof *conflict_rows);
  size_t n_conf_rows = 0, groups = 0, dup_groups = 0;
  json_t *listed = json_array();
  if (!pair || !conflict_rows)
    rc = rc ? rc : MG_ERR_NOMEM;
  for (size_t i = 0; !rc && i < nm;) {
    size_t j = i;
    while (j < nm && m[j].root == m[i].root)
      j++;
    if (j - i > 1)
      dup_groups++;
    int conflict = 0;
    for (size_t k = i + 1; k < j; k++)
      conflict |= s.label[m[k].row] != s.label[m[i].row];
    if (conflict) {
      groups++;
      /* each unordered pair of the group's distinct labels, once */
      uint64_t *ls = malloc((j - i) * sizeof *ls);
      if (!ls) {
        rc = MG_ERR_NOMEM;
        break;
      }
      for (size_t k = i; k < j; k++)
        ls[k - i] = s.label[m[k].row];
      size_t nl = tu_sort_unique(ls, j - i);
      for (size_t a = 0; a < nl; a++)
        for (size_t b = a + 1; b < nl; b++)
          pair[ls[a] * L + ls[b]]++;
      free(ls);
      json_t *rows = json_array();
      for (size_t k = i; k < j; k++) {
        conflict_rows[n_conf_rows++] = m[k].row;
        if (json_array_size(listed) < GROUPS_LISTED && json_array_size(rows) < 6)
          json_array_append_new(rows, txr_row_example(d, m[k].row));
      }
      if (json_array_size(listed) < GROUPS_LISTED)
        json_array_append_new(
            listed, json_pack("{s:I, s:o}", "rows", (json_int_t)(j - i), "members", rows));
      else
        json_decref(rows);
    }
    i = j;
  }
  /* Conflicts per label pair against random pairing. */
  double sq = 0, N = (double)s.labelled;
  for (size_t c = 0; c < L; c++)
    sq += (double)s.label_rows[c] * (double)s.label_rows[c];
  size_t n_pairs = L * (L - 1) / 2;
  double *p = malloc((n_pairs + 1) * sizeof *p);
  if (!p)
    rc = rc ? rc : MG_ERR_NOMEM;
  uint64_t total_pairs = 0;
  for (size_t a = 0; !rc && a < L; a++)
    for (size_t b = a + 1; b < L; b++)
      total_pairs += pair[a * L + b];
  size_t pi = 0;
  for (size_t a = 0; !rc && a < L; a++)
    for (size_t b = a + 1; b < L; b++) {
      double share = 2.0 * (double)s.label_rows[a] * (double)s.label_rows[b] / (N * N - sq);
      p[pi++] = pair[a * L + b] ? ht_binom_sf(pair[a * L + b], total_pairs, share) : 1.0;
    }
  /* the share of the smaller label the pair's conflicts relabel */
  double *ps = malloc((n_pairs + 1) * sizeof *ps);
  if (!ps)
    rc = rc ? rc : MG_ERR_NOMEM;
  pi = 0;
  for (size_t a = 0; !rc && a < L; a++)
    for (size_t b = a + 1; b < L; b++) {
      uint64_t small = s.label_rows[a] < s.label_rows[b] ? s.label_rows[a] : s.label_rows[b];
      uint64_t k = pair[a * L + b] < small ? pair[a * L + b] : small;
      ps[pi++] = k ? ht_binom_sf(k, small, max_share) : 1.0;
    }
  if (!rc && (ht_holm(p, n_pairs, p) || ht_holm(ps, n_pairs, ps)))
    rc = MG_ERR_NOMEM;
  txr_classes classes = {0};
  if (!rc)
    rc = txr_classes_init(&classes, s.names, L);
  int strong = 0;
  pi = 0;
  for (size_t a = 0; !rc && a < L; a++)
    for (size_t b = a + 1; !rc && b < L; b++, pi++) {
      mg_severity sev = tu_severity(p[pi], d->strict);
      if (sev == MG_SEV_INFO)
        continue;
      /* high only when the flip is also large */
      int large = sev == MG_SEV_HIGH && tu_severity(ps[pi], d->strict) == MG_SEV_HIGH;
      if (sev == MG_SEV_HIGH && !large)
        sev = MG_SEV_MEDIUM;
      strong = 1;
      /* rows of the conflicting groups that hold both labels */
      uint64_t *rows = malloc((n_conf_rows + 1) * sizeof *rows);
      size_t nr = 0;
      if (!rows) {
        rc = MG_ERR_NOMEM;
        break;
      }
      for (size_t i = 0; i < nm;) {
        size_t j = i;
        int ha = 0, hb = 0;
        while (j < nm && m[j].root == m[i].root) {
          ha |= s.label[m[j].row] == a;
          hb |= s.label[m[j].row] == b;
          j++;
        }
        for (size_t k = i; ha && hb && k < j; k++)
          rows[nr++] = m[k].row;
        i = j;
      }
      nr = tu_sort_unique(rows, nr);
      char title[900], msg[2500];
      double share = 2.0 * (double)s.label_rows[a] * (double)s.label_rows[b] / (N * N - sq);
      snprintf(title, sizeof title,
               "%llu duplicate texts in %s are labelled both '%.150s' and '%.150s'",
               (unsigned long long)pair[a * L + b], d->info.name, s.names[a], s.names[b]);
      uint64_t small = s.label_rows[a] < s.label_rows[b] ? s.label_rows[a] : s.label_rows[b];
      double share_small = small ? (double)pair[a * L + b] / (double)small : 0.0;
      snprintf(msg, sizeof msg,
               "%llu groups of identical or near-identical texts (word-bigram Jaccard >= %.1f) "
               "carry both labels '%.150s' and '%.150s', %.1f%% of the %llu conflicting label "
               "pairs where random label noise would put %.2f%% there: binomial p = %.3g after "
               "Holm's correction over %zu label pairs. They relabel %.1f%% of the smaller label "
               "(%llu rows; policy maximum %.0f%%, --set %s.max-flip-share): binomial p = %.3g "
               "after Holm. %s",
               (unsigned long long)pair[a * L + b], NEAR, s.names[a], s.names[b],
               100.0 * (double)pair[a * L + b] / (double)total_pairs,
               (unsigned long long)total_pairs, 100 * share, p[pi], n_pairs, 100 * share_small,
               (unsigned long long)small, 100 * max_share, PLUGIN, ps[pi],
               large ? "Copies of one label's rows relabelled to another (label flipping) on "
                       "this scale change what a model learns of both labels: settle each "
                       "group's label and find where the copies came from before training."
                     : "Copies relabelled on one pair like this are what label flipping "
                       "leaves, and also what collections that file the same text under two "
                       "labels do; on this scale, review and settle each group's label before "
                       "training.");
      json_t *ev = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:s}", "label_a", s.names[a],
                             "label_b", s.names[b], "class_a", (json_int_t)classes.index[a],
                             "class_b", (json_int_t)classes.index[b], "groups",
                             (json_int_t)pair[a * L + b], "conflicting_pairs",
                             (json_int_t)total_pairs, "class_is", txr_classes_basis(&classes));
      json_object_set_new(ev, "expected_share", txr_real(share));
      json_object_set_new(ev, "p_holm", txr_real(p[pi]));
      json_object_set_new(ev, "smaller_label_share", txr_real(share_small));
      json_object_set_new(ev, "max_flip_share", txr_real(max_share));
      json_object_set_new(ev, "p_share_holm", txr_real(ps[pi]));
      json_object_set_new(ev, "examples", json_array());
      for (size_t k = 0; k < nr && k < 6; k++)
        json_array_append_new(json_object_get(ev, "examples"), txr_row_example(d, rows[k]));
      rc = txr_emit(d, sev, "label-pair-conflicts", title, msg, NULL,
                    d->strict ? controls_strict : controls, -1, rows, nr, ht_score(p[pi]), ev);
      free(rows);
    }
  if (!rc && groups && !strong) {
    char title[600], msg[1200];
    snprintf(title, sizeof title, "%zu groups of duplicate texts in %s have conflicting labels",
             groups, d->info.name);
    snprintf(msg, sizeof msg,
             "%zu groups of identical or near-identical texts (%zu rows) carry more than one "
             "label. The conflicts are spread over label pairs as random label noise would "
             "spread them, so this is reported low: settle each group's label before training.",
             groups, n_conf_rows);
    uint64_t *rows = conflict_rows;
    rc = txr_emit(d, MG_SEV_LOW, "label-conflicts", title, msg, NULL,
                  d->strict ? controls_strict : controls, -1, rows, n_conf_rows, NAN,
                  json_pack("{s:I, s:O}", "groups", (json_int_t)groups, "listed", listed));
  }
  json_object_set_new(ds, "labelled_rows", json_integer((json_int_t)s.labelled));
  json_object_set_new(ds, "labels", json_integer((json_int_t)L));
  json_object_set_new(ds, "duplicate_groups", json_integer((json_int_t)dup_groups));
  json_object_set_new(ds, "conflicting_groups", json_integer((json_int_t)groups));
  json_object_set_new(ds, "rows_in_conflicts", json_integer((json_int_t)n_conf_rows));
  json_object_set_new(ds, "near_duplicate_similarity", json_real(NEAR));
  json_object_set_new(ds, "groups", listed);
  free(p);
  free(ps);
  txr_classes_free(&classes);
  free(pair);
  free(conflict_rows);
  free(m);
done:
  for (size_t c = 0; c < s.labels.n; c++)
    free(s.names[c]);
  free(s.names);
  free(s.label_rows);
  free(s.label);
  free(s.sig);
  free(s.exact);
  free(s.parent);
  free(s.sh);
  tu_map_free(&s.labels);
  tu_tokens_free(&s.tok);
  return rc;
}

static const mg_plugin_option option_table[] = {
    TU_OPTIONS,
    {"max-flip-share", MG_OPTION_NUMBER, 0.1, 0.0, 1.0,
     "share of conflicting near-duplicate labels a dataset may have"},
    {NULL, 0, 0, 0, 0, NULL},
};

static int lc_run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  if (tu_require_text(svc, ctx, PLUGIN))
    return MG_ERR_UNSUPPORTED;
  double max_share;
  int rc = mgp_opt(svc, ctx, PLUGIN, option_table, "max-flip-share", &max_share);
  if (rc)
    return rc;
  json_t *sets = json_array();
  size_t n = svc->text_count(ctx);
  for (size_t i = 0; !rc && i < n; i++) {
    tu_dataset d;
    rc = tu_open(&d, svc, ctx, i);
    if (!rc)
      rc = check(&d, max_share, sets);
  }
  return txr_finish(svc, ctx, PLUGIN, "text_label_consistency",
                    json_pack("{s:o}", "datasets", sets),
                    "classification dataset (text with labels)", rc);
}

static const mg_plugin descriptor = {
    MG_PLUGIN_HEADER,
    PLUGIN,
    "0.1.0",
    "identical and near-identical texts with conflicting labels",
    MG_NEED_TEXT,
    atlas,
    mitigations,
    controls,
    NULL,
    lc_run,
    NULL,
};

MG_PLUGIN_EXPORT const mg_plugin_option *mg_plugin_option_table(void) {
  return option_table;
}

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &descriptor;
}
