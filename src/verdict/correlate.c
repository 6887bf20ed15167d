/* The correlation rule. A finding takes part when it comes from a plugin
 * (not the core) and is at least low: info findings are per-class
 * statistics, not accusations. For each pair of participants from
 * different witnesses:
 *   - both name a class, the same one: raised to raise-to when they share
 *     rows (|A n B| / min(|A|, |B|) >= min-overlap, same dataset), else to
 *     class-raise-to;
 *   - one or both name no class (a class-agnostic finding such as an
 *     all-to-all mapping, which lists rows of many classes): raised to
 *     raise-to only when they share rows at min-overlap. The rows are the
 *     evidence then: the same training rows singled out by two independent
 *     methods, whatever class each names. A finding that names no class
 *     may list a large share of the dataset, which would overlap anything
 *     by chance, so its shared rows must also beat chance: binomial, the
 *     smaller set's rows landing in the larger one at the rate that set
 *     covers of the dataset (at least the largest row index named + 1
 *     rows, so the rate is overestimated), one-sided p <= CHANCE_P.
 * Corroboration needs min-plugins independent witnesses: plugins of one
 * policy family (reading the same evidence) count once, and findings of the
 * same family never raise each other. Then sub-threshold candidates (rows
 * of a class listed in a plugin's evidence, below) corroborate a finding at
 * low or above through rows shared beyond chance. Severities only go up, and the
 * finding records why. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate.h"
#include "shared/hyptest.h"

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Rows two findings share; both index arrays sorted. */
static size_t shared_rows(const mg_result_finding *a, const mg_result_finding *b) {
  size_t i = 0, j = 0, shared = 0;
  while (i < a->n_indices && j < b->n_indices) {
    if (a->indices[i] == b->indices[j])
      shared++, i++, j++;
    else if (a->indices[i] < b->indices[j])
      i++;
    else
      j++;
  }
  return shared;
}

/* Shared rows over the smaller set. */
static double overlap(const mg_result_finding *a, const mg_result_finding *b) {
  if (!a->n_indices || !b->n_indices || !a->dataset || !b->dataset ||
      strcmp(a->dataset, b->dataset))
    return 0.0;
  size_t smaller = a->n_indices < b->n_indices ? a->n_indices : b->n_indices;
  return (double)shared_rows(a, b) / (double)smaller;
}

/* The level at which shared rows of a class-agnostic finding must beat
 * chance (the detectors' "medium", docs/detectors.md). */
#define CHANCE_P 1e-3

/* Rows of a dataset at least: one more than the largest index any finding
 * names in it. */
static uint64_t rows_at_least(const mg_results *r, const char *dataset) {
  uint64_t n = 0;
  for (size_t i = 0; i < r->n_findings; i++) {
    const mg_result_finding *f = &r->findings[i];
    if (f->n_indices && f->dataset && !strcmp(f->dataset, dataset) &&
        f->indices[f->n_indices - 1] + 1 > n)
      n = f->indices[f->n_indices - 1] + 1; /* indices are sorted */
  }
  return n;
}

/* The shared rows of a and b (shared = fraction of the smaller set) are
 * more than chance would give. */
static int beats_chance(const mg_results *r, const mg_result_finding *a, const mg_result_finding *b,
                        double shared) {
  const mg_result_finding *small = a->n_indices <= b->n_indices ? a : b;
  const mg_result_finding *large = small == a ? b : a;
  uint64_t n = rows_at_least(r, a->dataset);
  if (!n)
    return 0;
  size_t common = (size_t)llround(shared * (double)small->n_indices);
  return ht_binom_sf(common, small->n_indices, (double)large->n_indices / (double)n) <= CHANCE_P;
}

static int participates(const mg_result_finding *f) {
  return strcmp(f->plugin, "core") && f->severity >= MG_SEV_LOW &&
         (f->label >= 0 || f->n_indices > 0);
}

