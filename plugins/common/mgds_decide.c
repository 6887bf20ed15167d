/* From per-class splits to verdicts: the cross-class comparison, the
 * severity ladder shared by both data-side plugins, and their evidence as
 * JSON. The ladder (docs/detectors/spectral-signatures.md):
 *   reference test, Bonferroni-adjusted p <= 1e-6 high, <= 1e-3 medium,
 *   <= 1e-2 low; cross-class test (only for a small enough group, vetoed
 *   when the reference set holds the group at the training rate), family-
 *   wise p <= 0.01 / 0.05 at the plugin's severities; both need an
 *   intrinsic separation beyond the Gaussian null and >= 5 flagged rows. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mgds.h"
#include "shared/hyptest.h"

const char *mgds_basis(mg_severity rs, mg_severity cs) {
  return rs >= MG_SEV_LOW && cs >= MG_SEV_LOW ? "reference+cross-class"
         : rs >= MG_SEV_LOW                   ? "reference"
                                              : "cross-class";
}

int mgds_cross_class(mgds_result *r, size_t n_labels, uint64_t seed, const char *stream) {
  double *v = calloc(n_labels ? n_labels : 1, sizeof(double));
  double *z = calloc(n_labels ? n_labels : 1, sizeof(double));
  double *p = calloc(n_labels ? n_labels : 1, sizeof(double));
  int rc = MG_ERR_NOMEM;
  if (!v || !z || !p)
    goto done;
  size_t analysed = 0;
  for (size_t c = 0; c < n_labels; c++) {
    v[c] = r[c].analysed ? r[c].stat : NAN;
    analysed += r[c].analysed != 0;
  }
  mgds_loo_z(v, n_labels, z);
  if ((rc = mgds_familywise_p(z, n_labels, seed, stream, p)))
    goto done;
  for (size_t c = 0; c < n_labels; c++) {
    mgds_result *x = &r[c];
    x->severity = MG_SEV_INFO;
    x->finding = 0;
    x->basis = NULL;
    x->p_ref_adj = NAN;
    if (!x->analysed)
      continue;
    x->z_cross = z[c];
    x->p_cross = p[c];
    if (isfinite(x->side.p_ref)) {
      double adj = x->side.p_ref * (double)analysed * (double)(x->n_sides > 0 ? x->n_sides : 1);
      x->p_ref_adj = adj > 1 ? 1 : adj;
    }
  }
done:
  free(v);
  free(z);
  free(p);
  return rc;
}

int mgds_decide(mgds_result *r, size_t n_labels, const mgds_policy *pol, uint64_t seed,
                const char *stream) {
  int rc = mgds_cross_class(r, n_labels, seed, stream);
  if (rc)
    return rc;
  for (size_t c = 0; c < n_labels; c++) {
    mgds_result *x = &r[c];
    if (!x->analysed)
      continue;
    const mgds_side *s = &x->side;
    if (s->n_flag < MGDS_MIN_FLAGGED || !x->sep_ok)
      continue;
    mg_severity rs = mgd_severity_of_p(x->p_ref_adj), cs = MG_SEV_INFO;
    if (x->size_ok && isfinite(x->p_cross)) {
      cs = x->p_cross <= MGDS_FW_STRONG ? pol->cross_strong
           : x->p_cross <= MGDS_FW_WEAK ? pol->cross_weak
                                        : MG_SEV_INFO;
      /* Clean data has this group too: the reference holds it at a rate the
       * training share does not significantly exceed. A point rule
       * (reference count >= expected) let a natural mode that an over-
       * trained model sharpens among its training rows through on a
       * reference count a little short of expected (Sandal of an MLP
       * trained 60 epochs: 12 of 91 reference rows against 14.5 expected,
       * cross-class p 0.006, medium), a count no poisoned group reaches:
       * its rows lie where no clean row does. */
      double share = (double)s->n_flag / (double)x->n;
      double expected = (double)x->n_ref * share;
      if (isfinite(s->p_ref) && expected >= MGDS_REF_PRESENT_EXPECTED &&
          1 - ht_binom_sf((uint64_t)s->ref_flag + 1, x->n_ref, share) > MGDS_REF_PRESENT_ALPHA)
        cs = MG_SEV_INFO;
    }
    x->severity = rs > cs ? rs : cs;
    x->finding = x->severity >= MG_SEV_LOW;
    if (x->finding)
      x->basis = mgds_basis(rs, cs);
  }
  return MG_OK;
}

