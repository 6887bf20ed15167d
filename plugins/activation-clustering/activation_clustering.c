/* The activation-clustering plugin (Chen et al. 2018): per training label,
 * the penultimate-layer activations reduced to 10 dimensions by PCA
 * (LAPACK ssyevr on the class covariance), split by 2-means (k-means++
 * seeds, several restarts); a class is suspicious when its smaller cluster
 * is clearly separated (silhouette beyond a Gaussian of the same
 * covariance, and against the other classes) and small, or when clean
 * reference rows avoid it. The cluster's rows, refined along the line
 * joining the two centroids, are flagged (mgds_decide.c decides). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <jansson.h>

#include <modelgate/plugin.h>

#include "ac_cluster.h"
#include "mgds.h"
#include "mgds_report.h"

#define PLUGIN "activation-clustering"

static const char *const atlas[] = {"AML.T0020", "AML.T0018.000", "AML.T0059", NULL};
static const char *const mitigations[] = {"AML.M0007", "AML.M0008", NULL};
static const char *const controls[] = {"CTL-06", "CTL-02", NULL};

/* A silhouette SD estimated from a few null draws can come out near zero
 * by chance; this floor keeps the intrinsic gate from becoming trivial. */
#define AC_NULL_SD_FLOOR 0.005

typedef struct ac_run {
  const mg_services *svc;
  mg_plugin_ctx *ctx;
  mgds_set set;
  uint64_t seed;
  size_t dims;     /* PCA dimensions (10) */
  int restarts;    /* k-means++ restarts (8) */
  double max_size; /* the smaller cluster's largest suspicious share (0.35) */
  size_t sample;   /* silhouette rows (2000) */
  int null_reps;   /* Gaussian draws for the silhouette's null (8) */
} ac_run;

typedef struct ac_work {
  float *x, *xr;      /* class rows, reference rows (n x d, nr x d) */
  float *p, *pr;      /* their PCA coordinates (n x k, nr x k) */
  float *vals, *vecs; /* top-k eigenvalues and eigenvectors */
  float *c, *mean;    /* covariance d x d, mean d */
  double *q, *qr;     /* positions on the centroid line */
  unsigned char *assign, *bulk;
  double *cent; /* 2 x k */
} ac_work;

static void work_free(ac_work *w) {
  free(w->x);
  free(w->xr);
  free(w->p);
  free(w->pr);
  free(w->vals);
  free(w->vecs);
  free(w->c);
  free(w->mean);
  free(w->q);
  free(w->qr);
  free(w->assign);
  free(w->bulk);
  free(w->cent);
}

static int work_alloc(ac_work *w, size_t n, size_t nr, size_t d, size_t k) {
  memset(w, 0, sizeof *w);
  size_t r = nr ? nr : 1;
  w->x = malloc(n * d * sizeof *w->x);
  w->xr = malloc(r * d * sizeof *w->xr);
  w->p = malloc(n * k * sizeof *w->p);
  w->pr = malloc(r * k * sizeof *w->pr);
  w->vals = malloc(k * sizeof *w->vals);
  w->vecs = malloc(k * d * sizeof *w->vecs);
  w->c = malloc(d * d * sizeof *w->c);
  w->mean = malloc(d * sizeof *w->mean);
  w->q = malloc(n * sizeof *w->q);
  w->qr = malloc(r * sizeof *w->qr);
  w->assign = malloc(n);
  w->bulk = malloc(n);
  w->cent = malloc(2 * k * sizeof *w->cent);
  return w->x && w->xr && w->p && w->pr && w->vals && w->vecs && w->c && w->mean && w->q && w->qr &&
                 w->assign && w->bulk && w->cent
             ? MG_OK
             : MG_ERR_NOMEM;
}

/* Centred class rows (and reference rows, with the training mean) in the
 * top-k principal directions of the class. */