static void raise_to(mg_result_finding *f, mg_severity to, const mg_result_finding *other,
                     double shared) {
  if (f->severity >= to)
    return;
  f->severity = to;
  char why[400];
  if (shared > 0 && f->label >= 0 && other->label == f->label)
    snprintf(
        why, sizeof why,
        "raised from %s to %s: %s (%s) implicates the same class %d and %.0f%% of the same rows",
        mg_severity_name(f->reported), mg_severity_name(to), other->plugin, other->id, f->label,
        shared * 100.0);
  else if (shared > 0)
    snprintf(why, sizeof why,
             "raised from %s to %s: %s (%s) independently singles out %.0f%% of the same rows",
             mg_severity_name(f->reported), mg_severity_name(to), other->plugin, other->id,
             shared * 100.0);
  else
    snprintf(why, sizeof why, "raised from %s to %s: %s (%s) independently implicates class %d",
             mg_severity_name(f->reported), mg_severity_name(to), other->plugin, other->id,
             f->label);
  free(f->correlation);
  f->correlation = strdup(why);
}

/* b corroborates a: another witness about the same class, or, when either
 * names no class, about the same rows. *shared gets the row overlap. */
static int agrees(const mg_results *r, const mg_result_finding *a, const mg_result_finding *b,
                  const mg_policy *policy, double *shared) {
  if (a == b || !participates(b) ||
      !strcmp(mg_policy_witness(policy, a->plugin), mg_policy_witness(policy, b->plugin)))
    return 0;
  *shared = overlap(a, b);
  if (a->label >= 0 && b->label >= 0)
    return a->label == b->label;
  return *shared >= policy->min_overlap && *shared > 0 && beats_chance(r, a, b, *shared);
}

/* Sub-threshold candidates (docs/plugin-abi.md, "Candidates"): a plugin's
 * evidence may list, under "candidates", per class the training rows it
 * would accuse were its test stronger, with the class's training rows
 * (class_rows). A finding at low or above that lists rows of a class is
 * corroborated when an independent witness's candidates on that class
 * coincide with its rows far beyond chance: the shared rows against the
 * hypergeometric law given both counts and the class size, Bonferroni over
 * every (finding, candidate list) pair tested, at CANDIDATE_P (the
 * detectors' "high", docs/detectors.md); the finding is then raised to
 * class-raise-to.
 * Candidate lists never raise one another: witnesses that both read "this
 * row looks like another class" (label- and input-consistency) mark the
 * same naturally ambiguous rows of a clean class, so their coincidence is
 * not chance (badnets-bn32-p1's clean Sandals: 9 of label-consistency's 10
 * among input-consistency's 81). With one side a finding at low, a false
 * raise needs that finding's own false alarm (family-wise <= 0.01 per
 * scan) whatever the dependence: the guarantee of the class rule's two
 * findings at low when they are not independent. */
#define CANDIDATE_P 1e-6

/* The candidate list of a plugin's evidence for one class, or NULL. */
static json_t *candidates_of(const mg_result_plugin *p, int32_t label) {
  json_t *list = p->evidence ? json_object_get(p->evidence, "candidates") : NULL;
  size_t i;
  json_t *c;
  json_array_foreach(list, i, c) {
    if (json_integer_value(json_object_get(c, "label")) == label &&
        json_is_integer(json_object_get(c, "class_rows")) &&
        json_is_array(json_object_get(c, "rows")))
      return c;
  }
  return NULL;
}

/* The finding's rows (sorted) that the candidate list names. */
static size_t shared_with(const mg_result_finding *f, json_t *rows) {
  size_t i, shared = 0;
  json_t *v;
  json_array_foreach(rows, i, v) {
    uint64_t row = (uint64_t)json_integer_value(v);
    shared += bsearch(&row, f->indices, f->n_indices, sizeof row, cmp_u64) != NULL;
  }
  return shared;
}

/* f takes part: a plugin's finding at low or above about one class that
 * lists training rows. */
static int corroborable(const mg_result_finding *f) {
  return strcmp(f->plugin, "core") && f->reported >= MG_SEV_LOW && f->label >= 0 &&
         f->n_indices > 0 && f->dataset && !strcmp(f->dataset, MG_DATASET_TRAIN);
}

/* The candidate list of plugin p that may corroborate f: another witness,
 * the same class, a class size that holds both. */
