/* The input-confusion plugin (CTL-05): which labels a training row's clean
 * neighbours carry, weighed by how often clean rows of the row's own label
 * have neighbours of those labels. Shirts naturally sit among T-shirts and
 * pullovers, never among trousers or bags; a BadNets attack relabels rows
 * of many source classes as one target, so its rows carry the target's
 * label among neighbours of labels the target's clean rows never meet.
 * input-consistency asks whether one other label holds most neighbours and
 * tests each label pair alone, which splits an all-to-one attack's rows
 * over the sources; here every row gets one score and each label one exact
 * test against its reference rows. Inputs only, no model: a witness
 * independent of the model-level detectors (docs/detectors/input-confusion.md). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <modelgate/plugin.h>

#include "hyptest.h"
#include "ic_refine.h"
#include "knn.h"
#include "mgd.h"
#include "mgds.h"
#include "mgp.h"

#define PLUGIN "input-confusion"

/* At most this fraction of a label's clean rows lie beyond the row cut. */
#define IC_REF_FRR 0.01
/* The share of a label's level given to the shared-residual test. */
#define IC_SHARED_WEIGHT 0.2
/* Labels with fewer training or reference rows are not tested. */
#define IC_MIN_ROWS 20

static const char *const atlas[] = {"AML.T0020", "AML.T0018.000", "AML.T0059", NULL};
static const char *const mitigations[] = {"AML.M0007", "AML.M0008", NULL};
static const char *const controls[] = {"CTL-05", "CTL-02", NULL};

static const mg_plugin_option options[] = {
    MGDS_OPTIONS,
    {"k", MG_OPTION_INTEGER, 20, 1, 200, "clean neighbours per row"},
    {"fdr", MG_OPTION_NUMBER, 0.05, 0, 0.5,
     "rows of a decided label: Benjamini-Hochberg level of the shared-trigger stage (0: off, "
     "the first stage's rows)"},
    {NULL, 0, 0, 0, 0, NULL}};

typedef struct ic_label {
  size_t n, m;     /* training and reference rows */
  size_t rank;     /* the reference order statistic that is the cut */
  double cut;      /* the rank-th largest reference score */
  size_t flagged;  /* training rows beyond it */
  double p, adj;   /* exact exceedance p, Bonferroni over the tested labels */
  double p_shared; /* the shared-residual test's p (ic_refine_out.p_label) */
  size_t others, beyond, shared_rank;
  int tested;
  /* The second stage's run on this label's first-stage rows (shared_test),
   * which the finding's rows reuse: its status (0 done), kept rows (n
   * flags, NULL when it did not run) and results. */
  int refine_rc;
  unsigned char *keep;
  ic_refine_out ro;
} ic_label;

typedef struct ic_run {
  const mg_services *svc;
  mg_plugin_ctx *ctx;
  mgds_set set;
  size_t k;
  double fdr;           /* the second stage's level (0: off) */
  float *tnorm, *rnorm; /* each row's length before normalising */
  int32_t *yref;        /* reference rows' labels, -1 outside the model's */
  uint32_t *ct, *cr;    /* vote counts, rows x labels */
  double *sum;          /* labels x labels: reference vote counts summed per label */
  double *st, *sr;      /* scores */
  ic_label *lab;
  size_t tested;
  ic_refine_ref ref; /* the second stage's reference residuals, once per run */
  int ref_state;     /* 0 not yet prepared, 1 prepared, -1 could not be */
} ic_run;

/* The row's score: the cross-entropy of its neighbours' labels under the
 * clean neighbour profile of its own label, estimated from that label's
 * reference rows (without the row itself when it is one of them: own),
 * add-half smoothed. High when the neighbours carry labels the label's
 * clean rows rarely meet. */
static double score(const ic_run *r, int32_t a, const uint32_t *v, int own) {
  uint32_t L = r->set.n_labels;
  double rows = (double)r->set.classes[a].n_ref - (own ? 1 : 0), s = 0;
  for (uint32_t j = 0; j < L; j++) {
    if (!v[j])
      continue;
    double c = (r->sum[(size_t)a * L + j] - (own ? v[j] : 0) + 0.5) /
               (rows * (double)r->k + 0.5 * (double)L);
    s -= (double)v[j] / (double)r->k * log(c);
  }
  return s;
}

static int cmp_row(const void *x, const void *y) {
  uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
  return a < b ? -1 : a > b;
}

