/* The spectral-signatures plugin (Tran, Li, Madry 2018): per training
 * label, the centred penultimate-layer features, their top singular vector
 * by power iteration, and each row's projection on it (Tran's outlier score
 * is its square). A class is split where its projections fall apart, the
 * rows beyond the bulk are flagged, and the verdict is calibrated against
 * a Gaussian of the same size, the clean reference set and the other
 * classes (mgds_decide.c). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <jansson.h>

#include <modelgate/plugin.h>

#include "mgds.h"
#include "mgds_report.h"

#define PLUGIN "spectral-signatures"

static const char *const atlas[] = {"AML.T0020", "AML.T0018.000", "AML.T0059", NULL};
static const char *const mitigations[] = {"AML.M0007", "AML.M0008", NULL};
static const char *const controls[] = {"CTL-06", "CTL-02", NULL};

typedef struct ss_run {
  const mg_services *svc;
  mg_plugin_ctx *ctx;
  mgds_set set;
  uint64_t seed;
  int centred;   /* option centred (1): subtract the class mean first */
  int null_reps; /* Gaussian samples for the split's null */
} ss_run;

static double dmax(double a, double b) {
  return a > b ? a : b;
}

/* Projections of the class's training rows (x, centred in place) and of
 * its reference rows (xr, centred with the training mean) on the top
 * singular vector; fills the spectral statistics into st. */
static int project(ss_run *r, int32_t label, float *x, size_t n, float *xr, size_t nr, double *q,
                   double *qr, json_t *st) {
  size_t d = (size_t)r->set.dim;
  float *mean = malloc(d * sizeof *mean), *c = malloc(d * d * sizeof *c);
  float *v = malloc(d * sizeof *v), *v2 = malloc(d * sizeof *v2);
  float *buf = malloc((n > nr ? n : nr ? nr : 1) * sizeof *buf);
  int rc = MG_ERR_NOMEM;
  if (!mean || !c || !v || !v2 || !buf)
    goto done;
  mgds_mean(x, n, d, r->centred, mean);
  if (r->centred)
    for (size_t i = 0; i < nr; i++)
      for (size_t j = 0; j < d; j++)
        xr[i * d + j] -= mean[j];
  mgds_gram(x, n, d, c);
  double trace = 0;
  for (size_t j = 0; j < d; j++)
    trace += c[j * d + j];
  char stream[64];
  snprintf(stream, sizeof stream, PLUGIN "/power/%d", (int)label);
  mgd_rng rng;
  mgd_rng_seed(&rng, r->seed, stream);
  double l1 = 0, l2 = 0;
  int it1 = mgds_power(c, d, &rng, v, &l1);
  /* The second eigenvalue after deflation, for the spectral gap. */
  cblas_ssyr(CblasRowMajor, CblasUpper, (int)d, (float)-l1, v, 1, c, (int)d);
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < i; j++)
      c[i * d + j] = c[j * d + i];
  int it2 = mgds_power(c, d, &rng, v2, &l2);
  cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)d, 1.0f, x, (int)d, v, 1, 0.0f, buf, 1);
  for (size_t i = 0; i < n; i++)
    q[i] = buf[i];
  if (nr) {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)nr, (int)d, 1.0f, xr, (int)d, v, 1, 0.0f, buf, 1);
    for (size_t i = 0; i < nr; i++)
      qr[i] = buf[i];
  }
  json_object_set_new(st, "lambda1", json_real(l1));
  json_object_set_new(st, "lambda2", json_real(dmax(l2, 0)));
  json_object_set_new(st, "spectral_gap", l2 > 0 ? json_real(l1 / l2) : json_null());
  json_object_set_new(st, "lambda1_share", trace > 0 ? json_real(l1 / trace) : json_null());
  json_object_set_new(st, "power_iterations", json_integer(it1 < 0 ? -it1 : it1));
  json_object_set_new(st, "power_converged", json_boolean(it1 > 0 && it2 > 0));
  rc = MG_OK;
done:
  free(mean);
  free(c);
  free(v);
  free(v2);
  free(buf);
  return rc;
}

/* Tran's scores (squared projections) of the flagged rows against the
 * rest: the paper ranks rows by this score. */
