/* The engine's class tests: a class's rows above its own clean reference
 * quantile against clean rows (exact beta-binomial test, guarded by the
 * other classes' rate), or Fisher at the global threshold; then Holm's
 * correction within Tarone's screen. The same design as STRIP's
 * (docs/detectors/strip.md), on another score. */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "hyptest.h"
#include "mgd.h"
#include "su_run.h"

uint64_t su_reference_flagged(const su_run *r) {
  uint64_t a = 0;
  for (size_t i = 0; i < r->ref_n; i++)
    a += su_score_cmp(&r->ref_s[i], &r->cal.t) > 0;
  return a;
}

/* With a class cut: the count of scanned rows above it is beta-binomial
 * BB(n, k, m - k + 1) when the class's rows are exchangeable with its m
 * clean reference rows (exact: scores are continuous by the tie-break);
 * the class must also exceed the other classes' rate above their own cuts
 * (rest_above of rest_scanned), which guards against a shift common to all
 * classes, such as training rows the model memorised; the p-value is the
 * larger of the two (intersection-union test). Without a cut: Fisher's
 * exact test at the global threshold against the class's reference rows,
 * or the whole reference set when the class has none. */
void su_group_test(su_run *r, su_group *g, uint64_t rest_above, uint64_t rest_scanned) {
  g->p = g->p_exch = g->p_rest = g->p_min = 1.0;
  if (!g->scanned)
    return;
  if (g->k) {
    double a = g->k, b = (double)(g->ref_rows - g->k + 1);
    g->p_exch = ht_betabinom_sf(g->above, g->scanned, a, b);
    g->p_rest =
        rest_scanned ? ht_fisher_greater(g->above, g->scanned, rest_above, rest_scanned) : 1.0;
    g->p = fmax(g->p_exch, g->p_rest);
    g->p_min = fmax(ht_betabinom_sf(g->scanned, g->scanned, a, b),
                    rest_scanned ? ht_fisher_min(g->scanned, rest_scanned, g->scanned) : 1.0);
  } else if (g->ref_rows) {
    g->p = ht_fisher_greater(g->flagged, g->scanned, g->ref_flagged, g->ref_rows);
    g->p_min = ht_fisher_min(g->scanned, g->ref_rows, g->flagged + g->ref_flagged);
  } else {
    uint64_t flagged = su_reference_flagged(r);
    g->p = ht_fisher_greater(g->flagged, g->scanned, flagged, r->ref_n);
    g->p_min = ht_fisher_min(g->scanned, r->ref_n, g->flagged + flagged);
  }
}

int su_decide(su_run *r, su_set *s) {
  uint64_t all_above = 0, all_scanned = 0;
  for (size_t c = 0; c < r->k; c++)
    if (s->gs[c].k) {
      all_above += s->gs[c].above;
      all_scanned += s->gs[c].scanned;
    }
  double *p = calloc(r->k, sizeof *p), *pmin = calloc(r->k, sizeof *pmin);
  size_t *which = malloc(r->k * sizeof *which);
  size_t tested = 0;
  int rc = p && pmin && which ? MG_OK : MG_ERR_NOMEM;
  for (size_t c = 0; !rc && c < r->k; c++) {
    su_group *g = &s->gs[c];
    if (g->k)
      su_group_test(r, g, all_above - g->above, all_scanned - g->scanned);
    else
      su_group_test(r, g, 0, 0);
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
