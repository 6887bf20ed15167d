/* The engine's findings and evidence: one finding per implicated class
 * with its rows, and each dataset's statistics for the report. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hyptest.h"
#include "mgd.h"
#include "su_run.h"

const char *const su_mitigations[] = {"AML.M0008", "AML.M0007", NULL};
const char *const su_controls[] = {"CTL-11", NULL};

json_t *su_score_json(const su_run *r, const su_score *s) {
  if (r->method->no_kept)
    return json_pack("{s:f}", r->method->loss_key, s->loss);
  return json_pack("{s:f, s:i, s:f}", "spc", su_spc(s, r->cfg.scales), "kept", (int)s->kept,
                   r->method->loss_key, s->loss);
}

json_t *su_hist_json(const uint64_t *h, uint32_t scales) {
  json_t *a = json_array();
  for (uint32_t i = 0; i <= scales; i++)
    json_array_append_new(a, json_integer((json_int_t)h[i]));
  return a;
}

/* "above" unless the method says otherwise (strip's entropies: "below"). */
static const char *beyond(const su_run *r) {
  return r->method->beyond ? r->method->beyond : "above";
}

/* The evidence key of the count of rows past a class's cut: "above_class_cut". */
static const char *beyond_key(const su_run *r, char *buf, size_t len) {
  snprintf(buf, len, "%s_class_cut", beyond(r));
  return buf;
}

int su_emit_group(su_run *r, su_set *s, int32_t c) {
  su_group *g = &s->gs[c];
  mg_severity sev = mgd_severity_of_p(g->p_adj);
  if (sev == MG_SEV_INFO)
    return MG_OK;
  uint8_t bit = g->k ? SU_ABOVE : SU_FLAGGED;
  uint64_t count = g->k ? g->above : g->flagged;
  uint64_t *rows = malloc((count ? count : 1) * sizeof *rows);
  if (!rows)
    return MG_ERR_NOMEM;
  size_t n = 0;
  for (uint64_t i = 0; i < s->info.count && n < count; i++)
    if ((s->state[i] & bit) && s->group[i] == c)
      rows[n++] = i;
  char cname[128], title[400], msg[3000], test[1200], how[400], cut[160], rule[96], key[32];
  mgd_class_name(r->svc, r->ctx, c, cname, sizeof cname);
  int train = !strcmp(s->name, MG_DATASET_TRAIN);
  const char *who = s->by_label ? "labelled" : "predicted as";
  if (r->method->no_kept)
    snprintf(cut, sizeof cut, "mean %s %.4g", r->method->loss_key, g->cut.loss);
  else
    snprintf(cut, sizeof cut, "SPC %.2f, mean %s %.3g", su_spc(&g->cut, r->cfg.scales),
             r->method->loss_key, g->cut.loss);
  if (g->k)
    snprintf(test, sizeof test,
             "%llu of the %llu (%.1f%%) score %s the class's own clean quantile, order "
             "statistic %u from the %s of its %llu reference rows (%s; %.1f%% of "
             "clean rows expected %s it): exact beta-binomial p = %.3g, against the other "
             "classes' rate p = %.3g",
             (unsigned long long)g->above, (unsigned long long)g->scanned,
             100.0 * (double)g->above / (double)g->scanned, beyond(r), g->k,
             strcmp(beyond(r), "below") ? "top" : "bottom", (unsigned long long)g->ref_rows, cut,
             100.0 * (double)g->k / (double)(g->ref_rows + 1), beyond(r), g->p_exch, g->p_rest);
  else
    snprintf(test, sizeof test,
             "against %llu of %llu clean reference rows of the %s %s the global threshold: "
             "Fisher exact test p = %.3g",
             (unsigned long long)(g->ref_rows ? g->ref_flagged : su_reference_flagged(r)),
             (unsigned long long)(g->ref_rows ? g->ref_rows : r->ref_n),
             g->ref_rows ? "class" : "whole set", beyond(r), g->p);
  char sampled[160] = "";
  if (g->scanned < g->rows) /* the screening sample only: say so */
    snprintf(sampled, sizeof sampled,
             ", among a seeded random sample of %llu of its %llu rows (option sample)",
             (unsigned long long)g->scanned, (unsigned long long)g->rows);
  const su_method *me = r->method;
  me->describe(r, how, sizeof how);
  snprintf(title, sizeof title, "%s: %s rows %s %s %s (trigger-like)", me->display,
           train ? "training" : "--inputs", who, cname, me->property);
  snprintf(msg, sizeof msg,
           "With %s, %llu of %llu scanned %s rows %s %s keep their prediction more consistently "
           "than the %.2g%% false-rejection threshold calibrated on the reference set allows; "
           "%s; %.3g after Holm's correction over %zu classes that could reach significance. %s "
           "The listed rows are the class's rows the test counted%s.",
           how, (unsigned long long)g->flagged, (unsigned long long)g->scanned,
           train ? "training" : "--inputs", who, cname, r->cfg.frr * 100, test, g->p_adj, s->family,
           me->why, sampled);
  json_t *ev = json_pack(
      "{s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:f, s:f, s:b, s:s, s:o}", "rows", (json_int_t)g->rows,
      "scanned", (json_int_t)g->scanned, "flagged", (json_int_t)g->flagged,
      beyond_key(r, key, sizeof key), (json_int_t)g->above, "reference_rows",
      (json_int_t)g->ref_rows, "reference_flagged", (json_int_t)g->ref_flagged, "test",
      g->k ? "class quantile exceedance" : "global threshold (Fisher)", "p_value", g->p, "p_holm",
      g->p_adj, "scanned_in_full", g->extended || g->scanned == g->rows, "grouped_by",
      s->by_label ? "label" : "prediction", "threshold", su_score_json(r, &r->cal.t));
  if (g->k)
    json_object_set_new(ev, "class_cut", su_score_json(r, &g->cut));
  json_t *fr = json_array();
  for (size_t i = 0; i < n && i < SU_EVIDENCE_ROWS; i++) {
    json_t *o = su_score_json(r, &s->score[rows[i]]);
    json_object_set_new(o, "row", json_integer((json_int_t)rows[i]));
    json_array_append_new(fr, o);
  }
  json_object_set_new(ev, "flagged_rows", fr);
  snprintf(rule, sizeof rule, "%s-%s", me->rule_stem ? me->rule_stem : "consistent",
           train ? "rows" : "inputs");
  mg_finding f = mgp_finding(sev, rule, title, msg);
  f.atlas = train ? me->atlas_all : me->atlas_inputs;
  f.label = c;
  f.dataset = s->name;
  f.indices = rows;
  f.n_indices = n;
  f.score = ht_score(g->p_adj);
  int rc = mgp_emit(r->svc, r->ctx, &f, ev, JSON_COMPACT);
  free(rows);
  return rc;
}

