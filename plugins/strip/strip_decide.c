/* STRIP's class tests: a class's rows below its own clean reference
 * quantile against clean rows (exact beta-binomial test, or Fisher at the
 * global threshold), then Holm's correction within Tarone's screen. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hyptest.h"
#include "mgd.h"
#include "strip_run.h"

uint64_t strip_reference_below(const strip_run *r) {
  uint64_t below = 0;
  for (size_t i = 0; i < r->pool_n; i++)
    below += r->ref_h[i] < r->cal.t;
  return below;
}

/* The class test. With a class cut: the count of scanned rows below it is
 * beta-binomial BB(n, k, m - k + 1) when the class's training rows are
 * exchangeable with its clean reference rows (exact, whatever the entropy
 * distribution); the class must also exceed the other classes' rate below
 * their own cuts (rest_below of rest_scanned), which guards against a shift
 * common to all classes; the p-value is the larger of the two. Without a
 * cut: Fisher's exact test at the global threshold against the class's
 * reference rows, or the whole reference set when the class has none. */
void strip_group_test(strip_run *r, group_stat *g, uint64_t rest_below, uint64_t rest_scanned) {
  g->p = g->p_exch = g->p_rest = 1.0;
  g->p_min = 1.0;
  if (!g->scanned)
    return;
  if (g->k) {
    double a = g->k, b = (double)(g->ref_rows - g->k + 1);
    g->p_exch = ht_betabinom_sf(g->below, g->scanned, a, b);
    g->p_rest =
        rest_scanned ? ht_fisher_greater(g->below, g->scanned, rest_below, rest_scanned) : 1.0;
    g->p = fmax(g->p_exch, g->p_rest);
    g->p_min = fmax(ht_betabinom_sf(g->scanned, g->scanned, a, b),
                    rest_scanned ? ht_fisher_min(g->scanned, rest_scanned, g->scanned) : 1.0);
  } else if (g->ref_rows) {
    g->p = ht_fisher_greater(g->flagged, g->scanned, g->ref_flagged, g->ref_rows);
    g->p_min = ht_fisher_min(g->scanned, g->ref_rows, g->flagged + g->ref_flagged);
  } else {
    uint64_t below = strip_reference_below(r);
    g->p = ht_fisher_greater(g->flagged, g->scanned, below, r->pool_n);
    g->p_min = ht_fisher_min(g->scanned, r->pool_n, g->flagged + below);
  }
}

/* Every group's test, the other classes' pooled rate included, then Holm
 * within Tarone's screen. */
int strip_decide(strip_run *r, scan_set *s) {
  uint64_t all_below = 0, all_scanned = 0;
  for (size_t c = 0; c < r->k; c++)
    if (s->gs[c].k) {
      all_below += s->gs[c].below;
      all_scanned += s->gs[c].scanned;
    }
  double *p = calloc(r->k, sizeof *p), *pmin = calloc(r->k, sizeof *pmin);
  size_t *which = malloc(r->k * sizeof *which);
  size_t tested = 0;
  int rc = p && pmin && which ? MG_OK : MG_ERR_NOMEM;
  for (size_t c = 0; !rc && c < r->k; c++) {
    group_stat *g = &s->gs[c];
    if (g->k)
      strip_group_test(r, g, all_below - g->below, all_scanned - g->scanned);
    else
      strip_group_test(r, g, 0, 0);
    g->p_adj = 1.0;
    if (!g->scanned)
      continue;
    which[tested] = c;
    pmin[tested] = g->p_min;
    p[tested++] = g->p;
  }
  long family = rc ? -1 : ht_holm_tarone(p, pmin, tested, MGD_P_LOW, p);
  if (!rc && family < 0)
    rc = MG_ERR_NOMEM;
  for (size_t i = 0; !rc && i < tested; i++)
    s->gs[which[i]].p_adj = p[i];
  s->family = family < 0 ? 0 : (size_t)family;
  free(p);
  free(pmin);
  free(which);
  return rc;
}
