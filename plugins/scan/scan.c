/* The scan plugin: SCAn (Tang, Wang, Tang, Zhang, "Demon in the Variant:
 * Statistical Analysis of DNNs for Robust Backdoor Contamination
 * Detection", USENIX Security 2021) on the penultimate features. The
 * untangling model's within-class covariance comes from the clean
 * reference rows; each class of the training set is decomposed into two
 * groups and its likelihood-ratio statistic J is judged against J's null
 * for a clean class of the same size, drawn from that class's own clean
 * reference rows. The p-value (normal tail, Bonferroni over the classes)
 * grades the finding, which names the smaller group's rows
 * (docs/detectors/scan.md). Built for low poison rates: the evidence grows
 * with the group's distance, not with its share of the class. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <modelgate/plugin.h>

#include "hyptest.h"
#include "mgds.h"
#include "scan_model.h"
#include "scan_rows.h"

#define PLUGIN "scan"

static const char *const atlas[] = {"AML.T0020", "AML.T0018.000", "AML.T0059", NULL};
static const char *const mitigations[] = {"AML.M0007", "AML.M0008", NULL};
static const char *const controls[] = {"CTL-06", "CTL-02", NULL};

/* A class needs this many clean reference rows for its null. */
#define SC_MIN_REF_ROWS 10
/* A class contributes to the pooled (all-to-all) test's rows when its own
 * one-sided p is at most this. */
#define SC_POOL_CLASS_P 0.05
/* The memorisation check's level: a class's finding stands only when its
 * count of training rows beyond its clean reference range is an outlier
 * among the other classes' counts at this family-wise level (Bonferroni
 * over the analysed classes). */
#define SC_MEM_LEVEL 0.01
/* The memorisation check needs this many other classes for its rate and
 * its over-dispersion. */
#define SC_MEM_MIN_CLASSES 3

typedef struct sc_res {
  int analysed;
  const char *skip;
  size_t n, n_ref;
  sc_split split;
  unsigned char *minor; /* the smaller EM group */
  unsigned char *flag;  /* the rows step's flagged rows */
  sc_rows rows;         /* the cut; rows.n_flag is the final count */
  sc_posterior post;    /* the posterior refit that follows the cut */
  double null_mean, null_sd, z, p, p_adj;
  /* The foreign group's share test (NAN when no reference row falls in
   * the group, so J's test stands alone) and the z the pooled test uses. */
  double p_share, z_pool;
  /* The memorisation check (see mem_check): training rows beyond the
   * class's clean reference range, the count other classes' rates
   * predict, their over-dispersion, the check's z, p and adjusted p. */
  size_t n_out;
  double mem_expected, mem_phi, mem_z, mem_p, mem_p_adj;
  int mem_explained;
  mg_severity severity;
  int finding;
} sc_res;

typedef struct sc_run {
  const mg_services *svc;
  mg_plugin_ctx *ctx;
  mgds_set set;
  sc_global g;
  int restarts, reps;
  /* A larger class is decomposed (and its null drawn) on a uniform sample
   * of this many rows (option fit-rows), then every row is placed by the
   * fitted groups: J is a per-row average, so a sample estimates it, and
   * the null is drawn at the sample's size (the cost is linear in rows). */
  size_t fit_rows;
  int posterior; /* option posterior: refit the rows after the cut */
  uint64_t seed;
} sc_run;

/* The decomposition of a large class on a uniform sample of nf rows,
 * extended to all n. */