static int reduce(ac_work *w, size_t n, size_t nr, size_t d, size_t k, double *explained) {
  mgds_mean(w->x, n, d, 1, w->mean);
  for (size_t i = 0; i < nr; i++)
    for (size_t j = 0; j < d; j++)
      w->xr[i * d + j] -= w->mean[j];
  mgds_gram(w->x, n, d, w->c);
  double trace = 0, top = 0;
  for (size_t j = 0; j < d; j++)
    trace += w->c[j * d + j];
  int rc = mgds_top_eig(w->c, d, k, w->vals, w->vecs);
  if (rc)
    return rc;
  for (size_t j = 0; j < k; j++)
    top += w->vals[j];
  *explained = trace > 0 ? top / trace : NAN;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)k, (int)d, 1.0f, w->x, (int)d,
              w->vecs, (int)d, 0.0f, w->p, (int)k);
  if (nr)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nr, (int)k, (int)d, 1.0f, w->xr,
                (int)d, w->vecs, (int)d, 0.0f, w->pr, (int)k);
  return MG_OK;
}

/* Positions on the line from the big cluster's centroid towards the
 * small one's: k-means cuts at the bisector, which misplaces rows when
 * the clusters' spreads differ; the robust cut along this line does not. */
static double centroid_line(ac_work *w, size_t n, size_t nr, size_t k, int small) {
  const double *cs = w->cent + (size_t)small * k, *cb = w->cent + (size_t)(1 - small) * k;
  double norm = 0;
  for (size_t j = 0; j < k; j++)
    norm += (cs[j] - cb[j]) * (cs[j] - cb[j]);
  norm = sqrt(norm);
  for (size_t i = 0; i < n + nr; i++) {
    const float *r = i < n ? w->p + i * k : w->pr + (i - n) * k;
    double s = 0;
    for (size_t j = 0; j < k; j++)
      s += ((double)r[j] - cb[j]) * (cs[j] - cb[j]);
    if (i < n)
      w->q[i] = norm > 0 ? s / norm : 0;
    else
      w->qr[i - n] = norm > 0 ? s / norm : 0;
  }
  return norm;
}