static int cmp_desc(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return a < b ? 1 : a > b ? -1 : 0;
}

/* Each row's Euclidean length (the second stage works in the inputs'
 * own scale, the neighbour search on unit rows). */
static void row_lengths(const float *x, size_t n, size_t d, float *len) {
  for (size_t i = 0; i < n; i++) {
    double s = 0;
    for (size_t j = 0; j < d; j++)
      s += (double)x[i * d + j] * x[i * d + j];
    len[i] = (float)sqrt(s);
  }
}

static int vote_and_score(ic_run *r) {
  mgds_set *s = &r->set;
  size_t d = (size_t)s->dim, L = s->n_labels;
  /* Uncentred cosine: pixel images have a zero background, so the raw
   * angle compares shapes; knn_normalise with a zero mean only scales. */
  float *zero = calloc(d ? d : 1, sizeof *zero);
  r->ct = malloc((s->n_train ? s->n_train : 1) * L * sizeof *r->ct);
  r->cr = malloc((s->n_ref ? s->n_ref : 1) * L * sizeof *r->cr);
  r->sum = calloc(L * L, sizeof *r->sum);
  r->st = malloc((s->n_train ? s->n_train : 1) * sizeof *r->st);
  r->sr = malloc((s->n_ref ? s->n_ref : 1) * sizeof *r->sr);
  r->tnorm = malloc((s->n_train ? s->n_train : 1) * sizeof *r->tnorm);
  r->rnorm = malloc((s->n_ref ? s->n_ref : 1) * sizeof *r->rnorm);
  if (!zero || !r->ct || !r->cr || !r->sum || !r->st || !r->sr || !r->tnorm || !r->rnorm) {
    free(zero);
    return MG_ERR_NOMEM;
  }
  row_lengths(s->train, s->n_train, d, r->tnorm);
  row_lengths(s->ref, s->n_ref, d, r->rnorm);
  knn_normalise(s->ref, s->n_ref, d, zero);
  knn_normalise(s->train, s->n_train, d, zero);
  free(zero);
  if (knn_label_counts(s->train, s->n_train, s->ref, r->yref, s->n_ref, d, r->k, s->n_labels, 0,
                       r->ct) ||
      knn_label_counts(s->ref, s->n_ref, s->ref, r->yref, s->n_ref, d, r->k, s->n_labels, 1, r->cr))
    return MG_ERR_NOMEM;
  /* yref -1 (a label outside the model's classes) has no profile; the core
   * refuses such labels, but the indexing must not rely on it. */
  for (uint64_t i = 0; i < s->n_ref; i++)
    for (size_t j = 0; j < L && r->yref[i] >= 0; j++)
      r->sum[(size_t)r->yref[i] * L + j] += r->cr[i * L + j];
  for (uint32_t a = 0; a < s->n_labels; a++)
    for (size_t i = 0; i < s->classes[a].n; i++) {
      uint64_t row = s->classes[a].rows[i];
      r->st[row] = score(r, (int32_t)a, r->ct + row * L, 0);
    }
  for (uint64_t i = 0; i < s->n_ref; i++)
    r->sr[i] = r->yref[i] >= 0 ? score(r, r->yref[i], r->cr + i * L, 1) : 0;
  return MG_OK;
}

/* The label-level shared-residual test (ic_refine_out.p_label) with the
 * first stage's rows of label a as seeds; p_shared stays 1 when the second
 * stage is off or there are fewer than two seeds. 0, or -1 out of memory. */
static int shared_test(ic_run *r, int32_t a) {
  ic_label *l = &r->lab[a];
  const mgds_class *cl = &r->set.classes[a];
  if (!(r->fdr > 0) || l->flagged < 2)
    return 0;
  unsigned char *seed = malloc(cl->n);
  l->keep = malloc(cl->n);
  if (!seed || !l->keep) {
    free(seed);
    return -1;
  }
  for (size_t i = 0; i < cl->n; i++)
    seed[i] = r->st[cl->rows[i]] > l->cut;
  ic_refine_in in = {
      r->set.train, r->set.ref,      r->tnorm, r->rnorm, r->yref, r->set.n_ref, (size_t)r->set.dim,
      r->k,         r->set.n_labels, a,        cl->rows, cl->n,   seed,         r->fdr};
  if (!r->ref_state)
    r->ref_state = ic_refine_prepare(&in, &r->ref) ? -1 : 1;
  l->refine_rc = ic_refine(&in, &r->ref, l->keep, &l->ro);
  if (!l->refine_rc || l->ro.p_label < 1) {
    l->p_shared = l->ro.p_label;
    l->others = l->ro.others;
    l->beyond = l->ro.beyond;
    l->shared_rank = l->ro.ref_rank;
  }
  free(seed);
  return 0;
}