static json_t *pair_of(const mg_result_finding *f, const mg_result_plugin *p,
                       const mg_policy *policy) {
  if (!corroborable(f) ||
      !strcmp(mg_policy_witness(policy, f->plugin), mg_policy_witness(policy, p->name)))
    return NULL;
  json_t *c = candidates_of(p, f->label);
  if (!c)
    return NULL;
  json_int_t n = json_integer_value(json_object_get(c, "class_rows"));
  size_t k = json_array_size(json_object_get(c, "rows"));
  return k && n > 0 && (uint64_t)n >= f->n_indices && (uint64_t)n >= k ? c : NULL;
}

static void correlate_candidates(mg_results *r, const mg_policy *policy) {
  size_t tests = 0;
  for (size_t i = 0; i < r->n_findings; i++)
    for (size_t k = 0; k < r->n_plugins; k++)
      tests += pair_of(&r->findings[i], &r->plugins[k], policy) != NULL;
  for (size_t i = 0; i < r->n_findings && tests; i++)
    for (size_t k = 0; k < r->n_plugins; k++) {
      mg_result_finding *f = &r->findings[i];
      json_t *c = pair_of(f, &r->plugins[k], policy);
      if (!c || f->severity >= policy->class_raise_to)
        continue;
      json_t *rows = json_object_get(c, "rows");
      size_t n = (size_t)json_integer_value(json_object_get(c, "class_rows"));
      size_t m = json_array_size(rows), x = shared_with(f, rows);
      /* P(at least x of the finding's rows among the m candidates) when the
       * m fall at random on the class's n rows: Fisher's one-sided test. */
      double p = ht_fisher_greater(x, m, f->n_indices - x, n - m) * (double)tests;
      if (p > CANDIDATE_P)
        continue;
      char why[600];
      snprintf(why, sizeof why,
               "raised from %s to %s: %zu of its %zu rows are among the %zu rows of class %d "
               "that %s lists as sub-threshold candidates (%.1f expected by chance among the "
               "class's %zu rows; hypergeometric p %.2g after Bonferroni over %zu candidate "
               "pairs)",
               mg_severity_name(f->reported), mg_severity_name(policy->class_raise_to), x,
               f->n_indices, m, f->label, r->plugins[k].name,
               (double)f->n_indices * (double)m / (double)n, n, p, tests);
      f->severity = policy->class_raise_to;
      free(f->correlation);
      f->correlation = strdup(why);
    }
}

int mg_correlate(mg_results *r, const mg_policy *policy) {
  for (size_t i = 0; i < r->n_findings; i++)
    if (r->findings[i].n_indices > 1)
      qsort(r->findings[i].indices, r->findings[i].n_indices, sizeof(uint64_t), cmp_u64);
  for (size_t i = 0; i < r->n_findings; i++) {
    mg_result_finding *a = &r->findings[i];
    if (!participates(a))
      continue;
    /* Independent witnesses implicating this class (or these rows). */
    mg_strlist plugins = {0};
    mg_strlist_add(&plugins, mg_policy_witness(policy, a->plugin));
    double shared;
    for (size_t j = 0; j < r->n_findings; j++) {
      const mg_result_finding *b = &r->findings[j];
      const char *w = mg_policy_witness(policy, b->plugin);
      if (agrees(r, a, b, policy, &shared) && !mg_strlist_has(&plugins, w))
        mg_strlist_add(&plugins, w);
    }
    size_t agreeing = plugins.count;
    mg_strlist_free(&plugins);
    if (agreeing < policy->min_plugins)
      continue;
    for (size_t j = 0; j < r->n_findings; j++) {
      mg_result_finding *b = &r->findings[j];
      if (!agrees(r, a, b, policy, &shared))
        continue;
      if (shared >= policy->min_overlap && shared > 0)
        raise_to(a, policy->raise_to, b, shared);
      else
        raise_to(a, policy->class_raise_to, b, 0.0);
    }
  }
  /* After the class rule, so the coincidence that raised a candidate is
   * not counted again as two findings sharing rows. */
  correlate_candidates(r, policy);
  return MG_OK;
}
