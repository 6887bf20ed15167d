/* The spectre plugin (Hayase, Kong, Somani, Oh 2021, "SPECTRE: defending
 * against backdoor attacks using robust statistics"): per training label,
 * the penultimate features projected on the class's top-k principal
 * directions, a robust mean and covariance by iterative trimming, whitening
 * with them, and quantum-entropy (QUE) outlier scores. Rows beyond the
 * clean reference rows' tail are flagged; the class is judged by an exact
 * exceedance test against the reference set and by the whitened
 * covariance's spectral norm against the other classes (docs/detectors/
 * spectre.md). Built for low poison rates, where the poisoned rows are too
 * few to move a class's plain covariance (spectral-signatures). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <jansson.h>

#include <modelgate/plugin.h>

#include "hyptest.h"
#include "mgds.h"
#include "mgds_report.h"
#include "spectre_pool.h"
#include "spectre_que.h"

#define PLUGIN "spectre"

static const char *const atlas[] = {"AML.T0020", "AML.T0018.000", "AML.T0059", NULL};
static const char *const mitigations[] = {"AML.M0007", "AML.M0008", NULL};
static const char *const controls[] = {"CTL-06", "CTL-02", NULL};

/* The reference rows' tail that fixes the row cut: at most this fraction of
 * clean rows of the class lie beyond it. */
#define SPECTRE_REF_FRR 0.01

typedef struct sp_run {
  const mg_services *svc;
  mg_plugin_ctx *ctx;
  mgds_set set;
  sq_params prm;
  double *lam;  /* per class: spectral norm of the whitened covariance */
  double *cut;  /* per class: the row cut in robust SDs */
  size_t *rank; /* per class: the reference order statistic used */
} sp_run;

/* The class's rows beyond the cut, and the exact exceedance p against its
 * reference rows: under exchangeability the count beyond the rank-th
 * largest of m reference scores is BetaBinomial(n, rank, m - rank + 1). */
static int judge_rows(sp_run *r, int32_t label, const double *q, size_t n, const double *qr,
                      size_t nr, mgds_result *res) {
  mgds_side *s = &res->side;
  memset(s, 0, sizeof *s);
  s->sign = 1;
  s->p_ref = NAN;
  if (!(s->flag = calloc(n ? n : 1, 1)))
    return MG_ERR_NOMEM;
  double med = 0, mad = 1;
  sq_bulk(q, n, MGDS_ROW_Z, &med, &mad);
  double cut = MGDS_ROW_Z;
  size_t rank = 0;
  double *zr = malloc((nr ? nr : 1) * sizeof *zr);
  if (!zr)
    return MG_ERR_NOMEM;
  for (size_t i = 0; i < nr; i++)
    zr[i] = (qr[i] - med) / mad;
  if (nr) {
    rank = (size_t)floor(SPECTRE_REF_FRR * (double)(nr + 1));
    if (rank < 1)
      rank = 1;
    double c = sq_kth_largest(zr, nr, rank);
    if (c > cut)
      cut = c;
  }
  for (size_t i = 0; i < n; i++) {
    s->flag[i] = (q[i] - med) / mad > cut;
    s->n_flag += s->flag[i];
  }
  for (size_t i = 0; i < nr; i++)
    s->ref_flag += zr[i] > cut;
  free(zr);
  s->median = med;
  s->mad = mad;
  if (nr && s->n_flag)
    s->p_ref = ht_betabinom_sf(s->n_flag, n, (double)rank, (double)(nr - rank + 1));
  else if (nr)
    s->p_ref = 1;
  r->cut[label] = cut;
  r->rank[label] = rank;
  return MG_OK;
}