static void score_stats(const double *q, size_t n, const mgds_side *sd, json_t *st) {
  double *s = malloc((n ? n : 1) * sizeof *s);
  if (!s)
    return;
  double fl = 0, bu = 0;
  size_t nb = 0;
  for (size_t i = 0; i < n; i++) {
    s[i] = q[i] * q[i];
    if (sd->flag[i])
      fl += s[i];
    else
      bu += s[i], nb++;
  }
  json_object_set_new(st, "score_median", json_real(mgd_median(s, n)));
  json_object_set_new(st, "score_q99", json_real(mgd_quantile(s, n, 0.99)));
  json_object_set_new(st, "score_mean_flagged",
                      sd->n_flag ? json_real(fl / (double)sd->n_flag) : json_null());
  json_object_set_new(st, "score_mean_bulk", nb ? json_real(bu / (double)nb) : json_null());
  free(s);
}

static int analyse(void *run, int32_t label, mgds_result *res) {
  ss_run *r = run;
  const mgds_class *cl = &r->set.classes[label];
  size_t n = cl->n, nr = r->set.have_ref ? cl->n_ref : 0, d = (size_t)r->set.dim;
  memset(res, 0, sizeof *res);
  res->n = n;
  res->n_ref = nr;
  if (n < MGDS_MIN_CLASS_ROWS) {
    res->skip = "fewer training rows than the minimum for a split";
    return MG_OK;
  }
  float *x = malloc(n * d * sizeof *x), *xr = malloc((nr ? nr : 1) * d * sizeof *xr);
  double *q = malloc(n * sizeof *q), *qr = malloc((nr ? nr : 1) * sizeof *qr);
  unsigned char *bulk = malloc(n);
  mgds_side other;
  memset(&other, 0, sizeof other);
  int rc = MG_ERR_NOMEM;
  if (!x || !xr || !q || !qr || !bulk || !(res->stats = json_object()))
    goto done;
  mgds_gather(r->set.train, r->set.dim, cl->rows, n, x);
  if (nr)
    mgds_gather(r->set.ref, r->set.dim, cl->refrow, nr, xr);
  if ((rc = project(r, label, x, n, xr, nr, q, qr, res->stats)))
    goto done;
  mgds_split sp;
  if ((rc = mgds_split_1d(q, n, &sp)))
    goto done;
  char stream[64];
  snprintf(stream, sizeof stream, PLUGIN "/null/%d", (int)label);
  mgd_rng rng;
  mgd_rng_seed(&rng, r->seed, stream);
  if ((rc = mgds_split_null(n, r->null_reps, &rng, &res->null_mean, &res->null_sd)))
    goto done;
  res->stat = sp.d;
  res->sep_ok = isfinite(sp.d) && sp.d >= res->null_mean + MGDS_NULL_Z * res->null_sd;
  /* The presumed clean bulk is the larger group of the split; the smaller
   * is suspect (Tran et al. assume poison is a minority of its label). */
  int sign = sp.n_high <= sp.n_low ? 1 : -1;
  for (size_t i = 0; i < n; i++)
    bulk[i] = sign > 0 ? q[i] <= sp.threshold : q[i] > sp.threshold;
  if ((rc = mgds_side_eval(q, n, qr, nr, bulk, sign, MGDS_ROW_Z, &res->side)))
    goto done;
  res->n_sides = 1;
  /* With clean reference rows, the majority may be the foreign group
   * (poison above half of the label): test that side too. */
  if (nr) {
    for (size_t i = 0; i < n; i++)
      bulk[i] = !bulk[i];
    if ((rc = mgds_side_eval(q, n, qr, nr, bulk, -sign, MGDS_ROW_Z, &other)))
      goto done;
    other.majority = 1;
    res->n_sides = 2;
    if (other.n_flag >= MGDS_MIN_FLAGGED && other.p_ref < res->side.p_ref) {
      mgds_side t = res->side;
      res->side = other;
      other = t;
    }
  }
  res->size_ok = !res->side.majority && 2 * res->side.n_flag < n;
  res->analysed = 1;
  json_object_set_new(res->stats, "separation_kind",
                      json_string("1-D two-means D of the projections on the top singular "
                                  "vector"));
  json_object_set_new(res->stats, "split_threshold", json_real(sp.threshold));
  json_object_set_new(res->stats, "split_sizes",
                      json_pack("[I,I]", (json_int_t)sp.n_low, (json_int_t)sp.n_high));
  score_stats(q, n, &res->side, res->stats);
  rc = MG_OK;
done:
  mgds_side_free(&other);
  free(x);
  free(xr);
  free(q);
  free(qr);
  free(bulk);
  return rc;
}