static int fit_sample(const sc_run *r, const float *w, size_t n, size_t nf, size_t k, mgd_rng *rng,
                      sc_res *x) {
  uint64_t *idx = malloc(n * sizeof *idx);
  float *ws = malloc(nf * k * sizeof *ws);
  unsigned char *ms = malloc(nf);
  int rc = MG_ERR_NOMEM;
  if (!idx || !ws || !ms)
    goto done;
  for (size_t i = 0; i < n; i++)
    idx[i] = i;
  mgd_rng_shuffle(rng, idx, n);
  for (size_t i = 0; i < nf; i++)
    memcpy(ws + i * k, w + idx[i] * k, k * sizeof *ws);
  if ((rc = sc_two_component(ws, nf, k, r->restarts, rng, ms, &x->split)))
    goto done;
  rc = sc_extend(ws, nf, ms, w, n, k, x->minor);
done:
  free(idx);
  free(ws);
  free(ms);
  return rc;
}

static double sq_dist(const float *a, const float *b, size_t k) {
  double s = 0;
  for (size_t j = 0; j < k; j++) {
    double t = (double)a[j] - (double)b[j];
    s += t * t;
  }
  return s;
}

/* J measures how far a group lies and how large it is, against a null
 * drawn from the clean reference rows. When the EM's boundary puts some
 * clean reference rows in the foreign group, the group is a mode of the
 * clean class itself (a kind of sandal, a way of writing a digit) and its
 * distance is no evidence: what is left is its share, larger among the
 * training rows than among the reference rows, and that is a count --
 * one-sided Fisher exact test of the two shares. The class's p is then the
 * larger of the two (an intersection-union test: both the split and the
 * share must stand out), so this only ever removes alarms. J's normal tail
 * would otherwise turn a natural mode that the ~100 reference rows
 * happen to under-sample (6 of 91 against 63 of 389) into z 5.6. */
static void share_test(sc_res *x) {
  uint64_t ref_in = (uint64_t)llround(x->rows.ref_share * (double)x->n_ref);
  if (!ref_in || !(x->split.j > 0))
    return;
  uint64_t train_in = (uint64_t)llround(x->rows.train_share * (double)x->n);
  x->p_share = ht_fisher_greater(train_in, x->n, ref_in, x->n_ref);
  if (x->p_share > x->p) {
    x->p = x->p_share;
    x->z_pool = -ht_norm_quantile(x->p);
  }
}

/* Training rows of a class beyond its clean reference range: squared
 * whitened distance from the class's reference mean above the rank-th
 * largest of its reference rows' (rank max(1, floor(SC_REF_FRR (m + 1))),
 * the cut's own bound). cm receives the reference mean. */
static int count_beyond(const float *w, size_t n, float *res, size_t m, size_t k, float *cm,
                        size_t *out) {
  double *d = malloc(m * sizeof *d);
  if (!d)
    return MG_ERR_NOMEM;
  mgds_mean(res, m, k, 0, cm);
  for (size_t i = 0; i < m; i++)
    d[i] = sq_dist(res + i * k, cm, k);
  size_t rank = (size_t)floor(SC_REF_FRR * (double)(m + 1));
  rank = rank < 1 ? 1 : rank > m ? m : rank;
  /* the rank-th largest: the (m - rank)-th of m sorted, exactly */
  double cut = m > 1 ? mgd_quantile(d, m, (double)(m - rank) / (double)(m - 1)) : d[0];
  free(d);
  if (isnan(cut))
    return MG_ERR_NOMEM;
  *out = 0;
  for (size_t i = 0; i < n; i++)
    if (sq_dist(w + i * k, cm, k) > cut)
      (*out)++;
  return MG_OK;
}

