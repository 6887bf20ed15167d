/* STRIP's findings and evidence: one finding per implicated class with its
 * rows, and each dataset's statistics for the report. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hyptest.h"
#include "mgd.h"
#include "strip_run.h"

const char *const strip_atlas_all[] = {"AML.T0018.000", "AML.T0043.004", "AML.T0020", NULL};
const char *const strip_atlas_inputs[] = {"AML.T0043.004", "AML.T0018.000", NULL};
const char *const strip_mitigations[] = {"AML.M0008", "AML.M0007", NULL};
const char *const strip_controls[] = {"CTL-11", NULL};

int strip_emit_group(strip_run *r, scan_set *s, int32_t c) {
  group_stat *g = &s->gs[c];
  mg_severity sev = mgd_severity_of_p(g->p_adj);
  if (sev == MG_SEV_INFO)
    return MG_OK;
  uint8_t bit = g->k ? ROW_BELOW : ROW_FLAGGED;
  uint64_t count = g->k ? g->below : g->flagged;
  uint64_t *rows = malloc((count ? count : 1) * sizeof *rows);
  if (!rows)
    return MG_ERR_NOMEM;
  size_t n = 0;
  for (uint64_t i = 0; i < s->info.count && n < count; i++)
    if ((s->state[i] & bit) && s->group[i] == c)
      rows[n++] = i;
  char cname[128], title[400], msg[3000], test[1200];
  mgd_class_name(r->svc, r->ctx, c, cname, sizeof cname);
  int train = !strcmp(s->name, MG_DATASET_TRAIN);
  const char *who = s->by_label ? "labelled" : "predicted as";
  if (g->k)
    snprintf(test, sizeof test,
             "%llu of the %llu (%.1f%%) fall below the class's own clean quantile, order "
             "statistic %u of its %llu reference rows' entropies (%.4g; %.1f%% of clean rows "
             "expected below it): exact beta-binomial p = %.3g, against the other classes' rate "
             "p = %.3g",
             (unsigned long long)g->below, (unsigned long long)g->scanned,
             100.0 * (double)g->below / (double)g->scanned, g->k, (unsigned long long)g->ref_rows,
             g->cut, 100.0 * (double)g->k / (double)(g->ref_rows + 1), g->p_exch, g->p_rest);
  else
    snprintf(test, sizeof test,
             "against %llu of %llu clean reference rows of the %s below the global threshold: "
             "Fisher exact test p = %.3g",
             (unsigned long long)(g->ref_rows ? g->ref_flagged : strip_reference_below(r)),
             (unsigned long long)(g->ref_rows ? g->ref_rows : r->pool_n),
             g->ref_rows ? "class" : "whole set", g->p);
  snprintf(title, sizeof title, "STRIP: %s rows %s %s resist superimposition (trigger-like)",
           train ? "training" : "--inputs", who, cname);
  snprintf(msg, sizeof msg,
           "Blended 50/50 with clean reference images (%u overlays each), %llu of %llu scanned %s "
           "rows %s %s keep so confident a prediction that their mean softmax entropy is below "
           "the %.2g%% false-rejection threshold calibrated on the reference set (%.4g); %s; "
           "%.3g after Holm's correction over %zu classes that could reach significance. An "
           "input whose prediction no blended image can change carries a dominant feature: a "
           "backdoor trigger is the usual cause (Gao et al. 2019). The listed rows are the "
           "class's rows the test counted. STRIP's blend halves a trigger's contrast, so small "
           "patches can be missed.",
           r->cfg.n, (unsigned long long)g->flagged, (unsigned long long)g->scanned,
           train ? "training" : "--inputs", who, cname, r->cfg.frr * 100, r->cal.t, test, g->p_adj,
           s->family);
  json_t *ev = json_pack(
      "{s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:s, s:f, s:f, s:b, s:s}", "rows", (json_int_t)g->rows,
      "scanned", (json_int_t)g->scanned, "flagged", (json_int_t)g->flagged, "below_class_cut",
      (json_int_t)g->below, "reference_rows", (json_int_t)g->ref_rows, "reference_flagged",
      (json_int_t)g->ref_flagged, "threshold", r->cal.t, "test",
      g->k ? "class quantile exceedance" : "global threshold (Fisher)", "p_value", g->p, "p_holm",
      g->p_adj, "scanned_in_full", g->extended || g->scanned == g->rows, "grouped_by",
      s->by_label ? "label" : "prediction");
  if (g->k)
    json_object_set_new(ev, "class_cut", json_real(g->cut));
  json_t *ent = json_array();
  for (size_t i = 0; i < n && i < EVIDENCE_ROWS; i++)
    json_array_append_new(ent, json_pack("{s:I, s:f}", "row", (json_int_t)rows[i], "entropy",
                                         (double)s->mean[rows[i]]));
  json_object_set_new(ev, "flagged_rows", ent);
  mg_finding f = mgp_finding(sev, train ? "low-entropy-rows" : "low-entropy-inputs", title, msg);
  f.atlas = train ? strip_atlas_all : strip_atlas_inputs;
  f.label = c;
  f.dataset = s->name;
  f.indices = rows;
  f.n_indices = n;
  f.score = ht_score(g->p_adj);
  int rc = mgp_emit(r->svc, r->ctx, &f, ev, JSON_COMPACT);
  free(rows);
  return rc;
}

json_t *strip_hist_json(const uint64_t *h) {
  json_t *a = json_array();
  for (int i = 0; i < HIST_BINS; i++)
    json_array_append_new(a, json_integer((json_int_t)h[i]));
  return a;
}

json_t *strip_set_evidence(strip_run *r, const scan_set *s) {
  json_t *classes = json_array();
  for (size_t c = 0; c < r->k; c++) {
    const group_stat *g = &s->gs[c];
    if (!g->rows)
      continue;
    char cname[128];
    mgd_class_name(r->svc, r->ctx, (int32_t)c, cname, sizeof cname);
    json_t *o =
        json_pack("{s:i, s:s, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:s}", "class", (int)c, "name",
                  cname, "rows", (json_int_t)g->rows, "scanned", (json_int_t)g->scanned, "flagged",
                  (json_int_t)g->flagged, "reference_rows", (json_int_t)g->ref_rows,
                  "reference_flagged", (json_int_t)g->ref_flagged, "p_value", g->p, "p_holm",
                  g->p_adj, "severity", mg_severity_name(mgd_severity_of_p(g->p_adj)));
    if (g->k) {
      json_object_set_new(o, "class_cut", json_real(g->cut));
      json_object_set_new(o, "order_statistic", json_integer(g->k));
      json_object_set_new(o, "below_class_cut", json_integer((json_int_t)g->below));
    }
    json_array_append_new(classes, o);
  }
  return json_pack("{s:I, s:I, s:I, s:I, s:s, s:o, s:o}", "rows", (json_int_t)s->info.count,
                   "scanned", (json_int_t)s->scanned, "flagged", (json_int_t)s->flagged,
                   "holm_family", (json_int_t)s->family, "grouped_by",
                   s->by_label ? "label" : "prediction", "classes", classes, "histogram",
                   strip_hist_json(s->hist));
}