static int analyse(void *run, int32_t label, mgds_result *res) {
  ac_run *r = run;
  const mgds_class *cl = &r->set.classes[label];
  size_t n = cl->n, nr = r->set.have_ref ? cl->n_ref : 0, d = (size_t)r->set.dim;
  size_t k = r->dims < d ? r->dims : d;
  memset(res, 0, sizeof *res);
  res->n = n;
  res->n_ref = nr;
  if (n < MGDS_MIN_CLASS_ROWS || n < 2 * (k + 1)) {
    res->skip = "fewer training rows than the minimum for a split";
    return MG_OK;
  }
  ac_work w;
  mgds_side other;
  memset(&other, 0, sizeof other);
  int rc = work_alloc(&w, n, nr, d, k);
  if (rc || !(res->stats = json_object())) {
    rc = MG_ERR_NOMEM;
    goto done;
  }
  mgds_gather(r->set.train, r->set.dim, cl->rows, n, w.x);
  if (nr)
    mgds_gather(r->set.ref, r->set.dim, cl->refrow, nr, w.xr);
  double explained = NAN;
  if ((rc = reduce(&w, n, nr, d, k, &explained)))
    goto done;
  char stream[64];
  snprintf(stream, sizeof stream, PLUGIN "/kmeans/%d", (int)label);
  mgd_rng rng;
  mgd_rng_seed(&rng, r->seed, stream);
  double inertia = 0;
  if ((rc = ac_kmeans2(w.p, n, k, r->restarts, &rng, w.assign, w.cent, &inertia))) {
    if (rc == MG_ERR_NUMERIC) { /* every row identical: nothing to split */
      res->skip = "all rows of the class have the same activations";
      rc = MG_OK;
    }
    goto done;
  }
  size_t n1 = 0;
  for (size_t i = 0; i < n; i++)
    n1 += w.assign[i];
  int small = n1 <= n - n1 ? 1 : 0;
  size_t n_small = small ? n1 : n - n1;
  double pc[2];
  double sil = ac_silhouette(w.p, n, k, w.assign, r->sample, &rng, pc);
  snprintf(stream, sizeof stream, PLUGIN "/null/%d", (int)label);
  mgd_rng_seed(&rng, r->seed, stream);
  double nm = NAN, nsd = NAN;
  if ((rc = ac_silhouette_null(w.vals, k, n, r->null_reps, 3, r->sample, &rng, &nm, &nsd)))
    goto done;
  /* The separation is the excess over the null, whose own null is 0. */
  res->stat = sil - nm;
  res->null_mean = 0;
  res->null_sd = nsd;
  res->sep_ok =
      isfinite(sil) && sil >= nm + MGDS_NULL_Z * (nsd > AC_NULL_SD_FLOOR ? nsd : AC_NULL_SD_FLOOR);
  double dist = centroid_line(&w, n, nr, k, small);
  for (size_t i = 0; i < n; i++)
    w.bulk[i] = w.assign[i] != small;
  if ((rc = mgds_side_eval(w.q, n, w.qr, nr, w.bulk, 1, MGDS_ROW_Z, &res->side)))
    goto done;
  res->n_sides = 1;
  if (nr) { /* the reference set may show the big cluster is the foreign one */
    for (size_t i = 0; i < n; i++)
      w.bulk[i] = !w.bulk[i];
    if ((rc = mgds_side_eval(w.q, n, w.qr, nr, w.bulk, -1, MGDS_ROW_Z, &other)))
      goto done;
    other.majority = 1;
    res->n_sides = 2;
    if (other.n_flag >= MGDS_MIN_FLAGGED && other.p_ref < res->side.p_ref) {
      mgds_side t = res->side;
      res->side = other;
      other = t;
    }
  }
  /* Chen et al.'s relative-size rule: poison is a minority of its label. */
  res->size_ok = !res->side.majority && (double)n_small < r->max_size * (double)n;
  res->analysed = 1;
  json_t *st = res->stats;
  json_object_set_new(st, "separation_kind",
                      json_string("silhouette minus its mean for Gaussian data of the class's "
                                  "covariance"));
  json_object_set_new(st, "dims", json_integer((json_int_t)k));
  json_object_set_new(st, "explained_variance",
                      isfinite(explained) ? json_real(explained) : json_null());
  json_object_set_new(st, "cluster_sizes",
                      json_pack("[I,I]", (json_int_t)n_small, (json_int_t)(n - n_small)));
  json_object_set_new(st, "cluster_fraction", json_real((double)n_small / (double)n));
  json_object_set_new(st, "silhouette", isfinite(sil) ? json_real(sil) : json_null());
  json_object_set_new(st, "silhouette_small",
                      isfinite(pc[small]) ? json_real(pc[small]) : json_null());
  json_object_set_new(st, "silhouette_big",
                      isfinite(pc[1 - small]) ? json_real(pc[1 - small]) : json_null());
  json_object_set_new(st, "silhouette_null_mean", json_real(nm));
  json_object_set_new(st, "silhouette_null_sd", json_real(nsd));
  json_object_set_new(st, "silhouette_rows",
                      json_integer((json_int_t)(n < r->sample ? n : r->sample)));
  json_object_set_new(st, "centroid_distance", json_real(dist));
  json_object_set_new(st, "inertia", json_real(inertia));
  rc = MG_OK;
done:
  mgds_side_free(&other);
  work_free(&w);
  return rc;
}

static int emit(void *run, const mgds_result *res, int32_t label) {
  ac_run *r = run;
  char name[192], refs[512], title[320], msg[2048];
  mgd_class_name(r->svc, r->ctx, label, name, sizeof name);
  mgds_ref_sentence(&r->set, res, label, refs, sizeof refs);
  json_t *cs = json_object_get(res->stats, "cluster_sizes");
  double sil = json_real_value(json_object_get(res->stats, "silhouette"));
  double nm = json_real_value(json_object_get(res->stats, "silhouette_null_mean"));
  size_t small = (size_t)json_integer_value(json_array_get(cs, 0));
  const mgds_side *s = &res->side;
  snprintf(title, sizeof title, "%s: %zu training rows form a separate activation cluster", name,
           s->n_flag);
  snprintf(msg, sizeof msg,
           "2-means on the top principal components of %s's activations (layer %s) splits off a "
           "cluster of %zu of its %zu training rows (%.1f%%) with silhouette %.3f, against "
           "%.3f +/- %.3f for Gaussian activations of the same covariance (cross-class robust z "
           "%.1f, family-wise p %.2g); %zu rows lie more than %.1f robust SDs beyond the %s "
           "cluster on the line joining the centroids. %s Training rows that the model "
           "represents as a cluster of their own within a label are how poisoned or mislabelled "
           "data shows (Chen et al. 2018): inspect these rows and retrain without them.",
           name, r->set.layer, small, res->n, 100.0 * (double)small / (double)res->n, sil, nm,
           res->null_sd, res->z_cross, res->p_cross, s->n_flag, MGDS_ROW_Z,
           s->majority ? "small" : "big", refs);
  return mgds_emit_class(r->svc, r->ctx, &r->set, res, label, "separated-cluster", title, msg);
}