static int analyse(sc_run *r, int32_t label, sc_res *x) {
  const mgds_class *cl = &r->set.classes[label];
  size_t n = cl->n, m = cl->n_ref, d = (size_t)r->set.dim, k = r->g.dw;
  memset(x, 0, sizeof *x);
  x->n = n;
  x->n_ref = m;
  x->z = x->p = x->p_adj = x->null_mean = x->null_sd = x->p_share = x->z_pool = NAN;
  x->mem_expected = x->mem_phi = x->mem_z = x->mem_p = x->mem_p_adj = NAN;
  if (n < MGDS_MIN_CLASS_ROWS) {
    x->skip = "too few training rows";
    return MG_OK;
  }
  if (m < SC_MIN_REF_ROWS) {
    x->skip = "too few clean reference rows for the class's null";
    return MG_OK;
  }
  float *raw = malloc((n > m ? n : m) * d * sizeof *raw);
  float *w = malloc(n * k * sizeof *w), *res = malloc(m * k * sizeof *res);
  float *cm = malloc(k * sizeof *cm);
  x->minor = calloc(n, 1);
  x->flag = calloc(n, 1);
  int rc = MG_ERR_NOMEM;
  if (!raw || !w || !res || !cm || !x->minor || !x->flag)
    goto done;
  mgds_gather(r->set.train, r->set.dim, cl->rows, n, raw);
  sc_whiten(&r->g, raw, n, w);
  mgds_gather(r->set.ref, r->set.dim, cl->refrow, m, raw);
  sc_whiten(&r->g, raw, m, res);
  if ((rc = count_beyond(w, n, res, m, k, cm, &x->n_out)))
    goto done;
  char stream[64];
  snprintf(stream, sizeof stream, PLUGIN "/class-%d", (int)label);
  mgd_rng rng;
  mgd_rng_seed(&rng, r->seed, stream);
  size_t nf = n > r->fit_rows ? r->fit_rows : n;
  if (nf < n) {
    if ((rc = fit_sample(r, w, n, nf, k, &rng, x)))
      goto done;
  } else if ((rc = sc_two_component(w, n, k, r->restarts, &rng, x->minor, &x->split))) {
    goto done;
  }
  if (x->split.j > 0) {
    if ((rc = sc_flag_rows(w, n, res, m, k, x->minor, x->flag, &x->rows)))
      goto done;
    x->post.n_start = x->post.n_flag = x->rows.n_flag;
    x->post.ref_flag = x->rows.ref_flag;
    if (r->posterior && (rc = sc_posterior_rows(w, n, res, m, k, x->flag, &x->post)))
      goto done;
    x->rows.n_flag = x->post.n_flag;
  }
  mgds_mean(res, m, k, 1, cm); /* the class's clean residuals */
  if ((rc = sc_null(res, m, k, nf, r->reps, r->restarts, &rng, &x->null_mean, &x->null_sd)))
    goto done;
  x->analysed = 1;
  if (x->null_sd > 0 && isfinite(x->null_sd)) {
    x->z = (x->split.j - x->null_mean) / x->null_sd;
    x->p = ht_norm_sf(x->z);
  } else {
    x->p = 1;
  }
  x->z_pool = x->z;
  share_test(x);
  rc = MG_OK;
done:
  free(raw);
  free(w);
  free(res);
  free(cm);
  return rc;
}

/* The pooled test for attacks that poison every class a little (all-to-
 * all): Stouffer's sum of the classes' z over sqrt(classes), one more
 * hypothesis of the family. */
typedef struct sc_pool {
  double z, p, p_adj;
  size_t classes, contributing, rows;
} sc_pool;

static int contributes(const sc_res *x) {
  return x->analysed && x->p <= SC_POOL_CLASS_P && x->rows.n_flag >= MGDS_MIN_FLAGGED;
}

/* The memorisation check. J's null comes from clean reference rows the
 * model never trained on, so it cannot tell a planted group from a hard
 * sub-population the model memorised: an over-trained model carves a
 * region of its own for a few atypical training rows (Bags that look like
 * pullovers) that the class's reference rows, never fitted, do not visit,
 * and J stands far above its null. Memorisation is not specific to one
 * class: every class of an over-trained model has training rows beyond its
 * clean reference range, while an all-to-one attack adds its rows to one
 * class. So the count n_out of a class's training rows beyond the range
 * (count_beyond) is tested against the rate of the OTHER analysed classes
 * (a null from training rows the model did fit): expected e = n lambda,
 * lambda their pooled rate, with their over-dispersion phi (Pearson's
 * chi-square over their counts / (classes - 1), at least 1: hard rows are
 * not spread evenly over classes), z = (n_out - e) / sqrt(phi e (1 -
 * lambda)), one-sided normal p, Bonferroni over the analysed classes. A
 * class whose count is not an outlier at SC_MEM_LEVEL is explained by
 * the model's fit of its own training rows: its finding is withheld (a
 * precondition, so it only ever removes alarms; the severity stays J's).
 * An all-to-all attack raises every class alike and is left to the pooled
 * test. */