static int analyse(sp_run *r, int32_t label, mgds_result *res) {
  const mgds_class *cl = &r->set.classes[label];
  size_t n = cl->n, nr = r->set.have_ref ? cl->n_ref : 0, d = (size_t)r->set.dim;
  memset(res, 0, sizeof *res);
  res->n = n;
  res->n_ref = nr;
  r->lam[label] = NAN;
  size_t k = sq_rank_for(&r->prm, n, d);
  if (n < MGDS_MIN_CLASS_ROWS || k == 0) {
    res->skip = "too few training rows for a robust covariance of the projected features";
    return MG_OK;
  }
  float *x = malloc(n * d * sizeof *x), *xr = malloc((nr ? nr : 1) * d * sizeof *xr);
  double *q = malloc(n * sizeof *q), *qr = malloc((nr ? nr : 1) * sizeof *qr);
  int rc = MG_ERR_NOMEM;
  if (!x || !xr || !q || !qr || !(res->stats = json_object()))
    goto done;
  mgds_gather(r->set.train, r->set.dim, cl->rows, n, x);
  if (nr)
    mgds_gather(r->set.ref, r->set.dim, cl->refrow, nr, xr);
  sq_class out;
  rc = sq_scores(&r->prm, x, n, xr, nr, d, k, q, qr, &out);
  if (rc == MG_ERR_NUMERIC) {
    res->skip = "the class's projected features are degenerate (a zero-variance direction)";
    rc = MG_OK;
    goto done;
  }
  if (rc)
    goto done;
  if ((rc = judge_rows(r, label, q, n, qr, nr, res)))
    goto done;
  r->lam[label] = out.lambda;
  res->stat = log(out.lambda);
  res->null_mean = res->null_sd = NAN;
  res->sep_ok = 1;
  res->size_ok = 2 * res->side.n_flag < n;
  res->n_sides = 1;
  res->analysed = 1;
  json_object_set_new(res->stats, "projection_rank", json_integer((json_int_t)k));
  json_object_set_new(res->stats, "trimmed_rows", json_integer((json_int_t)out.trimmed));
  json_object_set_new(res->stats, "trim_iterations", json_integer(out.iterations));
  json_object_set_new(res->stats, "whitened_spectral_norm", json_real(out.lambda));
  json_object_set_new(res->stats, "row_cut_robust_sd", json_real(r->cut[label]));
  json_object_set_new(res->stats, "reference_rank", json_integer((json_int_t)r->rank[label]));
  json_object_set_new(res->stats, "separation_kind",
                      json_string("log spectral norm of the robustly whitened covariance"));
  rc = MG_OK;
done:
  free(x);
  free(xr);
  free(q);
  free(qr);
  return rc;
}

/* The ladder (docs/detectors/spectre.md): the reference exceedance test
 * Bonferroni-adjusted over the analysed classes, graded by
 * mgd_severity_of_p; or a class whose whitened spectral norm stands out
 * among the classes (family-wise p <= 0.01, 0.05) and whose flagged rows
 * the clean reference set confirms as foreign (unadjusted exceedance
 * p <= the same level): high, medium. Without a reference set the
 * cross-class test alone says low at most. */
static int decide(sp_run *r, mgds_result *res) {
  size_t k = r->set.n_labels;
  int rc = mgds_cross_class(res, k, r->prm.seed, PLUGIN "/cross-class");
  size_t analysed = 0;
  for (size_t c = 0; c < k; c++)
    analysed += res[c].analysed != 0;
  for (size_t c = 0; c < k && !rc; c++) {
    mgds_result *x = &res[c];
    const mgds_side *s = &x->side;
    /* The pooled test is one more hypothesis of the reference family. */
    if (isfinite(x->p_ref_adj))
      x->p_ref_adj = fmin(1, x->p_ref_adj * (double)(analysed + 1) / (double)analysed);
    if (!x->analysed || s->n_flag < MGDS_MIN_FLAGGED || !x->size_ok)
      continue;
    mg_severity rs = mgd_severity_of_p(x->p_ref_adj), cs = MG_SEV_INFO;
    if (isfinite(x->p_cross) && x->z_cross > 0) {
      if (!r->set.have_ref)
        cs = x->p_cross <= MGDS_FW_STRONG ? MG_SEV_LOW : MG_SEV_INFO;
      else if (x->p_cross <= MGDS_FW_STRONG && s->p_ref <= MGDS_FW_STRONG)
        cs = MG_SEV_HIGH;
      else if (x->p_cross <= MGDS_FW_WEAK && s->p_ref <= MGDS_FW_WEAK)
        cs = MG_SEV_MEDIUM;
    }
    x->severity = rs > cs ? rs : cs;
    x->finding = x->severity >= MG_SEV_LOW;
    if (x->finding)
      x->basis = mgds_basis(rs, cs);
  }
  return rc;
}