static const mg_plugin_option option_table[] = {
    MGDS_OPTIONS,
    {"dims", MG_OPTION_INTEGER, 10, 1, 256, "PCA dimensions the activations are reduced to"},
    {"restarts", MG_OPTION_INTEGER, 8, 1, 100, "2-means restarts (the best by inertia is kept)"},
    {"max-size", MG_OPTION_NUMBER, 0.35, 0.01, 0.5,
     "largest share of a label a foreign cluster may have"},
    {"silhouette-sample", MG_OPTION_INTEGER, 2000, 50, 100000,
     "rows the silhouette is computed on"},
    {"null-reps", MG_OPTION_INTEGER, 8, 2, 200, "Gaussian draws for the silhouette's null"},
    {NULL, 0, 0, 0, 0, NULL},
};

static int options(ac_run *r) {
  double dims = 10, restarts = 8, sample = 2000, reps = 8;
  int rc = mgp_opt(r->svc, r->ctx, PLUGIN, option_table, "dims", &dims);
  if (!rc)
    rc = mgp_opt(r->svc, r->ctx, PLUGIN, option_table, "restarts", &restarts);
  if (!rc)
    rc = mgp_opt(r->svc, r->ctx, PLUGIN, option_table, "max-size", &r->max_size);
  if (!rc)
    rc = mgp_opt(r->svc, r->ctx, PLUGIN, option_table, "silhouette-sample", &sample);
  if (!rc)
    rc = mgp_opt(r->svc, r->ctx, PLUGIN, option_table, "null-reps", &reps);
  r->dims = (size_t)dims;
  r->restarts = (int)restarts;
  r->sample = (size_t)sample;
  r->null_reps = (int)reps;
  return rc;
}

static int ac_run_fn(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  ac_run r = {.svc = svc, .ctx = ctx, .seed = svc->seed(ctx)};
  int rc = options(&r);
  if (rc || (rc = mgds_load(&r.set, svc, ctx, PLUGIN)))
    return rc;
  static const mgds_plugin_ops ops = {
      PLUGIN, "activation clustering", {MG_SEV_MEDIUM, MG_SEV_LOW}, analyse, emit};
  json_t *m = json_pack("{s:s,s:I,s:i,s:f,s:I,s:i}", "method",
                        "activation clustering (Chen et al. 2018): PCA, 2-means (k-means++), "
                        "silhouette against a Gaussian null and across classes",
                        "dims", (json_int_t)r.dims, "restarts", r.restarts, "max_size", r.max_size,
                        "silhouette_sample", (json_int_t)r.sample, "null_reps", r.null_reps);
  rc = mgds_run_classes(svc, ctx, &r.set, r.seed, &ops, &r, m);
  mgds_free(&r.set);
  return rc;
}

static const mg_plugin plugin = {
    MG_PLUGIN_HEADER,
    PLUGIN,
    "1.0",
    "Activation clustering of each label's penultimate-layer activations (Chen et al. 2018)",
    MG_NEED_MODEL | MG_NEED_TRAIN,
    atlas,
    mitigations,
    controls,
    NULL,
    ac_run_fn,
    NULL,
};

MG_PLUGIN_EXPORT const mg_plugin_option *mg_plugin_option_table(void) {
  return option_table;
}

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &plugin;
}