static void mem_check(sc_res *res, size_t k, size_t a) {
  for (size_t c = 0; c < k; c++) {
    sc_res *x = &res[c];
    if (!x->analysed)
      continue;
    double on = 0, nn = 0;
    size_t others = 0;
    for (size_t d = 0; d < k; d++)
      if (d != c && res[d].analysed) {
        on += (double)res[d].n_out;
        nn += (double)res[d].n;
        others++;
      }
    if (others < SC_MEM_MIN_CLASSES || !(nn > 0))
      continue; /* no rate to compare with: J decides alone */
    double lambda = on / nn;
    if (!(lambda > 0) || !(lambda < 1)) {
      x->mem_p = x->n_out ? 0 : 1; /* no other class has such rows */
    } else {
      double chi = 0;
      for (size_t d = 0; d < k; d++)
        if (d != c && res[d].analysed) {
          double e = (double)res[d].n * lambda;
          double t = (double)res[d].n_out - e;
          chi += t * t / (e * (1 - lambda));
        }
      x->mem_phi = fmax(1, chi / (double)(others - 1));
      x->mem_expected = (double)x->n * lambda;
      x->mem_z =
          ((double)x->n_out - x->mem_expected) / sqrt(x->mem_phi * x->mem_expected * (1 - lambda));
      x->mem_p = ht_norm_sf(x->mem_z);
    }
    x->mem_p_adj = fmin(1, x->mem_p * (double)a);
    x->mem_explained = !(x->mem_p_adj <= SC_MEM_LEVEL);
  }
}

static void decide(sc_run *r, sc_res *res, sc_pool *pool) {
  size_t k = r->set.n_labels, a = 0, top = k;
  double zs = 0;
  /* The pooled test is for the spread over the classes: it leaves out the
   * class of the largest z, so one class (poisoned or memorised) cannot
   * make it alone; that class is judged by its own test. */
  for (size_t c = 0; c < k; c++)
    if (res[c].analysed && isfinite(res[c].z_pool) && (top == k || res[c].z_pool > res[top].z_pool))
      top = c;
  for (size_t c = 0; c < k; c++)
    if (res[c].analysed && isfinite(res[c].z_pool) && c != top) {
      a++;
      zs += res[c].z_pool;
    }
  memset(pool, 0, sizeof *pool);
  pool->classes = a;
  pool->z = a ? zs / sqrt((double)a) : NAN;
  pool->p = a >= 2 ? ht_norm_sf(pool->z) : 1;
  a += top < k; /* the family: every analysed class and the pooled test */
  pool->p_adj = fmin(1, pool->p * (double)(a + 1));
  mem_check(res, k, a);
  for (size_t c = 0; c < k; c++) {
    sc_res *x = &res[c];
    if (!x->analysed)
      continue;
    x->p_adj = fmin(1, x->p * (double)(a + 1));
    x->severity = mgd_severity_of_p(x->p_adj);
    x->finding =
        x->severity >= MG_SEV_LOW && x->rows.n_flag >= MGDS_MIN_FLAGGED && !x->mem_explained;
    if (contributes(x)) {
      pool->contributing++;
      pool->rows += x->rows.n_flag;
    }
  }
}

static json_t *num(double v) {
  return isfinite(v) ? json_real(v) : json_null();
}

