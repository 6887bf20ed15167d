/* The annotator-audit plugin (CTL-09): in preference data (prompt, chosen,
 * rejected, annotator), the share of rows each annotator labelled against a
 * configurable maximum (--set annotator-audit.max-share, default 0.2: no
 * single labeller above a fifth of the reward signal), and on items that
 * several annotators labelled (same prompt, same two responses) how often
 * each one's choice disagrees with the majority of the others:
 *   - more than the pooled rate of everyone else (binomial, Holm over
 *     annotators): an unreliable annotator, at most medium, since honest
 *     annotators differ in care;
 *   - more than half the time (binomial against 1/2, Holm): choices
 *     systematically inverted, worse than a coin, the mark of an
 *     adversarial annotator; graded on the full ladder.
 * Dominance is graded by the binomial test of the share against the
 * maximum (Holm over annotators). */
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

#define PLUGIN "annotator-audit"
#define NONE UINT32_MAX
#define MAX_ANNOTATORS 100000

static const char *const atlas[] = {"AML.T0020", "AML.T0059", NULL};
static const char *const mitigations[] = {"AML.M0007", NULL};
static const char *const controls[] = {"CTL-09", NULL};
static const char *const controls_strict[] = {"CTL-09", "CTL-14", NULL};

typedef struct prow {
  uint64_t item; /* prompt and the unordered pair of responses */
  uint64_t row;
  uint32_t ann;
  uint8_t side; /* which of the pair was chosen */
} prow;

typedef struct audit {
  tu_dataset *d;
  tu_tokens tok;
  tu_map names;
  char **name;
  size_t name_cap;
  prow *rows;
  size_t n, cap;
  uint64_t skipped;
} audit;

static uint64_t text_hash(audit *a, const char *s) {
  if (tu_tokenize(&a->tok, s))
    return 0;
  return a->tok.n ? tu_normal_hash(&a->tok) : tu_hash_bytes(s, strlen(s), 7);
}

static int collect(void *user, const mg_text_row *rows, size_t n) {
  audit *a = user;
  for (size_t i = 0; i < n; i++) {
    const mg_text_row *r = &rows[i];
    if (r->bad || !r->annotator || !r->prompt || !r->chosen || !r->rejected) {
      a->skipped++;
      continue;
    }
    int added = 0;
    uint32_t id =
        tu_map_put(&a->names, tu_hash_bytes(r->annotator, strlen(r->annotator), 0), &added);
    if (id == NONE || id >= MAX_ANNOTATORS)
      return id == NONE ? MG_ERR_NOMEM : MG_ERR_LIMIT;
    if (added) {
      if (tu_reserve((void **)&a->name, &a->name_cap, id + 1, sizeof *a->name) ||
          !(a->name[id] = strdup(r->annotator)))
        return MG_ERR_NOMEM;
    }
    uint64_t p = text_hash(a, r->prompt), c = text_hash(a, r->chosen),
             j = text_hash(a, r->rejected);
    if (!p || !c || !j)
      return MG_ERR_NOMEM;
    uint64_t lo = c < j ? c : j, hi = c < j ? j : c;
    if (tu_reserve((void **)&a->rows, &a->cap, a->n + 1, sizeof *a->rows))
      return MG_ERR_NOMEM;
    a->rows[a->n++] = (prow){tu_mix64(p ^ tu_mix64(lo ^ tu_mix64(hi))), r->index, id, c < j};
  }
  return MG_OK;
}

static int cmp_item(const void *x, const void *y) {
  const prow *a = x, *b = y;
  if (a->item != b->item)
    return a->item < b->item ? -1 : 1;
  return a->row < b->row ? -1 : a->row > b->row;
}

static int cmp_row(const void *x, const void *y) {
  const prow *a = x, *b = y;
  return a->row < b->row ? -1 : a->row > b->row;
}

/* Rows of annotator k, in row order (the caller frees). */
static uint64_t *rows_of(const audit *a, uint32_t k, size_t *n) {
  uint64_t *v = malloc((a->n ? a->n : 1) * sizeof *v);
  *n = 0;
  for (size_t i = 0; v && i < a->n; i++)
    if (a->rows[i].ann == k)
      v[(*n)++] = a->rows[i].row;
  return v;
}