json_t *su_set_evidence(su_run *r, const su_set *s) {
  json_t *classes = json_array();
  for (size_t c = 0; c < r->k; c++) {
    const su_group *g = &s->gs[c];
    if (!g->rows)
      continue;
    char cname[128], key[32];
    mgd_class_name(r->svc, r->ctx, (int32_t)c, cname, sizeof cname);
    json_t *o =
        json_pack("{s:i, s:s, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:s}", "class", (int)c, "name",
                  cname, "rows", (json_int_t)g->rows, "scanned", (json_int_t)g->scanned, "flagged",
                  (json_int_t)g->flagged, "reference_rows", (json_int_t)g->ref_rows,
                  "reference_flagged", (json_int_t)g->ref_flagged, "p_value", g->p, "p_holm",
                  g->p_adj, "severity", mg_severity_name(mgd_severity_of_p(g->p_adj)));
    if (!r->method->no_kept)
      json_object_set_new(o, "kept_histogram", su_hist_json(g->spc_hist, r->cfg.scales));
    if (g->k) {
      json_object_set_new(o, "class_cut", su_score_json(r, &g->cut));
      json_object_set_new(o, "order_statistic", json_integer(g->k));
      json_object_set_new(o, beyond_key(r, key, sizeof key), json_integer((json_int_t)g->above));
    }
    json_array_append_new(classes, o);
  }
  return json_pack("{s:I, s:I, s:I, s:I, s:s, s:o}", "rows", (json_int_t)s->info.count, "scanned",
                   (json_int_t)s->scanned, "flagged", (json_int_t)s->flagged, "holm_family",
                   (json_int_t)s->family, "grouped_by", s->by_label ? "label" : "prediction",
                   "classes", classes);
}