static json_t *class_json(const sc_res *x, int32_t label) {
  json_t *o = json_pack("{s:i,s:I,s:I}", "label", (int)label, "rows", (json_int_t)x->n,
                        "reference_rows", (json_int_t)x->n_ref);
  if (!o)
    return NULL;
  if (!x->analysed) {
    json_object_set_new(o, "analysed", json_false());
    json_object_set_new(o, "reason", json_string(x->skip ? x->skip : "not analysed"));
    return o;
  }
  json_object_set_new(o, "analysed", json_true());
  json_object_set_new(o, "j", num(x->split.j));
  json_object_set_new(o, "null_mean", num(x->null_mean));
  json_object_set_new(o, "null_sd", num(x->null_sd));
  json_object_set_new(o, "z", num(x->z));
  json_object_set_new(o, "share_p", num(x->p_share));
  json_object_set_new(o, "p", num(x->p));
  json_object_set_new(o, "p_adjusted", num(x->p_adj));
  json_object_set_new(o, "minority_rows", json_integer((json_int_t)x->split.n_minor));
  json_object_set_new(o, "group_distance", num(x->split.distance));
  json_object_set_new(o, "foreign_group",
                      json_string(x->rows.foreign_minor ? "minority" : "majority"));
  json_object_set_new(o, "foreign_reference_share", num(x->rows.ref_share));
  json_object_set_new(o, "foreign_training_share", num(x->rows.train_share));
  json_object_set_new(o, "row_cut_robust_sd", num(x->rows.cut));
  json_object_set_new(o, "reference_rank", json_integer((json_int_t)x->rows.rank));
  json_object_set_new(o, "cut_flagged", json_integer((json_int_t)x->post.n_start));
  json_object_set_new(o, "cut_reference_flagged", json_integer((json_int_t)x->rows.ref_flag));
  json_object_set_new(o, "posterior_rounds", json_integer(x->post.rounds));
  json_object_set_new(o, "posterior_converged", json_boolean(x->post.converged));
  json_object_set_new(o, "posterior_stopped_by_reference", json_boolean(x->post.stopped));
  json_object_set_new(o, "flagged", json_integer((json_int_t)x->rows.n_flag));
  json_object_set_new(o, "reference_flagged", json_integer((json_int_t)x->post.ref_flag));
  json_object_set_new(o, "em_rounds", json_integer(x->split.iterations));
  json_object_set_new(o, "memorisation",
                      json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:b}", "beyond_reference_range",
                                (json_int_t)x->n_out, "expected", num(x->mem_expected),
                                "dispersion", num(x->mem_phi), "z", num(x->mem_z), "p",
                                num(x->mem_p), "p_adjusted", num(x->mem_p_adj), "explained",
                                x->mem_explained));
  json_object_set_new(o, "severity",
                      json_string(x->finding ? mg_severity_name(x->severity) : "none"));
  return o;
}

static uint64_t *flagged_rows(const sc_run *r, const sc_res *x, int32_t label, uint64_t *out,
                              size_t *m) {
  const mgds_class *cl = &r->set.classes[label];
  for (size_t i = 0; i < cl->n; i++)
    if (x->flag[i])
      out[(*m)++] = cl->rows[i];
  return out;
}