/* Per label: training rows beyond the rank-th largest of its m reference
 * scores; under exchangeability their count is BetaBinomial(n, rank,
 * m - rank + 1) (as spectre's reference test). */
static int test_labels(ic_run *r) {
  mgds_set *s = &r->set;
  r->lab = calloc(s->n_labels ? s->n_labels : 1, sizeof *r->lab);
  double *buf = malloc((s->n_ref ? s->n_ref : 1) * sizeof *buf);
  if (!r->lab || !buf) {
    free(buf);
    return MG_ERR_NOMEM;
  }
  for (uint32_t a = 0; a < s->n_labels; a++) {
    ic_label *l = &r->lab[a];
    const mgds_class *cl = &s->classes[a];
    l->n = cl->n;
    l->m = cl->n_ref;
    l->p = l->adj = 1;
    if (l->n < IC_MIN_ROWS || l->m < IC_MIN_ROWS)
      continue;
    for (size_t i = 0; i < l->m; i++)
      buf[i] = r->sr[cl->refrow[i]];
    qsort(buf, l->m, sizeof *buf, cmp_desc);
    size_t rank = (size_t)floor(IC_REF_FRR * (double)(l->m + 1));
    l->rank = rank ? rank : 1;
    l->cut = buf[l->rank - 1];
    for (size_t i = 0; i < l->n; i++)
      l->flagged += r->st[cl->rows[i]] > l->cut;
    l->p = ht_betabinom_sf(l->flagged, l->n, (double)l->rank, (double)(l->m - l->rank + 1));
    l->p_shared = 1;
    l->tested = 1;
    r->tested++;
    if (shared_test(r, (int32_t)a)) {
      free(buf);
      return MG_ERR_NOMEM;
    }
  }
  /* Bonferroni over the tested labels; within a label, weighted Bonferroni
   * over its two tests when the shared-residual test runs (the first stage
   * keeps 1 - IC_SHARED_WEIGHT of the label's level, the shared test gets
   * IC_SHARED_WEIGHT; the weights sum to one, so the family-wise level holds). */
  double w = r->fdr > 0 ? IC_SHARED_WEIGHT : 0;
  for (uint32_t a = 0; a < s->n_labels; a++) {
    ic_label *l = &r->lab[a];
    if (!l->tested)
      continue;
    double p = l->p / (1 - w);
    if (w > 0)
      p = fmin(p, l->p_shared / w);
    l->adj = fmin(1, p * (double)r->tested);
  }
  free(buf);
  return MG_OK;
}

/* The two labels the flagged rows' neighbours carry most, for the message. */
static void top_sources(const ic_run *r, int32_t a, char *buf, size_t size) {
  uint32_t L = r->set.n_labels;
  double *w = calloc(L, sizeof *w);
  buf[0] = 0;
  if (!w)
    return;
  const mgds_class *cl = &r->set.classes[a];
  for (size_t i = 0; i < cl->n; i++)
    if (r->st[cl->rows[i]] > r->lab[a].cut)
      for (uint32_t j = 0; j < L; j++)
        w[j] += r->ct[cl->rows[i] * L + j];
  w[a] = 0;
  size_t used = 0;
  for (int t = 0; t < 3; t++) {
    uint32_t best = 0;
    for (uint32_t j = 1; j < L; j++)
      if (w[j] > w[best])
        best = j;
    if (w[best] <= 0)
      break;
    char name[128];
    mgd_class_name(r->svc, r->ctx, (int32_t)best, name, sizeof name);
    int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", name);
    if (n < 0 || (size_t)n >= size - used)
      break;
    used += (size_t)n;
    w[best] = 0;
  }
  free(w);
}

/* Whether the second stage's rows (ic_refine.h, run by shared_test)
 * replace the first stage's on label a: at least MGDS_MIN_FLAGGED of them
 * and no fewer than the first stage's rows beyond what clean data would
 * put past its cut (its expected true rows). A trigger that is not added
 * to the rows (a warp) leaves the rows no shared residual; the second
 * stage then finds only part of what the first found, and the first
 * stands. */
