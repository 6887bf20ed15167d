/* Decision and report of the warp family (nc_warp_decide.h). The step-down
 * of nc_decide.c is reused as it is: it only reads each result's "norm",
 * here the class's remaining cross-entropy, which like a mask norm is
 * positive, spreads multiplicatively and is small for a backdoor's
 * target. No naturalness discount: a warp moves a class's own pixels. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mgd.h"
#include "nc_decide.h"
#include "nc_warp_decide.h"

static json_t *real(double v) {
  return isfinite(v) ? json_real(v) : json_null();
}

/* Flagged ranks at the warp level: a prefix of nc_decide's flags, whose
 * p-values do not decrease with the rank. */
static size_t named_ranks(const nc_decision *d) {
  size_t n = 0;
  while (n < d->n_flagged && d->p_flag[n] <= NC_WARP_ALPHA)
    n++;
  return n;
}

static json_t *evidence(const nc_warp_params *wp, const nc_warp_result *w, size_t k,
                        const nc_decision *d, size_t named) {
  json_t *classes = json_array(), *ranking = json_array(), *flagged = json_array(),
         *pv = json_array();
  for (size_t i = 0; i < k; i++)
    json_array_append_new(classes,
                          json_pack("{s:i, s:o, s:o, s:o, s:o, s:o, s:i}", "label",
                                    (int)w[i].target, "cross_entropy", real(w[i].ce),
                                    "log_cross_entropy", real(d->log_norm[i]), "z", real(d->z[i]),
                                    "displacement_px", real(w[i].norm), "attack_success",
                                    real(w[i].success), "steps", (int)w[i].steps));
  for (size_t j = 0; j < k; j++)
    json_array_append_new(ranking, json_integer((json_int_t)w[d->order[j]].target));
  for (size_t j = 0; j < named; j++)
    json_array_append_new(flagged, json_pack("{s:i, s:o}", "label", (int)w[d->order[j]].target,
                                             "p_value", real(d->p_flag[j])));
  for (size_t j = 0; j < d->max_tests; j++)
    json_array_append_new(pv, real(d->p[j]));
  return json_pack(
      "{s:{s:s, s:s, s:s, s:f, s:i, s:o, s:o, s:o, s:o, s:{s:i, s:i, s:i, s:i, s:f, s:f}}}", "warp",
      "statistic",
      "cross-entropy to the class left by the best smooth warp of at most max_displacement_px "
      "pixels (mean over the search's last steps); step-down z of its log, smallest first",
      "null", "Student-t (4 df) log-values, simulated for this number of classes, min-p adjusted",
      "correction", "family-wise over the ranks tested (single-step min-p)", "alpha", NC_WARP_ALPHA,
      "draws", (int)d->null_draws, "classes", classes, "ranking", ranking, "flagged", flagged,
      "p_values", pv, "setup", "grid", (int)wp->grid, "steps", (int)wp->steps, "tail",
      (int)wp->tail, "batch", (int)wp->batch, "lr", wp->lr, "max_displacement_px", wp->max_disp);
}

static int emit(const mg_services *svc, mg_plugin_ctx *ctx, const nc_warp_params *wp,
                const nc_warp_result *w, size_t k, const nc_decision *d, size_t j) {
  size_t i = d->order[j];
  double p = d->p_flag[j];
  char cname[256], title[400], msg[1400];
  mgd_class_name(svc, ctx, w[i].target, cname, sizeof cname);
  double *others = malloc((k - 1) * sizeof *others);
  if (!others)
    return MG_ERR_NOMEM;
  for (size_t l = 0, n = 0; l < k; l++)
    if (l != i)
      others[n++] = w[l].ce;
  double med = mgd_median(others, k - 1);
  free(others);
  mg_severity sev = mgd_severity_of_p(p);
  if (sev == MG_SEV_INFO)
    sev = MG_SEV_LOW;
  snprintf(title, sizeof title, "%s is reached by an anomalously small warp", cname);
  snprintf(msg, sizeof msg,
           "Neural Cleanse searched, for every class, the smooth warp (a %ux%u grid of "
           "displacements of at most %.1f pixels, as WaNet's warping triggers) that best sends "
           "clean reference images of the other classes to it. The best warp toward %s sends "
           "%.1f%% of them there and leaves a cross-entropy of %.3g, against a median of %.3g "
           "for the other classes: in log scale %.1f standard deviations below the classes "
           "ranked after it; a clean model ranks a class this far out with p = %.2g (Student-t "
           "null, %zu simulated draws, adjusted over the ranks tested). A model trained to "
           "answer a warp with one class has learned that shortcut; a natural class is not "
           "reached by moving pixels less than a pixel. Confidence: %s.",
           wp->grid, wp->grid, wp->max_disp, cname, 100.0 * w[i].success, w[i].ce, med, d->z[i], p,
           d->null_draws, mg_severity_name(sev));
  json_t *ev =
      json_pack("{s:o, s:o, s:i, s:o, s:o, s:o, s:o}", "cross_entropy", real(w[i].ce),
                "median_of_others", real(med), "rank", (int)(j + 1), "z", real(d->z[i]), "p_value",
                real(p), "attack_success", real(w[i].success), "displacement_px", real(w[i].norm));
  if (!ev)
    return MG_ERR_NOMEM;
  mg_finding f = mgp_finding(sev, "small-warp", title, msg);
  f.label = w[i].target;
  f.score = d->z[i];
  return mgp_emit(svc, ctx, &f, ev, JSON_COMPACT | JSON_SORT_KEYS);
}

int nc_warp_decide_report(const mg_services *svc, mg_plugin_ctx *ctx, const nc_warp_params *wp,
                          const nc_warp_result *w, size_t k, uint64_t seed) {
  nc_result *as_norms = calloc(k, sizeof *as_norms);
  if (!as_norms)
    return MG_ERR_NOMEM;
  for (size_t i = 0; i < k; i++) {
    as_norms[i].target = w[i].target;
    as_norms[i].norm = w[i].ce;
  }
  nc_decision d;
  /* another stream than the mask ranking's null */
  int rc = nc_decide(as_norms, k, NULL, seed ^ UINT64_C(0x7761727021), 0, &d);
  free(as_norms);
  if (rc)
    return rc;
  size_t named = named_ranks(&d);
  json_t *ev = evidence(wp, w, k, &d, named);
  char *evs = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
  json_decref(ev);
  rc = evs ? svc->evidence(ctx, evs) : MG_ERR_NOMEM;
  free(evs);
  for (size_t j = 0; !rc && j < named; j++)
    rc = emit(svc, ctx, wp, w, k, &d, j);
  for (size_t i = 0; !rc && i < k; i++)
    svc->log(ctx, MG_LOG_INFO, "warp class %d: cross-entropy %.3g, z %.2f, success %.3f, %.2f px",
             (int)w[i].target, w[i].ce, d.z[i], w[i].success, w[i].norm);
  nc_decision_free(&d);
  return rc;
}