static int emit(sc_run *r, const sc_res *x, int32_t label) {
  char name[192], title[320], msg[2400];
  mgd_class_name(r->svc, r->ctx, label, name, sizeof name);
  uint64_t *rows = malloc((x->rows.n_flag ? x->rows.n_flag : 1) * sizeof *rows);
  if (!rows)
    return MG_ERR_NOMEM;
  size_t m = 0;
  flagged_rows(r, x, label, rows, &m);
  snprintf(title, sizeof title, "%s: %zu training rows form a separate group (SCAn)", name, m);
  snprintf(msg, sizeof msg,
           "Under the untangling model fitted on the clean reference rows (within-class "
           "covariance whitened, %zu directions), %s's %zu training rows decompose into two "
           "groups %.1f whitened units apart; the %s group is the one its %zu clean reference "
           "rows hardly share (%.0f%% of them against %.0f%% of the training rows), and %zu rows "
           "are more likely foreign than clean (posterior above 1/2 under a foreign component "
           "fitted on them against a clean one fitted on the reference rows, %zu of which the "
           "same rule would take). The decomposition's "
           "likelihood-ratio statistic J is %.3g; for a clean class of the same size, drawn from "
           "its own clean reference rows, J is %.3g +- %.3g (z %.1f, p %.2g, %.2g after "
           "Bonferroni over the classes and the pooled test). A group of rows that the model "
           "represents apart from "
           "the rest of its label, absent from clean data, is the signature of poisoned rows "
           "(SCAn, Tang et al. 2021): inspect these rows and retrain without them.",
           r->g.dw, name, x->n, x->split.distance, x->rows.foreign_minor ? "smaller" : "larger",
           x->n_ref, 100 * x->rows.ref_share, 100 * x->rows.train_share, m, x->post.ref_flag,
           x->split.j, x->null_mean, x->null_sd, x->z, x->p, x->p_adj);
  json_t *ev =
      json_pack("{s:o,s:s}", "class", class_json(x, label), "score_kind", "-log10 adjusted p");
  mg_finding f = mgp_finding(x->severity, "scan-two-component", title, msg);
  f.label = label;
  f.dataset = MG_DATASET_TRAIN;
  f.indices = rows;
  f.n_indices = m;
  f.score = ht_score(x->p_adj);
  int rc = mgp_emit(r->svc, r->ctx, &f, ev, JSON_COMPACT | JSON_REAL_PRECISION(6));
  free(rows);
  return rc;
}

/* The pooled finding: only when it says more than every contributing
 * class's own verdict (the spread over the classes is the evidence). */
static int emit_pooled(sc_run *r, const sc_res *res, const sc_pool *pool) {
  size_t k = r->set.n_labels;
  mg_severity sev = mgd_severity_of_p(pool->p_adj), own = MG_SEV_INFO;
  for (size_t c = 0; c < k; c++)
    if (contributes(&res[c]) && res[c].finding && res[c].severity > own)
      own = res[c].severity;
  if (pool->contributing < 2 || sev <= own || sev < MG_SEV_LOW)
    return MG_OK;
  uint64_t *rows = malloc((pool->rows ? pool->rows : 1) * sizeof *rows);
  json_t *cls = json_array();
  int rc = MG_ERR_NOMEM;
  if (!rows || !cls)
    goto done;
  size_t m = 0;
  char list[600] = "", one[48];
  for (size_t c = 0; c < k; c++) {
    if (!contributes(&res[c]))
      continue;
    flagged_rows(r, &res[c], (int32_t)c, rows, &m);
    json_array_append_new(cls, json_integer((json_int_t)c));
    snprintf(one, sizeof one, "%s%zu (%zu rows)", *list ? ", " : "", c, res[c].rows.n_flag);
    strncat(list, one, sizeof list - strlen(list) - 1);
  }
  /* Each class's rows are ascending and classes interleave: sort. */
  for (size_t i = 1; i < m; i++)
    for (size_t j = i; j > 0 && rows[j - 1] > rows[j]; j--) {
      uint64_t t = rows[j];
      rows[j] = rows[j - 1];
      rows[j - 1] = t;
    }
  char title[300], msg[1600];
  snprintf(title, sizeof title,
           "Separate groups in %zu classes at once (all-to-all or multi-target poisoning?)",
           pool->contributing);
  snprintf(msg, sizeof msg,
           "Each class's SCAn statistic against its own clean null, combined over the %zu "
           "analysed classes (Stouffer's z %.1f, p %.2g, %.2g after Bonferroni), says that "
           "several classes hold rows the model represents apart from the rest: classes %s. A "
           "few foreign rows in many classes is the signature of an all-to-all backdoor or a "
           "systematic relabelling: inspect the listed rows.",
           pool->classes, pool->z, pool->p, pool->p_adj, list);
  json_t *ev = json_pack("{s:f,s:f,s:f,s:I,s:I,s:o}", "stouffer_z", pool->z, "p", pool->p,
                         "p_adjusted", pool->p_adj, "classes_tested", (json_int_t)pool->classes,
                         "contributing", (json_int_t)pool->contributing, "classes", cls);
  cls = NULL;
  mg_finding f = mgp_finding(sev, "scan-all-classes", title, msg);
  f.dataset = MG_DATASET_TRAIN;
  f.indices = rows;
  f.n_indices = m;
  f.score = ht_score(pool->p_adj);
  rc = mgp_emit(r->svc, r->ctx, &f, ev, JSON_COMPACT | JSON_REAL_PRECISION(6));
done:
  json_decref(cls);
  free(rows);
  return rc;
}

