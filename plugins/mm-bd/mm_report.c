/* Evidence, findings and pictures for mm-bd. Every class's maximum margin,
 * z and p-value are in the evidence; a flagged class gets a finding and
 * the image that reached its margin (for a backdoor, often the trigger
 * itself on a noisy background). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mgd.h"
#include "mm_report.h"

/* The host keeps at most 64 images per plugin. */
#define MM_IMAGES_MAX 32

static json_t *real(double v) {
  return isfinite(v) ? json_real(v) : json_null();
}

static json_t *class_json(const mg_services *svc, mg_plugin_ctx *ctx, const mm_result *res,
                          const mm_decision *d, size_t c) {
  char cname[256];
  mgd_class_name(svc, ctx, (int32_t)c, cname, sizeof cname);
  return json_pack("{s:i, s:s, s:o, s:o, s:o, s:o, s:o, s:b}", "label", (int)c, "name", cname,
                   "margin", real(res->margin[c]), "log_margin", real(d->log_margin[c]), "z",
                   real(d->z[c]), "p_value", real(d->p[c]), "ratio_to_median", real(d->ratio[c]),
                   "flagged", d->flagged[c]);
}

static json_t *evidence(const mg_services *svc, mg_plugin_ctx *ctx, const mm_problem *pb,
                        const mm_params *prm, const mm_result *res, const mm_decision *d) {
  json_t *per = json_array(), *flagged = json_array();
  int ok = per && flagged;
  for (size_t c = 0; ok && c < d->k; c++) {
    ok = !json_array_append_new(per, class_json(svc, ctx, res, d, c));
    if (ok && d->flagged[c])
      ok = !json_array_append_new(flagged, json_integer((json_int_t)c));
  }
  json_t *test = json_pack(
      "{s:s, s:s, s:f}", "statistic",
      "leave-one-out robust z of the log maximum margin (median, MAD of the other classes)", "null",
      "iid normal log-margins, largest of K simulated (family-wise)", "alpha", MM_ALPHA);
  json_t *setup =
      json_pack("{s:i, s:i, s:i, s:f, s:i, s:f, s:f}", "starts", (int)prm->starts, "max_steps",
                (int)prm->steps, "steps", (int)res->steps, "lr", prm->lr, "patience",
                (int)prm->patience, "box_lo", (double)pb->lo, "box_hi", (double)pb->hi);
  json_t *mm = ok && test && setup ? json_pack("{s:I, s:o, s:i, s:o, s:o, s:o}", "num_classes",
                                               (json_int_t)d->k, "classes", per, "top", (int)d->top,
                                               "flagged", flagged, "test", test, "setup", setup)
                                   : NULL;
  if (!mm) {
    json_decref(per);
    json_decref(flagged);
    json_decref(test);
    json_decref(setup);
    return NULL;
  }
  return json_pack("{s:o}", "mm_bd", mm);
}

static int emit_flagged(const mg_services *svc, mg_plugin_ctx *ctx, const mm_result *res,
                        const mm_decision *d, size_t c) {
  mg_severity sev = mgd_severity_of_p(d->p[c]);
  if (sev == MG_SEV_INFO)
    sev = MG_SEV_LOW; /* flagged at the family-wise level: the weakest finding */
  char cname[256], title[400], msg[1600];
  mgd_class_name(svc, ctx, (int32_t)c, cname, sizeof cname);
  snprintf(title, sizeof title, "%s has an anomalously large maximum margin", cname);
  snprintf(msg, sizeof msg,
           "Maximising the model's margin for %s (its logit minus the strongest other logit) "
           "over the whole input box reaches %.2f, %.2f times the median of the other classes' "
           "maxima; in log scale a robust z of %.1f against them. A clean model puts some "
           "class this far out with p = %.2g (the largest of %zu classes, normal null). A "
           "backdoor trigger gives its target a region of inputs the model is far more sure of "
           "than of any natural input: MM-BD, data-free. Confidence: %s.",
           cname, res->margin[c], d->ratio[c], d->z[c], d->p[c], d->k, mg_severity_name(sev));
  json_t *ev = json_pack("{s:o, s:o, s:o, s:o}", "margin", real(res->margin[c]), "ratio_to_median",
                         real(d->ratio[c]), "z", real(d->z[c]), "p_value", real(d->p[c]));
  if (!ev)
    return MG_ERR_NOMEM;
  mg_finding f = mgp_finding(sev, "large-margin", title, msg);
  f.label = (int32_t)c;
  f.score = d->z[c];
  return mgp_emit(svc, ctx, &f, ev, JSON_COMPACT | JSON_SORT_KEYS);
}

/* The image that reached class c's margin, scaled from the box to [0, 1]
 * (one plane per channel for 1 or 3 channels, their mean otherwise). */
static int attach_best(const mg_services *svc, mg_plugin_ctx *ctx, const mm_problem *pb,
                       const mm_result *res, const mm_decision *d, size_t c) {
  size_t hw = (size_t)pb->height * pb->width, chw = hw * pb->channels;
  uint32_t oc = pb->channels == 3 ? 3 : 1;
  float *px = malloc(oc * hw * sizeof *px);
  if (!px)
    return MG_ERR_NOMEM;
  const float *x = res->best + c * chw;
  float span = pb->hi - pb->lo;
  for (uint32_t o = 0; o < oc; o++)
    for (size_t i = 0; i < hw; i++) {
      double s = 0;
      uint32_t from = oc == pb->channels ? o : 0, to = oc == pb->channels ? o + 1 : pb->channels;
      for (uint32_t ch = from; ch < to; ch++)
        s += (x[ch * hw + i] - pb->lo) / span;
      s /= (double)(to - from);
      px[o * hw + i] = (float)(s < 0 ? 0 : s > 1 ? 1 : s);
    }
  char name[64], caption[320], cname[256];
  mgd_class_name(svc, ctx, (int32_t)c, cname, sizeof cname);
  snprintf(name, sizeof name, "class-%zu-max-margin", c);
  snprintf(caption, sizeof caption, "input that maximises the margin of %s: margin %.2f (z %.1f)",
           cname, res->margin[c], d->z[c]);
  int rc = svc->attach_image(ctx, name, caption, oc, pb->height, pb->width, px);
  free(px);
  return rc;
}

int mm_report(const mg_services *svc, mg_plugin_ctx *ctx, const mm_problem *pb,
              const mm_params *prm, const mm_result *res, const mm_decision *d) {
  json_t *ev = evidence(svc, ctx, pb, prm, res, d);
  char *evs = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
  json_decref(ev);
  if (!evs)
    return MG_ERR_NOMEM;
  int rc = svc->evidence(ctx, evs);
  free(evs);
  size_t shown = 0;
  for (size_t c = 0; !rc && c < d->k; c++) {
    if (!d->flagged[c])
      continue;
    rc = emit_flagged(svc, ctx, res, d, c);
    if (!rc && shown++ < MM_IMAGES_MAX)
      rc = attach_best(svc, ctx, pb, res, d, c);
  }
  for (size_t c = 0; !rc && c < d->k; c++)
    svc->log(ctx, MG_LOG_INFO, "class %zu: margin %.3f, z %.2f, p %.3g", c, res->margin[c], d->z[c],
             d->p[c]);
  return rc;
}