static int refined(const ic_label *l) {
  if (!l->keep || l->refine_rc)
    return 0;
  double excess = (double)l->flagged - (double)l->n * (double)l->rank / (double)(l->m + 1);
  return l->ro.kept >= MGDS_MIN_FLAGGED && (double)l->ro.kept >= excess;
}

static int emit(ic_run *r, int32_t a) {
  const ic_label *l = &r->lab[a];
  mg_severity sev = mgd_severity_of_p(l->adj);
  if (sev == MG_SEV_INFO || l->flagged < MGDS_MIN_FLAGGED || 2 * l->flagged >= l->n)
    return MG_OK;
  const mgds_class *cl = &r->set.classes[a];
  uint64_t *rows = malloc(cl->n * sizeof *rows);
  if (!rows)
    return MG_ERR_NOMEM;
  int second = refined(l);
  const ic_refine_out ro = l->ro;
  size_t n = 0;
  for (size_t i = 0; i < cl->n; i++)
    if (second ? l->keep[i] : r->st[cl->rows[i]] > l->cut)
      rows[n++] = cl->rows[i];
  qsort(rows, n, sizeof *rows, cmp_row);
  char name[128], src[512], title[400], msg[2400], listed[700] = "";
  mgd_class_name(r->svc, r->ctx, a, name, sizeof name);
  top_sources(r, a, src, sizeof src);
  if (second)
    snprintf(listed, sizeof listed,
             " Listed: the %zu rows of %s whose residual from their clean neighbours aligns with "
             "the first stage's shared residual (a trigger stamped on every poisoned row) beyond "
             "the %zu clean reference rows' alignment, Benjamini-Hochberg at %.3g over the "
             "label's %zu rows (largest p rejected %.3g; %zu of the %zu first-stage rows kept).",
             ro.kept, name, ro.null_rows, r->fdr, l->n, ro.p_cut, ro.kept_seeds, ro.seeds);
  snprintf(title, sizeof title,
           "%s: %zu training rows sit among clean rows of labels its clean rows never meet", name,
           n);
  snprintf(msg, sizeof msg,
           "%zu of %zu training rows labelled %s have nearest clean reference inputs (%zu "
           "neighbours, cosine on the inputs, no model) whose labels (mostly %s) the clean rows of "
           "%s rarely have as neighbours: beyond the %zu-th largest score of its %zu clean "
           "reference rows, where clean data would put about %.1f (exact exceedance test p "
           "= %.3g, %.3g after Bonferroni over %zu labels). Rows of several classes relabelled "
           "as one is the pattern of an all-to-one backdoor (BadNets) or of a label-flipping "
           "attack; inspect the listed rows for a shared trigger.%s",
           l->flagged, l->n, name, r->k, src[0] ? src : "other labels", name, l->rank, l->m,
           (double)l->n * (double)l->rank / (double)(l->m + 1), l->p, l->adj, r->tested, listed);
  mg_finding f = mgp_finding(sev, "confusion-exceedance", title, msg);
  f.label = a;
  f.dataset = MG_DATASET_TRAIN;
  f.indices = rows;
  f.n_indices = n;
  f.score = ht_score(l->adj);
  json_t *ev = json_pack(
      "{s:i,s:I,s:I,s:I,s:f,s:I,s:I,s:f,s:f,s:I,s:{s:b,s:f,s:I,s:I,s:I,s:f,s:I}}", "label", (int)a,
      "rows", (json_int_t)l->n, "reference_rows", (json_int_t)l->m, "reference_rank",
      (json_int_t)l->rank, "cut", l->cut, "first_stage", (json_int_t)l->flagged, "flagged",
      (json_int_t)n, "p_value", l->p, "p_adjusted", l->adj, "k", (json_int_t)r->k, "shared_trigger",
      "used", second, "fdr", r->fdr, "seeds", (json_int_t)ro.seeds, "kept", (json_int_t)ro.kept,
      "kept_seeds", (json_int_t)ro.kept_seeds, "p_cut", ro.p_cut, "null_rows",
      (json_int_t)ro.null_rows);
  int rc = mgp_emit(r->svc, r->ctx, &f, ev, JSON_COMPACT | JSON_REAL_PRECISION(6));
  free(rows);
  return rc;
}