static int evidence(sc_run *r, const sc_res *res, const sc_pool *pool, double seconds) {
  json_t *o = json_object(), *cls = json_array(), *flagged = json_array();
  if (!o || !cls || !flagged) {
    json_decref(o);
    json_decref(cls);
    json_decref(flagged);
    return MG_ERR_NOMEM;
  }
  for (uint32_t c = 0; c < r->set.n_labels; c++) {
    json_array_append_new(cls, class_json(&res[c], (int32_t)c));
    if (res[c].finding)
      json_array_append_new(flagged, json_integer(c));
  }
  json_object_set_new(o, "method",
                      json_string("SCAn (Tang et al. 2021): within-class covariance of the clean "
                                  "reference rows, whitening, two-component classification EM "
                                  "per class, J against its null from the class's own reference "
                                  "rows (double bootstrap), normal tail, Bonferroni"));
  json_object_set_new(o, "layer", json_string(r->set.layer));
  json_object_set_new(o, "feature_dim", json_integer((json_int_t)r->set.dim));
  json_object_set_new(o, "whitened_dim", json_integer((json_int_t)r->g.dw));
  json_object_set_new(o, "train_rows", json_integer((json_int_t)r->set.n_train));
  json_object_set_new(o, "reference_rows", json_integer((json_int_t)r->g.rows));
  json_object_set_new(o, "restarts", json_integer(r->restarts));
  json_object_set_new(o, "null_reps", json_integer(r->reps));
  json_object_set_new(o, "fit_rows", json_integer((json_int_t)r->fit_rows));
  json_object_set_new(o, "posterior", json_boolean(r->posterior));
  json_object_set_new(o, "pooled",
                      json_pack("{s:o,s:o,s:o,s:I}", "stouffer_z", num(pool->z), "p", num(pool->p),
                                "p_adjusted", num(pool->p_adj), "contributing",
                                (json_int_t)pool->contributing));
  json_object_set_new(o, "seconds_features", json_real(r->set.seconds_features));
  json_object_set_new(o, "seconds_analysis", json_real(seconds));
  json_object_set_new(o, "classes", cls);
  json_object_set_new(o, "flagged_classes", flagged);
  char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));
  json_decref(o);
  if (!text)
    return MG_ERR_NOMEM;
  int rc = r->svc->evidence(r->ctx, text);
  free(text);
  return rc;
}

static int run_classes(sc_run *r) {
  uint32_t k = r->set.n_labels;
  double t0 = mgds_now();
  sc_res *res = calloc(k ? k : 1, sizeof *res);
  if (!res)
    return MG_ERR_NOMEM;
  int rc = MG_OK;
  for (uint32_t c = 0; c < k && !rc; c++) {
    rc = analyse(r, (int32_t)c, &res[c]);
    r->svc->progress(r->ctx, "scan: two-component decomposition per class", c + 1, k);
  }
  sc_pool pool;
  if (!rc)
    decide(r, res, &pool);
  for (uint32_t c = 0; c < k && !rc; c++)
    if (res[c].finding)
      rc = emit(r, &res[c], (int32_t)c);
  if (!rc)
    rc = emit_pooled(r, res, &pool);
  if (!rc)
    rc = evidence(r, res, &pool, mgds_now() - t0);
  if (rc)
    r->svc->log(r->ctx, MG_LOG_ERROR, PLUGIN ": analysis failed (error %d)", rc);
  for (uint32_t c = 0; c < k; c++) {
    free(res[c].minor);
    free(res[c].flag);
  }
  free(res);
  return rc;
}