static int emit(void *run, const mgds_result *res, int32_t label) {
  ss_run *r = run;
  char name[192], refs[512], title[320], msg[2048];
  mgd_class_name(r->svc, r->ctx, label, name, sizeof name);
  mgds_ref_sentence(&r->set, res, label, refs, sizeof refs);
  const mgds_side *s = &res->side;
  snprintf(title, sizeof title, "%s: %zu training rows carry a spectral signature", name,
           s->n_flag);
  snprintf(msg, sizeof msg,
           "Along the top singular vector of %s's %s features (layer %s), %zu of its %zu "
           "training rows (%.1f%%) lie more than %.1f robust SDs beyond the rest of the class "
           "(1-D two-means separation %.2f, against %.2f +/- %.2f for a Gaussian class of this "
           "size; cross-class robust z %.1f, family-wise p %.2g). %s A group of rows that the "
           "model represents apart from the rest of their label is the signature of a backdoor "
           "trigger or of mislabelled data (Tran, Li, Madry 2018): inspect these rows and "
           "retrain without them.",
           name, r->centred ? "centred" : "uncentred", r->set.layer, s->n_flag, res->n,
           100.0 * (double)s->n_flag / (double)res->n, MGDS_ROW_Z, res->stat, res->null_mean,
           res->null_sd, res->z_cross, res->p_cross, refs);
  return mgds_emit_class(r->svc, r->ctx, &r->set, res, label, "spectral-outliers", title, msg);
}

static const mg_plugin_option option_table[] = {
    MGDS_OPTIONS,
    {"centred", MG_OPTION_BOOL, 1, 0, 1, "1: subtract the label's mean before the SVD"},
    {"null-reps", MG_OPTION_INTEGER, 20, 2, 1000, "Gaussian draws for the null of D"},
    {NULL, 0, 0, 0, 0, NULL},
};

static int ss_run_fn(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  ss_run r = {.svc = svc, .ctx = ctx, .seed = svc->seed(ctx)};
  double centred = 1, reps = 20;
  int rc = mgp_opt(svc, ctx, PLUGIN, option_table, "centred", &centred);
  if (!rc)
    rc = mgp_opt(svc, ctx, PLUGIN, option_table, "null-reps", &reps);
  if (rc)
    return rc;
  r.centred = centred != 0;
  r.null_reps = (int)reps;
  if ((rc = mgds_load(&r.set, svc, ctx, PLUGIN)))
    return rc;
  /* Without clean data to compare with, a multi-modal class and a poisoned
   * one look alike along the top singular vector (docs): the cross-class
   * test is reported, not acted on. */
  static const mgds_plugin_ops ops = {
      PLUGIN, "spectral signatures", {MG_SEV_INFO, MG_SEV_INFO}, analyse, emit};
  json_t *m = json_pack("{s:s,s:b,s:i}", "method",
                        "spectral signatures (Tran, Li, Madry 2018): top singular vector by "
                        "power iteration, robust split of the projections",
                        "centred", r.centred, "null_reps", r.null_reps);
  rc = mgds_run_classes(svc, ctx, &r.set, r.seed, &ops, &r, m);
  mgds_free(&r.set);
  return rc;
}

static const mg_plugin plugin = {
    MG_PLUGIN_HEADER,
    PLUGIN,
    "1.0",
    "Spectral signatures of poisoned training rows in the penultimate layer (Tran et al. 2018)",
    MG_NEED_MODEL | MG_NEED_TRAIN,
    atlas,
    mitigations,
    controls,
    NULL,
    ss_run_fn,
    NULL,
};

MG_PLUGIN_EXPORT const mg_plugin_option *mg_plugin_option_table(void) {
  return option_table;
}

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &plugin;
}