static json_t *examples(const audit *a, const uint64_t *rows, size_t n) {
  json_t *ex = json_array();
  for (size_t i = 0; i < n && i < 3; i++)
    json_array_append_new(ex, txr_row_example(a->d, rows[i]));
  return ex;
}

static int emit_rows(audit *a, uint32_t k, mg_severity sev, const char *rule, const char *title,
                     const char *msg, double p, json_t *ev) {
  size_t n = 0;
  /* rows sorted by row for the listing */
  uint64_t *rows = rows_of(a, k, &n);
  if (!rows) {
    json_decref(ev);
    return MG_ERR_NOMEM;
  }
  json_object_set_new(ev, "annotator", json_string(a->name[k]));
  json_object_set_new(ev, "examples", examples(a, rows, n));
  int rc = txr_emit(a->d, sev, rule, title, msg, NULL, a->d->strict ? controls_strict : controls,
                    -1, rows, n, ht_score(p), ev);
  free(rows);
  return rc;
}

static int audit_dataset(tu_dataset *d, double max_share, json_t *sets) {
  json_t *ds = txr_dataset_json(d);
  json_array_append_new(sets, ds);
  if (!(d->info.fields & MG_TEXT_FIELD_ANNOTATOR) || !(d->info.fields & MG_TEXT_FIELD_PROMPT)) {
    json_object_set_new(ds, "skipped", json_string("no preference rows with annotator ids"));
    return MG_OK;
  }
  audit a;
  memset(&a, 0, sizeof a);
  a.d = d;
  int rc = tu_map_init(&a.names, 64) ? MG_ERR_NOMEM : MG_OK;
  if (!rc)
    rc = tu_for_rows(d, "annotator-audit: rows", collect, &a);
  size_t K = a.names.n;
  uint64_t *count = calloc(K + 1, sizeof *count), *shared = calloc(K + 1, sizeof *shared),
           *disagree = calloc(K + 1, sizeof *disagree);
  double *p_share = calloc(K + 1, sizeof *p_share), *p_pool = calloc(K + 1, sizeof *p_pool),
         *p_inv = calloc(K + 1, sizeof *p_inv);
  if (!count || !shared || !disagree || !p_share || !p_pool || !p_inv)
    rc = rc ? rc : MG_ERR_NOMEM;
  uint64_t items_shared = 0, total_shared = 0, total_dis = 0;
  if (!rc) {
    for (size_t i = 0; i < a.n; i++)
      count[a.rows[i].ann]++;
    /* Items labelled by two or more annotators: each row against the
     * majority of the other annotators' rows on the item. */
    qsort(a.rows, a.n, sizeof *a.rows, cmp_item);
    for (size_t i = 0; i < a.n;) {
      size_t j = i;
      uint64_t side1 = 0;
      while (j < a.n && a.rows[j].item == a.rows[i].item)
        side1 += a.rows[j++].side;
      size_t m = j - i;
      int several = 0;
      for (size_t k = i + 1; k < j; k++)
        several |= a.rows[k].ann != a.rows[i].ann;
      if (several) {
        items_shared++;
        for (size_t k = i; k < j; k++) {
          uint64_t mine1 = 0, mine = 0;
          for (size_t q = i; q < j; q++)
            if (a.rows[q].ann == a.rows[k].ann) {
              mine++;
              mine1 += a.rows[q].side;
            }
          uint64_t others = m - mine, o1 = side1 - mine1, o0 = others - o1;
          if (!others || o1 == o0)
            continue; /* nobody else, or the others are split */
          int majority = o1 > o0;
          shared[a.rows[k].ann]++;
          total_shared++;
          if (a.rows[k].side != majority) {
            disagree[a.rows[k].ann]++;
            total_dis++;
          }
        }
      }
      i = j;
    }
    qsort(a.rows, a.n, sizeof *a.rows, cmp_row);
    for (size_t k = 0; k < K; k++) {
      p_share[k] =
          (double)count[k] / (double)a.n > max_share ? ht_binom_sf(count[k], a.n, max_share) : 1.0;
      uint64_t on = total_shared - shared[k], od = total_dis - disagree[k];
      double pool = on ? ((double)od + 0.5) / ((double)on + 1.0) : 0.5;
      p_pool[k] = shared[k] ? ht_binom_sf(disagree[k], shared[k], pool) : 1.0;
      p_inv[k] =
          shared[k] && 2 * disagree[k] > shared[k] ? ht_binom_sf(disagree[k], shared[k], 0.5) : 1.0;
    }
    if (ht_holm(p_share, K, p_share) || ht_holm(p_pool, K, p_pool) || ht_holm(p_inv, K, p_inv))
      rc = MG_ERR_NOMEM;
  }
  json_t *table = json_array();
  double pooled = total_shared ? (double)total_dis / (double)total_shared : 0.0;
  for (size_t k = 0; !rc && k < K; k++) {
    double share = (double)count[k] / (double)a.n;
    double rate = shared[k] ? (double)disagree[k] / (double)shared[k] : 0.0;
    json_array_append_new(
        table, json_pack("{s:s, s:I, s:f, s:I, s:I, s:f, s:f, s:f, s:f}", "annotator", a.name[k],
                         "rows", (json_int_t)count[k], "share", share, "shared_items",
                         (json_int_t)shared[k], "disagreements", (json_int_t)disagree[k],
                         "disagreement_rate", rate, "p_share_holm", p_share[k], "p_vs_pool_holm",
                         p_pool[k], "p_inverted_holm", p_inv[k]));
    char title[600], msg[2000];
    mg_severity sev = tu_severity(p_share[k], d->strict);
    if (sev > MG_SEV_INFO) {
      snprintf(title, sizeof title, "Annotator %.100s labelled %.1f%% of the preference rows of %s",
               a.name[k], 100 * share, d->info.name);
      snprintf(msg, sizeof msg,
               "%llu of %llu rows (%.1f%%) carry annotator %.100s, above the allowed share of "
               "%.1f%% (--set annotator-audit.max-share): binomial p = %.3g after Holm's "
               "correction over %zu annotators. One labeller's preferences dominate the reward "
               "signal, so their biases, mistakes or intent become the model's (CTL-09).",
               (unsigned long long)count[k], (unsigned long long)a.n, 100 * share, a.name[k],
               100 * max_share, p_share[k], K);
      rc = emit_rows(&a, (uint32_t)k, sev, "dominant-annotator", title, msg, p_share[k],
                     json_pack("{s:I, s:I, s:f, s:f, s:f}", "rows", (json_int_t)count[k],
                               "total_rows", (json_int_t)a.n, "share", share, "max_share",
                               max_share, "p_holm", p_share[k]));
    }
    sev = tu_severity(p_inv[k], d->strict);
    if (!rc && sev > MG_SEV_INFO) {
      snprintf(title, sizeof title,
               "Annotator %.100s chose against the other annotators on %.0f%% of shared items",
               a.name[k], 100 * rate);
      snprintf(msg, sizeof msg,
               "On %llu items that other annotators also labelled, %.100s's choice disagreed with "
               "their majority %llu times (%.1f%%; everyone else: %.1f%%). Worse than a coin "
               "flip: binomial p = %.3g against 1/2 after Holm's correction over %zu annotators. "
               "Choices inverted this consistently are the mark of an adversarial annotator "
               "flipping preferences (reward poisoning); the rows listed are all of theirs.",
               (unsigned long long)shared[k], a.name[k], (unsigned long long)disagree[k],
               100 * rate, 100 * pooled, p_inv[k], K);
      rc = emit_rows(&a, (uint32_t)k, sev, "inverted-annotator", title, msg, p_inv[k],
                     json_pack("{s:I, s:I, s:f, s:f, s:f}", "shared_items", (json_int_t)shared[k],
                               "disagreements", (json_int_t)disagree[k], "rate", rate,
                               "pooled_rate", pooled, "p_holm", p_inv[k]));
      continue;
    }
    sev = tu_severity(p_pool[k], d->strict);
    if (sev > MG_SEV_MEDIUM)
      sev = MG_SEV_MEDIUM;
    if (!rc && sev > MG_SEV_INFO) {
      snprintf(title, sizeof title,
               "Annotator %.100s disagrees with the others far more often than they do", a.name[k]);
      snprintf(msg, sizeof msg,
               "On %llu shared items %.100s disagreed with the other annotators' majority %llu "
               "times (%.1f%%), against %.1f%% for everyone else: binomial p = %.3g after Holm "
               "over %zu annotators. Honest annotators differ in care, so this is reported at "
               "most as medium: review their rows.",
               (unsigned long long)shared[k], a.name[k], (unsigned long long)disagree[k],
               100 * rate, 100 * pooled, p_pool[k], K);
      rc = emit_rows(&a, (uint32_t)k, sev, "unreliable-annotator", title, msg, p_pool[k],
                     json_pack("{s:I, s:I, s:f, s:f, s:f}", "shared_items", (json_int_t)shared[k],
                               "disagreements", (json_int_t)disagree[k], "rate", rate,
                               "pooled_rate", pooled, "p_holm", p_pool[k]));
    }
  }
  if (!rc && a.n && !items_shared) {
    char msg[800];
    snprintf(msg, sizeof msg,
             "No item (prompt with the same two responses) of %s was labelled by two annotators, "
             "so no choice can be checked against another: CTL-09 asks for several independent "
             "annotators per item.",
             d->info.name);
    rc = txr_emit(d, MG_SEV_MEDIUM, "single-annotator-items",
                  "Every preference item was labelled by a single annotator", msg, NULL,
                  d->strict ? controls_strict : controls, -1, NULL, 0, NAN, NULL);
  }
  json_object_set_new(ds, "rows_audited", json_integer((json_int_t)a.n));
  json_object_set_new(ds, "rows_without_annotator", json_integer((json_int_t)a.skipped));
  json_object_set_new(ds, "annotators", json_integer((json_int_t)K));
  json_object_set_new(ds, "items_with_several_annotators", json_integer((json_int_t)items_shared));
  json_object_set_new(ds, "pooled_disagreement_rate", json_real(pooled));
  json_object_set_new(ds, "max_share", json_real(max_share));
  json_object_set_new(ds, "per_annotator", table);
  for (size_t k = 0; k < K; k++)
    free(a.name[k]);
  free(a.name);
  free(a.rows);
  tu_map_free(&a.names);
  tu_tokens_free(&a.tok);
  free(count);
  free(shared);
  free(disagree);
  free(p_share);
  free(p_pool);
  free(p_inv);
  return rc;
}