static int evidence(ic_run *r, double seconds) {
  json_t *classes = json_array();
  for (uint32_t a = 0; a < r->set.n_labels; a++) {
    const ic_label *l = &r->lab[a];
    json_array_append_new(
        classes,
        json_pack("{s:i,s:I,s:I,s:b,s:I,s:f,s:I,s:f,s:f,s:{s:f,s:I,s:I,s:I}}", "label", (int)a,
                  "rows", (json_int_t)l->n, "reference_rows", (json_int_t)l->m, "tested", l->tested,
                  "reference_rank", (json_int_t)l->rank, "cut", l->tested ? l->cut : 0.0, "flagged",
                  (json_int_t)l->flagged, "p", l->p, "p_adjusted", l->adj, "shared", "p",
                  l->p_shared, "others", (json_int_t)l->others, "beyond", (json_int_t)l->beyond,
                  "reference_rank", (json_int_t)l->shared_rank));
  }
  json_t *o = json_pack(
      "{s:s,s:s,s:I,s:I,s:I,s:I,s:f,s:o,s:f,s:f}", "method",
      "per row, the cross-entropy of its k nearest clean reference inputs' labels under its own "
      "label's clean neighbour profile; per label, exact exceedance test against its reference "
      "rows, Bonferroni",
      "layer", r->set.layer, "train_rows", (json_int_t)r->set.n_train, "reference_rows",
      (json_int_t)r->set.n_ref, "k", (json_int_t)r->k, "labels_tested", (json_int_t)r->tested,
      "reference_false_rejection", IC_REF_FRR, "classes", classes, "seconds_features",
      r->set.seconds_features, "seconds_analysis", seconds);
  char *text = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
  json_decref(o);
  int rc = text ? r->svc->evidence(r->ctx, text) : MG_ERR_NOMEM;
  free(text);
  return rc;
}

static int analyse(ic_run *r) {
  double t0 = mgds_now();
  const mgds_set *s = &r->set;
  if (!(r->yref = mgds_labels(s, 1)))
    return MG_ERR_NOMEM;
  if (!r->set.have_ref || r->set.n_ref < r->k + 1) {
    r->svc->log(r->ctx, MG_LOG_INFO,
                "%s: needs a labelled reference set of more than %zu rows (%s)", PLUGIN, r->k,
                r->set.ref_note ? r->set.ref_note : "too few rows");
    return MG_ERR_NEEDS;
  }
  int rc = vote_and_score(r);
  if (!rc)
    rc = test_labels(r);
  for (uint32_t a = 0; a < r->set.n_labels && !rc; a++)
    rc = emit(r, (int32_t)a);
  return rc ? rc : evidence(r, mgds_now() - t0);
}

static int run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  ic_run r;
  memset(&r, 0, sizeof r);
  r.svc = svc;
  r.ctx = ctx;
  double k = 20;
  int rc = mgp_opt(svc, ctx, PLUGIN, options, "k", &k);
  if (rc)
    return rc;
  r.k = (size_t)k;
  if ((rc = mgp_opt(svc, ctx, PLUGIN, options, "fdr", &r.fdr)))
    return rc;
  if ((rc = mgds_load_default(&r.set, svc, ctx, PLUGIN, MGDS_LAYER_INPUTS)))
    return rc;
  rc = analyse(&r);
  if (rc && rc != MG_ERR_NEEDS)
    svc->log(ctx, MG_LOG_ERROR, "%s: analysis failed (error %d)", PLUGIN, rc);
  free(r.yref);
  free(r.ct);
  free(r.cr);
  free(r.sum);
  free(r.st);
  free(r.sr);
  free(r.tnorm);
  free(r.rnorm);
  for (uint32_t a = 0; r.lab && a < r.set.n_labels; a++)
    free(r.lab[a].keep);
  free(r.lab);
  ic_refine_ref_free(&r.ref);
  mgds_free(&r.set);
  return rc;
}

static const mg_plugin plugin = {
    MG_PLUGIN_HEADER,
    PLUGIN,
    "1.0",
    "Training labels against the labels of their nearest clean reference inputs, weighed by "
    "the label's clean neighbour profile: all-to-one relabelling (BadNets) without the model",
    MG_NEED_MODEL | MG_NEED_TRAIN | MG_NEED_REFERENCE,
    atlas,
    mitigations,
    controls,
    NULL,
    run,
    NULL};

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &plugin;
}

MG_PLUGIN_EXPORT const mg_plugin_option *mg_plugin_option_table(void) {
  return options;
}