static int emit(sp_run *r, const mgds_result *res, int32_t label) {
  char name[192], title[320], msg[2400], refs[600];
  mgd_class_name(r->svc, r->ctx, label, name, sizeof name);
  const mgds_side *s = &res->side;
  if (r->set.have_ref)
    snprintf(refs, sizeof refs,
             "Of the class's %zu clean reference rows, %zu lie beyond the same cut (the cut is "
             "the %zu-th largest reference score); %zu or more training rows beyond it has "
             "exact beta-binomial probability %.2g for rows like the clean ones (%.2g after "
             "Bonferroni over the classes).",
             res->n_ref, s->ref_flag, r->rank[label], s->n_flag, s->p_ref, res->p_ref_adj);
  else
    snprintf(refs, sizeof refs,
             "No reference set was used (%s), so the rows could not be checked against clean "
             "data and the finding is uncalibrated.",
             r->set.ref_note ? r->set.ref_note : "none");
  snprintf(title, sizeof title, "%s: %zu training rows stand out in the robustly whitened features",
           name, s->n_flag);
  snprintf(msg, sizeof msg,
           "After whitening %s's %s features (projected on its top principal directions) with a "
           "mean and covariance trimmed of its most outlying %.0f%% of rows, %zu of its %zu "
           "training rows have quantum-entropy outlier scores (alpha %.1f) more than %.1f robust "
           "SDs above the class. The whitened covariance's spectral norm is %.3g (cross-class "
           "robust z %.1f, family-wise p %.2g). %s A small group that robust statistics set "
           "apart from the rest of its label is the signature of poisoned rows at low rates "
           "(SPECTRE, Hayase et al. 2021): inspect these rows and retrain without them.",
           name, r->set.layer, 100 * r->prm.trim, s->n_flag, res->n, r->prm.alpha, r->cut[label],
           exp(res->stat), res->z_cross, res->p_cross, refs);
  return mgds_emit_class(r->svc, r->ctx, &r->set, res, label, "spectre-que-outliers", title, msg);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* The all-to-all finding: reported when the pooled test is stronger than
 * every contributing class's own verdict, i.e. when the spread over the
 * classes is the evidence. */
static int emit_pooled(sp_run *r, const mgds_result *res, const sp_pool *pool, double p_adj,
                       json_t *method) {
  size_t k = r->set.n_labels, n = 0;
  mg_severity sev = mgd_severity_of_p(p_adj), own = MG_SEV_INFO;
  for (size_t c = 0; c < k; c++) {
    if (sp_contributes(&res[c])) {
      n += res[c].side.n_flag;
      if (res[c].finding && res[c].severity > own)
        own = res[c].severity;
    }
  }
  json_t *o = json_pack(
      "{s:f,s:f,s:I,s:I,s:I,s:I,s:I,s:I}", "p", pool->p, "p_adjusted", p_adj, "flagged",
      (json_int_t)pool->flagged, "rows", (json_int_t)pool->rows, "reference_flagged",
      (json_int_t)pool->ref_flagged, "reference_rows", (json_int_t)pool->ref_rows, "classes_tested",
      (json_int_t)pool->classes_tested, "contributing", (json_int_t)pool->contributing);
  json_object_set_new(method, "pooled", o);
  if (pool->contributing < 2 || sev <= own || sev == MG_SEV_INFO)
    return MG_OK;
  int32_t *src = malloc(k * sizeof *src);
  double *share = malloc(k * sizeof *share);
  uint64_t *rows = malloc((n ? n : 1) * sizeof *rows);
  json_t *map = json_array();
  int rc = MG_ERR_NOMEM;
  if (!src || !share || !rows || !map)
    goto done;
  if ((rc = sp_mapping(&r->set, res, src, share)))
    goto done;
  char mapping[1200] = "", one[96];
  size_t m = 0;
  for (size_t c = 0; c < k; c++) {
    if (!sp_contributes(&res[c]))
      continue;
    const mgds_class *cl = &r->set.classes[c];
    for (size_t i = 0; i < cl->n; i++)
      if (res[c].side.flag[i])
        rows[m++] = cl->rows[i];
    json_array_append_new(map, json_pack("{s:i,s:i,s:I,s:f}", "label", (int)c, "source",
                                         (int)src[c], "rows", (json_int_t)res[c].side.n_flag,
                                         "source_share", share[c]));
    snprintf(one, sizeof one, "%s%d -> %d (%zu rows, %.0f%%)", *mapping ? ", " : "", (int)src[c],
             (int)c, res[c].side.n_flag, 100 * share[c]);
    strncat(mapping, one, sizeof mapping - strlen(mapping) - 1);
  }
  qsort(rows, m, sizeof *rows, cmp_u64);
  char title[300], msg[2600];
  snprintf(title, sizeof title,
           "Rows beyond the clean tail in %zu classes at once (all-to-all relabelling?)",
           pool->contributing);
  snprintf(msg, sizeof msg,
           "Pooled over the %zu classes with a reference cut, %llu of %llu training rows lie "
           "beyond their class's clean reference tail (cut so that at most about 1%% of clean "
           "rows lie beyond it; %llu of the %llu reference rows do); exact p of the pooled "
           "count %.2g (%.2g after Bonferroni over the "
           "classes and this test). %zu classes contribute; the flagged rows of each sit nearest "
           "to the clean rows of one other class (10 nearest reference rows of other labels), a "
           "mapping source -> label: "
           "%s. A few rows in every class that the model represents apart from their label, each "
           "resembling another class, is the signature of an all-to-all backdoor or of a "
           "systematic relabelling: inspect the listed rows.",
           pool->classes_tested, (unsigned long long)pool->flagged, (unsigned long long)pool->rows,
           (unsigned long long)pool->ref_flagged, (unsigned long long)pool->ref_rows, pool->p,
           p_adj, pool->contributing, mapping);
  json_t *ev = json_pack("{s:O,s:o}", "pooled", o, "mapping", map);
  map = NULL;
  mg_finding f = mgp_finding(sev, "spectre-all-classes", title, msg);
  f.dataset = MG_DATASET_TRAIN;
  f.indices = rows;
  f.n_indices = m;
  f.score = ht_score(p_adj);
  rc = mgp_emit(r->svc, r->ctx, &f, ev, JSON_COMPACT | JSON_REAL_PRECISION(6));
done:
  json_decref(map);
  free(src);
  free(share);
  free(rows);
  return rc;
}

static int run_classes(sp_run *r) {
  uint32_t k = r->set.n_labels;
  double t0 = mgds_now();
  mgds_result *res = calloc(k, sizeof *res);
  r->lam = calloc(k, sizeof *r->lam);
  r->cut = calloc(k, sizeof *r->cut);
  r->rank = calloc(k, sizeof *r->rank);
  int rc = res && r->lam && r->cut && r->rank ? MG_OK : MG_ERR_NOMEM;
  for (uint32_t c = 0; c < k && !rc; c++) {
    rc = analyse(r, (int32_t)c, &res[c]);
    r->svc->progress(r->ctx, "spectre: robust QUE scores", c + 1, k);
  }
  if (!rc)
    rc = decide(r, res);
  for (uint32_t c = 0; c < k && !rc; c++)
    if (res[c].finding)
      rc = emit(r, &res[c], (int32_t)c);
  sp_pool pool = {.p = 1};
  if (!rc && r->set.have_ref)
    rc = sp_pooled(res, r->rank, k, &pool);
  if (!rc) {
    json_t *m = json_pack("{s:s,s:i,s:f,s:f,s:f,s:f}", "method",
                          "SPECTRE (Hayase et al. 2021): top-k projection, trimmed robust "
                          "covariance, whitening, QUE scores; reference-tail row cut",
                          "k", r->prm.k, "trim", r->prm.trim, "alpha", r->prm.alpha,
                          "reference_false_rejection", SPECTRE_REF_FRR, "seconds_analysis",
                          mgds_now() - t0);
    size_t analysed = 0;
    for (uint32_t c = 0; c < k; c++)
      analysed += res[c].analysed != 0;
    if (m && r->set.have_ref)
      rc = emit_pooled(r, res, &pool, fmin(1, pool.p * (double)(analysed + 1)), m);
    if (!rc)
      rc = mgds_evidence(r->svc, r->ctx, &r->set, res, m);
    else
      json_decref(m);
  }
  if (rc)
    r->svc->log(r->ctx, MG_LOG_ERROR, PLUGIN ": analysis failed (error %d)", rc);
  for (uint32_t c = 0; res && c < k; c++) {
    mgds_side_free(&res[c].side);
    json_decref(res[c].stats);
  }
  free(res);
  free(r->lam);
  free(r->cut);
  free(r->rank);
  return rc;
}

static const mg_plugin_option option_table[] = {
    MGDS_OPTIONS,
    {"k", MG_OPTION_INTEGER, 16, 1, 256, "principal directions kept (capped at d and n/5)"},
    {"trim", MG_OPTION_NUMBER, 0.2, 0.01, 0.45, "fraction of rows the robust estimate leaves out"},
    {"alpha", MG_OPTION_NUMBER, 4, 0, 32, "QUE's alpha (0: Mahalanobis distance)"},
    {NULL, 0, 0, 0, 0, NULL},
};

static int sp_run_fn(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  sp_run r = {.svc = svc, .ctx = ctx};
  double k = 16, trim = 0.2, alpha = 4;
  int rc = mgp_opt(svc, ctx, PLUGIN, option_table, "k", &k);
  if (!rc)
    rc = mgp_opt(svc, ctx, PLUGIN, option_table, "trim", &trim);
  if (!rc)
    rc = mgp_opt(svc, ctx, PLUGIN, option_table, "alpha", &alpha);
  if (rc)
    return rc;
  r.prm = (sq_params){(int)k, trim, alpha, svc->seed(ctx)};
  if ((rc = mgds_load(&r.set, svc, ctx, PLUGIN)))
    return rc;
  rc = run_classes(&r);
  mgds_free(&r.set);
  return rc;
}

static const mg_plugin plugin = {
    MG_PLUGIN_HEADER,
    PLUGIN,
    "1.0",
    "Robust covariance, whitening and QUE scores of each class's penultimate features: low-rate "
    "poisoned rows (SPECTRE, Hayase et al. 2021)",
    MG_NEED_MODEL | MG_NEED_TRAIN,
    atlas,
    mitigations,
    controls,
    NULL,
    sp_run_fn,
    NULL,
};

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &plugin;
}

MG_PLUGIN_EXPORT const mg_plugin_option *mg_plugin_option_table(void) {
  return option_table;
}