static const mg_plugin_option option_table[] = {
    MGDS_OPTIONS,
    {"restarts", MG_OPTION_INTEGER, 4, 1, 64, "EM starts per decomposition (fit and null alike)"},
    {"null-reps", MG_OPTION_INTEGER, 40, 10, 1000, "bootstrap samples of J's null per class"},
    {"fit-rows", MG_OPTION_INTEGER, 2000, 100, 1000000,
     "a larger class is decomposed on a uniform sample of this many rows"},
    {"posterior", MG_OPTION_BOOL, 1, 0, 1,
     "1: list a decided class's rows by the posterior refit; 0: the cut's rows only"},
    {NULL, 0, 0, 0, 0, NULL},
};

static int sc_run_fn(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  sc_run r = {.svc = svc, .ctx = ctx, .seed = svc->seed(ctx)};
  double restarts = 4, reps = 40, fit_rows = 2000, posterior = 1;
  int rc = mgp_opt(svc, ctx, PLUGIN, option_table, "restarts", &restarts);
  if (!rc)
    rc = mgp_opt(svc, ctx, PLUGIN, option_table, "null-reps", &reps);
  if (!rc)
    rc = mgp_opt(svc, ctx, PLUGIN, option_table, "fit-rows", &fit_rows);
  if (!rc)
    rc = mgp_opt(svc, ctx, PLUGIN, option_table, "posterior", &posterior);
  if (rc)
    return rc;
  r.restarts = (int)restarts;
  r.reps = (int)reps;
  r.fit_rows = (size_t)fit_rows;
  r.posterior = (int)posterior;
  if ((rc = mgds_load(&r.set, svc, ctx, PLUGIN)))
    return rc;
  if (!r.set.have_ref) {
    /* SCAn's model and null both come from clean rows. */
    svc->log(ctx, MG_LOG_WARN, PLUGIN ": not run: %s; SCAn needs a clean reference set",
             r.set.ref_note ? r.set.ref_note : "no reference set");
    json_t *o = json_pack("{s:b,s:s}", "analysed", 0, "reason",
                          r.set.ref_note ? r.set.ref_note : "no reference set");
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    rc = text ? svc->evidence(ctx, text) : MG_ERR_NOMEM;
    free(text);
    json_decref(o);
    mgds_free(&r.set);
    return rc;
  }
  rc = sc_global_fit(&r.set, &r.g);
  if (rc == MG_ERR_NUMERIC)
    svc->log(ctx, MG_LOG_ERROR,
             PLUGIN ": the reference rows' within-class covariance of %s is degenerate",
             r.set.layer);
  if (!rc)
    rc = run_classes(&r);
  sc_global_free(&r.g);
  mgds_free(&r.set);
  return rc;
}

static const mg_plugin plugin = {
    MG_PLUGIN_HEADER,
    PLUGIN,
    "1.0",
    "SCAn's two-component decomposition of each class's penultimate features under the clean "
    "reference rows' untangling model: low-rate poisoned rows (Tang et al. 2021)",
    MG_NEED_MODEL | MG_NEED_TRAIN | MG_NEED_REFERENCE,
    atlas,
    mitigations,
    controls,
    NULL,
    sc_run_fn,
    NULL,
};

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &plugin;
}

MG_PLUGIN_EXPORT const mg_plugin_option *mg_plugin_option_table(void) {
  return option_table;
}