static const mg_plugin_option option_table[] = {
    TU_OPTIONS,
    {"max-share", MG_OPTION_NUMBER, 0.2, 0.01, 1.0,
     "policy maximum share of rows one annotator labels"},
    {NULL, 0, 0, 0, 0, NULL},
};

static int aa_run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  if (tu_require_text(svc, ctx, PLUGIN))
    return MG_ERR_UNSUPPORTED;
  double max_share;
  int rc = mgp_opt(svc, ctx, PLUGIN, option_table, "max-share", &max_share);
  json_t *sets = json_array();
  size_t n = svc->text_count(ctx);
  for (size_t i = 0; !rc && i < n; i++) {
    tu_dataset d;
    rc = tu_open(&d, svc, ctx, i);
    if (!rc)
      rc = audit_dataset(&d, max_share, sets);
  }
  return txr_finish(svc, ctx, PLUGIN, "annotator_audit", json_pack("{s:o}", "datasets", sets),
                    "preference dataset with annotator ids", rc);
}

static const mg_plugin descriptor = {
    MG_PLUGIN_HEADER,
    PLUGIN,
    "0.1.0",
    "preference annotators who dominate the labels or choose against the others",
    MG_NEED_TEXT,
    atlas,
    mitigations,
    controls,
    NULL,
    aa_run,
    NULL,
};

MG_PLUGIN_EXPORT const mg_plugin_option *mg_plugin_option_table(void) {
  return option_table;
}

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &descriptor;
}