/* JSON has no NaN or infinity: they become null. */
static json_t *num(double x) {
  return isfinite(x) ? json_real(x) : json_null();
}

json_t *mgds_class_json(const mgds_set *s, const mgds_result *r, int32_t label) {
  json_t *o = r->stats ? json_deep_copy(r->stats) : json_object();
  if (!o)
    return NULL;
  const mgds_class *c = &s->classes[label];
  json_object_set_new(o, "label", json_integer(label));
  json_object_set_new(o, "rows", json_integer((json_int_t)c->n));
  if (!r->analysed) {
    json_object_set_new(o, "analysed", json_false());
    json_object_set_new(o, "reason", json_string(r->skip ? r->skip : "not analysed"));
    return o;
  }
  const mgds_side *sd = &r->side;
  json_object_set_new(o, "analysed", json_true());
  json_object_set_new(o, "flagged", json_integer((json_int_t)sd->n_flag));
  json_object_set_new(o, "flagged_fraction", num((double)sd->n_flag / (double)c->n));
  json_object_set_new(o, "flagged_side", json_string(sd->majority ? "majority" : "minority"));
  json_object_set_new(o, "bulk_median", num(sd->median));
  json_object_set_new(o, "bulk_mad", num(sd->mad));
  json_object_set_new(o, "separation", num(r->stat));
  json_object_set_new(o, "separation_null_mean", num(r->null_mean));
  json_object_set_new(o, "separation_null_sd", num(r->null_sd));
  json_object_set_new(o, "separated", json_boolean(r->sep_ok));
  json_object_set_new(o, "size_ok", json_boolean(r->size_ok));
  json_object_set_new(o, "cross_class_z", num(r->z_cross));
  json_object_set_new(o, "cross_class_p", num(r->p_cross));
  if (s->have_ref) {
    json_t *ref = json_object();
    json_object_set_new(ref, "rows", json_integer((json_int_t)c->n_ref));
    json_object_set_new(ref, "flagged", json_integer((json_int_t)sd->ref_flag));
    json_object_set_new(ref, "expected", num((double)c->n_ref * (double)sd->n_flag / (double)c->n));
    json_object_set_new(ref, "p", num(sd->p_ref));
    json_object_set_new(ref, "p_adjusted", num(r->p_ref_adj));
    json_object_set_new(ref, "sides_tested", json_integer(r->n_sides));
    json_object_set_new(o, "reference", ref);
  }
  json_object_set_new(o, "severity",
                      json_string(r->finding ? mg_severity_name(r->severity) : "none"));
  if (r->basis)
    json_object_set_new(o, "basis", json_string(r->basis));
  return o;
}

uint64_t *mgds_flagged_rows(const mgds_set *s, const mgds_result *r, int32_t label, size_t *n) {
  const mgds_class *c = &s->classes[label];
  uint64_t *v = malloc((r->side.n_flag ? r->side.n_flag : 1) * sizeof *v);
  *n = 0;
  if (!v)
    return NULL;
  for (size_t i = 0; i < c->n; i++)
    if (r->side.flag[i])
      v[(*n)++] = c->rows[i]; /* rows[] is ascending, so v is too */
  return v;
}

json_t *mgds_thresholds_json(void) {
  json_t *o = json_object();
  json_object_set_new(o, "row_robust_z", json_real(MGDS_ROW_Z));
  json_object_set_new(o, "min_class_rows", json_integer(MGDS_MIN_CLASS_ROWS));
  json_object_set_new(o, "min_flagged_rows", json_integer(MGDS_MIN_FLAGGED));
  json_object_set_new(o, "separation_null_z", json_real(MGDS_NULL_Z));
  json_object_set_new(o, "reference_p_high", json_real(MGD_P_HIGH));
  json_object_set_new(o, "reference_p_medium", json_real(MGD_P_MEDIUM));
  json_object_set_new(o, "reference_p_low", json_real(MGD_P_LOW));
  json_object_set_new(o, "cross_class_p_strong", json_real(MGDS_FW_STRONG));
  json_object_set_new(o, "cross_class_p_weak", json_real(MGDS_FW_WEAK));
  json_object_set_new(o, "reference_present_expected", json_real(MGDS_REF_PRESENT_EXPECTED));
  return o;
}
