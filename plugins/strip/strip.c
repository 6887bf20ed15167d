/* The strip plugin (Gao et al. 2019, "STRIP: A Defence Against Trojan
 * Attacks on Deep Neural Networks"): calibrates the superimposition-entropy
 * threshold at a 1% false-rejection rate on the clean reference set, then
 * scans the training set (and any --inputs rows) for rows whose prediction
 * survives blending with other images: a trigger that overrides any content.
 * A class is implicated only when far more of its rows fall below its own
 * clean reference quantile than clean rows would (exact beta-binomial test,
 * Holm-corrected over classes): clean classes differ a lot in how well
 * their predictions survive blending, so one global cut cannot decide. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hyptest.h"
#include "mgd.h"
#include "strip_engine.h"
#include "strip_plot.h"

static const char *const atlas_all[] = {"AML.T0018.000", "AML.T0043.004", "AML.T0020", NULL};
static const char *const atlas_inputs[] = {"AML.T0043.004", "AML.T0018.000", NULL};
static const char *const mitigations[] = {"AML.M0008", "AML.M0007", NULL};
static const char *const controls[] = {"CTL-11", NULL};

#define HIST_BINS 40
/* Rows read per chunk while scanning, bounded by bytes for large images. */
#define SCAN_CHUNK_ROWS 2048
#define SCAN_CHUNK_BYTES (32u << 20)
/* Rows per plain forward pass (clean predictions), as the engine's. */
#define FORWARD_ROWS 256
/* Reference rows kept in memory as overlays are bounded by bytes too. */
#define POOL_BYTES (256u << 20)
/* Flagged rows listed in the evidence (all of them are in the findings). */
#define EVIDENCE_ROWS 200

typedef struct strip_cfg {
  uint32_t n;        /* overlays per input */
  double frr;        /* target false-rejection rate */
  uint64_t sample;   /* training rows per class in the screening pass; 0 = all */
  uint64_t pool_max; /* reference rows used (overlays and calibration) */
  double screen;     /* raw p-value below which a class is scanned in full */
  double class_q;    /* each class's own clean quantile used by the class test */
} strip_cfg;

typedef struct calib {
  double t;       /* decision threshold: empirical frr-quantile */
  double t_gauss; /* the paper's: normal fit, mu + z_frr * sigma */
  double mu, sd;
  double frr_in;            /* fraction of calibration rows below t */
  double frr_heldout;       /* cross-fitted over two halves, empirical rule */
  double frr_heldout_gauss; /* the same for the normal-fit rule */
  double frr_heldout_upper; /* one-sided 95% upper bound of frr_heldout */
} calib;

typedef struct group_stat {
  uint64_t rows, scanned;
  uint64_t flagged; /* scanned rows below the global threshold (the paper's rule) */
  uint64_t below;   /* scanned rows below the class's own cut */
  uint64_t ref_rows, ref_flagged;
  uint32_t k; /* order statistic of the class cut; 0: tested at the global threshold */
  double cut; /* the k-th smallest clean reference entropy of the class */
  double p, p_exch, p_rest, p_min, p_adj;
  int extended; /* scanned in full after the screening pass */
} group_stat;

typedef struct strip_run {
  const mg_services *svc;
  mg_plugin_ctx *ctx;
  strip_cfg cfg;
  mg_model_info mi;
  size_t k; /* classes */
  /* Reference pool: the overlays and the calibration rows. */
  float *pool;
  size_t pool_n;
  uint64_t *pool_rows;
  int32_t *pool_labels;
  int32_t *pool_pred;
  int ref_has_labels;
  double *ref_h;
  calib cal;
  strip_engine eng;
  json_t *ev; /* the plugin's evidence, built up as the run goes */
  uint64_t hist_ref[HIST_BINS];
  double hist_hi;
} strip_run;

/* ---- options */

/* A numeric --set strip.KEY option in [lo, hi] (a whole number when
 * integer is set), or def when absent. */
static int opt_num(strip_run *r, const char *key, double def, double lo, double hi, int integer,
                   double *out) {
  const char *s = r->svc->option(r->ctx, key);
  *out = def;
  if (!s)
    return MG_OK;
  char *end = NULL;
  double v = strtod(s, &end);
  if (end == s || *end || !(v >= lo && v <= hi) || (integer && v != floor(v))) {
    r->svc->log(r->ctx, MG_LOG_ERROR, "strip: --set strip.%s=%s: expected %s in [%g, %g]", key, s,
                integer ? "a whole number" : "a number", lo, hi);
    return MG_ERR_ARGS;
  }
  *out = v;
  return MG_OK;
}

static int read_cfg(strip_run *r) {
  double n = 0, sample = 0, pool = 0;
  int rc = opt_num(r, "n", 24, 2, 1000, 1, &n);
  if (!rc)
    rc = opt_num(r, "frr", 0.01, 0.0005, 0.2, 0, &r->cfg.frr);
  if (!rc)
    rc = opt_num(r, "sample", 200, 0, 1e9, 1, &sample);
  if (!rc)
    rc = opt_num(r, "pool", 2000, 20, 1e7, 1, &pool);
  if (!rc)
    rc = opt_num(r, "screen", 0.01, 0, 1, 0, &r->cfg.screen);
  if (!rc)
    rc = opt_num(r, "class_q", 0.05, 0.005, 0.25, 0, &r->cfg.class_q);
  r->cfg.n = (uint32_t)n;
  r->cfg.sample = (uint64_t)sample;
  r->cfg.pool_max = (uint64_t)pool;
  return rc;
}

/* ---- reading rows */

static int chunk_rows(size_t row_floats) {
  size_t fit = SCAN_CHUNK_BYTES / (row_floats * sizeof(float));
  return fit < 1 ? 1 : fit > SCAN_CHUNK_ROWS ? SCAN_CHUNK_ROWS : (int)fit;
}

/* Rows rows[0..m) (sorted) of a dataset into x, coalescing contiguous runs;
 * labels NULL for a set without labels (asking for them is an error). */
static int read_rows(strip_run *r, const char *name, const uint64_t *rows, size_t m, size_t rf,
                     float *x, int32_t *labels) {
  for (size_t i = 0; i < m;) {
    size_t j = i + 1;
    while (j < m && rows[j] == rows[j - 1] + 1)
      j++;
    int rc =
        r->svc->dataset_read(r->ctx, name, rows[i], j - i, x + i * rf, labels ? labels + i : NULL);
    if (rc)
      return rc;
    i = j;
  }
  return MG_OK;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Clean predictions of n rows, in forward batches. */
static int predict(strip_run *r, const float *x, size_t n, int32_t *pred) {
  size_t rf = r->mi.input_floats, b = (size_t)chunk_rows(rf);
  if (b > FORWARD_ROWS)
    b = FORWARD_ROWS;
  float *logits = malloc(b * r->k * sizeof *logits);
  if (!logits)
    return MG_ERR_NOMEM;
  int rc = MG_OK;
  for (size_t i = 0; i < n && !rc; i += b) {
    size_t m = n - i < b ? n - i : b;
    rc = r->svc->model_forward(r->ctx, x + i * rf, m, logits, NULL, NULL);
    for (size_t j = 0; !rc && j < m; j++) {
      const float *row = logits + j * r->k;
      size_t best = 0;
      for (size_t c = 1; c < r->k; c++)
        if (row[c] > row[best])
          best = c;
      pred[i + j] = (int32_t)best;
    }
  }
  free(logits);
  return rc;
}

/* ---- calibration on the reference set */

static int load_pool(strip_run *r, const mg_dataset_info *ri) {
  size_t rf = r->mi.input_floats;
  uint64_t cap = POOL_BYTES / (rf * sizeof(float));
  uint64_t n = ri->count;
  if (n > r->cfg.pool_max)
    n = r->cfg.pool_max;
  if (n > cap)
    n = cap;
  if (n < 20) {
    r->svc->log(r->ctx, MG_LOG_ERROR,
                "strip: the reference set has %llu usable rows; calibrating a false-rejection "
                "rate needs at least 20",
                (unsigned long long)n);
    return MG_ERR_LIMIT;
  }
  r->pool_n = (size_t)n;
  r->pool_rows = malloc(ri->count * sizeof *r->pool_rows);
  r->pool = malloc(r->pool_n * rf * sizeof *r->pool);
  r->pool_labels = malloc(r->pool_n * sizeof *r->pool_labels);
  r->pool_pred = malloc(r->pool_n * sizeof *r->pool_pred);
  r->ref_h = malloc(r->pool_n * sizeof *r->ref_h);
  if (!r->pool_rows || !r->pool || !r->pool_labels || !r->pool_pred || !r->ref_h)
    return MG_ERR_NOMEM;
  for (uint64_t i = 0; i < ri->count; i++)
    r->pool_rows[i] = i;
  if (r->pool_n < ri->count) { /* a seeded random subset, read in order */
    mgd_rng g;
    mgd_rng_seed(&g, r->svc->seed(r->ctx), "strip-pool");
    mgd_rng_shuffle(&g, r->pool_rows, (size_t)ri->count);
    qsort(r->pool_rows, r->pool_n, sizeof *r->pool_rows, cmp_u64);
  }
  int rc = read_rows(r, MG_DATASET_REFERENCE, r->pool_rows, r->pool_n, rf, r->pool,
                     ri->has_labels ? r->pool_labels : NULL);
  r->ref_has_labels = ri->has_labels;
  for (size_t i = 0; !rc && i < r->pool_n; i++)
    if (!ri->has_labels || r->pool_labels[i] < 0 || (size_t)r->pool_labels[i] >= r->k)
      r->pool_labels[i] = -1;
  return rc ? rc : predict(r, r->pool, r->pool_n, r->pool_pred);
}

static int hist_bin(const strip_run *r, double h) {
  int b = (int)(h / r->hist_hi * HIST_BINS);
  return b < 0 ? 0 : b >= HIST_BINS ? HIST_BINS - 1 : b;
}

/* Fraction of v[idx[...]] strictly below t. */
static double frac_below(const double *v, const size_t *idx, size_t n, double t) {
  size_t below = 0;
  for (size_t i = 0; i < n; i++)
    below += v[idx[i]] < t;
  return n ? (double)below / (double)n : NAN;
}

static double gather_quantile(const double *v, const size_t *idx, size_t n, double q, double *mu,
                              double *sd) {
  *mu = *sd = NAN;
  double *tmp = malloc((n ? n : 1) * sizeof *tmp);
  if (!tmp)
    return NAN;
  for (size_t i = 0; i < n; i++)
    tmp[i] = v[idx[i]];
  double t = mgd_quantile(tmp, n, q);
  *mu = mgd_mean(tmp, n);
  *sd = mgd_stddev(tmp, n, *mu);
  free(tmp);
  return t;
}

/* Thresholds from all calibration rows; the false-rejection rate of each
 * rule measured honestly by cross-fitting: the threshold fitted on one half
 * is applied to the other half, and the two halves swap. */
static int calibrate(strip_run *r) {
  size_t n = r->pool_n;
  size_t *idx = calloc(n ? n : 1, sizeof *idx);
  uint64_t *perm = malloc(n * sizeof *perm);
  if (!idx || !perm) {
    free(idx);
    free(perm);
    return MG_ERR_NOMEM;
  }
  for (size_t i = 0; i < n; i++)
    perm[i] = i;
  mgd_rng g;
  mgd_rng_seed(&g, r->svc->seed(r->ctx), "strip-halves");
  mgd_rng_shuffle(&g, perm, n);
  for (size_t i = 0; i < n; i++)
    idx[i] = (size_t)perm[i];
  free(perm);
  double z = ht_norm_quantile(r->cfg.frr);
  calib *c = &r->cal;
  c->t = gather_quantile(r->ref_h, idx, n, r->cfg.frr, &c->mu, &c->sd);
  c->t_gauss = c->mu + z * c->sd;
  c->frr_in = frac_below(r->ref_h, idx, n, c->t);
  size_t h1 = n / 2, h2 = n - h1;
  double mu1, sd1, mu2, sd2;
  double t1 = gather_quantile(r->ref_h, idx, h1, r->cfg.frr, &mu1, &sd1);
  double t2 = gather_quantile(r->ref_h, idx + h1, h2, r->cfg.frr, &mu2, &sd2);
  double k_emp = frac_below(r->ref_h, idx + h1, h2, t1) * (double)h2 +
                 frac_below(r->ref_h, idx, h1, t2) * (double)h1;
  double k_gau = frac_below(r->ref_h, idx + h1, h2, mu1 + z * sd1) * (double)h2 +
                 frac_below(r->ref_h, idx, h1, mu2 + z * sd2) * (double)h1;
  free(idx);
  c->frr_heldout = k_emp / (double)n;
  c->frr_heldout_gauss = k_gau / (double)n;
  /* Wilson score upper bound, one-sided 95%. */
  double p = c->frr_heldout, zz = 1.6448536269514722, nn = (double)n;
  c->frr_heldout_upper =
      (p + zz * zz / (2 * nn) + zz * sqrt(p * (1 - p) / nn + zz * zz / (4 * nn * nn))) /
      (1 + zz * zz / nn);
  if (!isfinite(c->t) || !isfinite(c->t_gauss))
    return MG_ERR_NUMERIC;
  return MG_OK;
}

static int run_calibration(strip_run *r) {
  size_t *self = malloc(r->pool_n * sizeof *self);
  if (!self)
    return MG_ERR_NOMEM;
  for (size_t i = 0; i < r->pool_n; i++)
    self[i] = i;
  int rc = MG_OK;
  size_t step = (size_t)chunk_rows(r->mi.input_floats);
  for (size_t i = 0; i < r->pool_n && !rc; i += step) {
    size_t m = r->pool_n - i < step ? r->pool_n - i : step;
    rc = strip_engine_run(&r->eng, r->pool + i * r->mi.input_floats, m, r->pool_rows + i, self + i,
                          "strip-reference", NULL, r->ref_h + i, NULL);
    r->svc->progress(r->ctx, "strip: calibrating on the reference set", i + m, r->pool_n);
  }
  free(self);
  if (!rc)
    rc = calibrate(r);
  for (size_t i = 0; !rc && i < r->pool_n; i++)
    r->hist_ref[hist_bin(r, r->ref_h[i])]++;
  return rc;
}

/* ---- scanning a dataset */

/* Row states in scan_set.state. */
#define ROW_SCANNED 1u
#define ROW_FLAGGED 2u /* below the global threshold: the paper's per-input rule */
#define ROW_BELOW 4u   /* below its class's own clean quantile: the class test's count */

typedef struct scan_set {
  const char *name; /* MG_DATASET_TRAIN or MG_DATASET_INPUTS */
  mg_dataset_info info;
  int by_label;   /* groups are labels (else clean predictions) */
  int32_t *group; /* per row */
  group_stat *gs; /* per class */
  uint8_t *state; /* per row, ROW_* bits */
  float *mean;    /* per row entropy (scanned rows) */
  uint64_t hist[HIST_BINS];
  uint64_t scanned, flagged;
  size_t family; /* hypotheses in the Holm family after Tarone's screen */
} scan_set;

static void scan_free(scan_set *s) {
  free(s->group);
  free(s->gs);
  free(s->state);
  free(s->mean);
}

/* The group of every row: its label, or the model's clean prediction. */
static int assign_groups(strip_run *r, scan_set *s) {
  uint64_t n = s->info.count;
  size_t rf = r->mi.input_floats, b = (size_t)chunk_rows(rf);
  float *x = malloc(b * rf * sizeof *x);
  int32_t *lab = malloc(b * sizeof *lab);
  int rc = x && lab ? MG_OK : MG_ERR_NOMEM;
  s->by_label = s->info.has_labels;
  for (uint64_t i = 0; i < n && !rc; i += b) {
    size_t m = n - i < b ? (size_t)(n - i) : b;
    rc = r->svc->dataset_read(r->ctx, s->name, i, m, x, s->by_label ? lab : NULL);
    if (!rc && s->by_label) {
      for (size_t j = 0; j < m; j++)
        s->group[i + j] = lab[j] >= 0 && (size_t)lab[j] < r->k ? lab[j] : -1;
    } else if (!rc) {
      rc = predict(r, x, m, s->group + i);
      r->svc->progress(r->ctx, "strip: predicting", i + m, n);
    }
  }
  free(x);
  free(lab);
  return rc;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Each group's clean reference rows, grouped the same way as the set: how
 * many fall below the global threshold, and the group's own cut, the k-th
 * smallest of its m clean entropies with k = floor(class_q * (m + 1)).
 * Groups with too few reference rows for that keep k = 0 and are tested at
 * the global threshold instead. */
static int reference_groups(strip_run *r, scan_set *s) {
  double *buf = malloc(r->pool_n * sizeof *buf);
  if (!buf)
    return MG_ERR_NOMEM;
  for (size_t c = 0; c < r->k; c++) {
    group_stat *g = &s->gs[c];
    size_t m = 0;
    for (size_t i = 0; i < r->pool_n; i++) {
      /* An unlabelled reference set is grouped by prediction, the nearest
       * stand-in for its classes. */
      int32_t gi = s->by_label && r->ref_has_labels ? r->pool_labels[i] : r->pool_pred[i];
      if (gi == (int32_t)c) {
        buf[m++] = r->ref_h[i];
        g->ref_flagged += r->ref_h[i] < r->cal.t;
      }
    }
    g->ref_rows = m;
    double kk = floor(r->cfg.class_q * (double)(m + 1));
    if (kk >= 1) {
      qsort(buf, m, sizeof *buf, cmp_double);
      g->k = (uint32_t)kk;
      g->cut = buf[g->k - 1];
    }
  }
  free(buf);
  return MG_OK;
}

/* Early stop at the larger of the two cuts keeps both row flags exact. */
static double stop_for(const strip_run *r, const group_stat *g) {
  return g && g->k && g->cut > r->cal.t ? g->cut : r->cal.t;
}

/* Scans rows[0..m) (sorted), recording each row's entropy and flags. */
static int scan_rows(strip_run *r, scan_set *s, const uint64_t *rows, size_t m, const char *stage) {
  size_t rf = r->mi.input_floats, b = (size_t)chunk_rows(rf);
  float *x = malloc(b * rf * sizeof *x);
  int32_t *lab = malloc(b * sizeof *lab);
  double *mean = malloc(b * sizeof *mean), *stop = malloc(b * sizeof *stop);
  int rc = x && lab && mean && stop ? MG_OK : MG_ERR_NOMEM;
  char stream[64];
  snprintf(stream, sizeof stream, "strip-%s", s->name);
  for (size_t i = 0; i < m && !rc; i += b) {
    size_t c = m - i < b ? m - i : b;
    for (size_t j = 0; j < c; j++) {
      int32_t g = s->group[rows[i + j]];
      stop[j] = stop_for(r, g >= 0 ? &s->gs[g] : NULL);
    }
    rc = read_rows(r, s->name, rows + i, c, rf, x, s->info.has_labels ? lab : NULL);
    if (!rc)
      rc = strip_engine_run(&r->eng, x, c, rows + i, NULL, stream, stop, mean, NULL);
    for (size_t j = 0; !rc && j < c; j++) {
      uint64_t row = rows[i + j];
      int32_t g = s->group[row];
      uint8_t st = ROW_SCANNED;
      if (mean[j] < r->cal.t)
        st |= ROW_FLAGGED;
      if (g >= 0 && s->gs[g].k && mean[j] < s->gs[g].cut)
        st |= ROW_BELOW;
      s->state[row] = st;
      s->mean[row] = (float)mean[j];
      s->hist[hist_bin(r, mean[j])]++;
      s->scanned++;
      s->flagged += !!(st & ROW_FLAGGED);
      if (g >= 0) {
        s->gs[g].scanned++;
        s->gs[g].flagged += !!(st & ROW_FLAGGED);
        s->gs[g].below += !!(st & ROW_BELOW);
      }
    }
    r->svc->progress(r->ctx, stage, i + c, m);
  }
  free(x);
  free(lab);
  free(mean);
  free(stop);
  return rc;
}

static uint64_t reference_below_threshold(const strip_run *r) {
  uint64_t below = 0;
  for (size_t i = 0; i < r->pool_n; i++)
    below += r->ref_h[i] < r->cal.t;
  return below;
}

/* The class test. With a class cut: the count of scanned rows below it is
 * beta-binomial BB(n, k, m - k + 1) when the class's training rows are
 * exchangeable with its clean reference rows (exact, whatever the entropy
 * distribution); the class must also exceed the other classes' rate below
 * their own cuts (rest_below of rest_scanned), which guards against a shift
 * common to all classes; the p-value is the larger of the two. Without a
 * cut: Fisher's exact test at the global threshold against the class's
 * reference rows, or the whole reference set when the class has none. */
static void group_test(strip_run *r, group_stat *g, uint64_t rest_below, uint64_t rest_scanned) {
  g->p = g->p_exch = g->p_rest = 1.0;
  g->p_min = 1.0;
  if (!g->scanned)
    return;
  if (g->k) {
    double a = g->k, b = (double)(g->ref_rows - g->k + 1);
    g->p_exch = ht_betabinom_sf(g->below, g->scanned, a, b);
    g->p_rest =
        rest_scanned ? ht_fisher_greater(g->below, g->scanned, rest_below, rest_scanned) : 1.0;
    g->p = fmax(g->p_exch, g->p_rest);
    g->p_min = fmax(ht_betabinom_sf(g->scanned, g->scanned, a, b),
                    rest_scanned ? ht_fisher_min(g->scanned, rest_scanned, g->scanned) : 1.0);
  } else if (g->ref_rows) {
    g->p = ht_fisher_greater(g->flagged, g->scanned, g->ref_flagged, g->ref_rows);
    g->p_min = ht_fisher_min(g->scanned, g->ref_rows, g->flagged + g->ref_flagged);
  } else {
    uint64_t below = reference_below_threshold(r);
    g->p = ht_fisher_greater(g->flagged, g->scanned, below, r->pool_n);
    g->p_min = ht_fisher_min(g->scanned, r->pool_n, g->flagged + below);
  }
}

static int emit_group(strip_run *r, scan_set *s, int32_t c) {
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
             (unsigned long long)(g->ref_rows ? g->ref_flagged : reference_below_threshold(r)),
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
  char *evs = json_dumps(ev, JSON_COMPACT);
  json_decref(ev);
  mg_finding f = MG_FINDING_INIT;
  f.severity = sev;
  f.rule = train ? "low-entropy-rows" : "low-entropy-inputs";
  f.title = title;
  f.message = msg;
  f.atlas = train ? atlas_all : atlas_inputs;
  f.label = c;
  f.dataset = s->name;
  f.indices = rows;
  f.n_indices = n;
  f.score = ht_score(g->p_adj);
  f.evidence_json = evs;
  int rc = r->svc->emit(r->ctx, &f);
  free(evs);
  free(rows);
  return rc;
}

static json_t *hist_json(const uint64_t *h) {
  json_t *a = json_array();
  for (int i = 0; i < HIST_BINS; i++)
    json_array_append_new(a, json_integer((json_int_t)h[i]));
  return a;
}

static json_t *set_evidence(strip_run *r, const scan_set *s) {
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
                   hist_json(s->hist));
}

/* Every group's test, the other classes' pooled rate included, then Holm
 * within Tarone's screen. */
static int decide(strip_run *r, scan_set *s) {
  uint64_t all_below = 0, all_scanned = 0;
  for (size_t c = 0; c < r->k; c++)
    if (s->gs[c].k) {
      all_below += s->gs[c].below;
      all_scanned += s->gs[c].scanned;
    }
  double *p = malloc(r->k * sizeof *p), *pmin = malloc(r->k * sizeof *pmin);
  size_t *which = malloc(r->k * sizeof *which);
  size_t tested = 0;
  int rc = p && pmin && which ? MG_OK : MG_ERR_NOMEM;
  for (size_t c = 0; !rc && c < r->k; c++) {
    group_stat *g = &s->gs[c];
    if (g->k)
      group_test(r, g, all_below - g->below, all_scanned - g->scanned);
    else
      group_test(r, g, 0, 0);
    g->p_adj = 1.0;
    if (!g->scanned)
      continue;
    which[tested] = c;
    pmin[tested] = g->p_min;
    p[tested++] = g->p;
  }
  long family = rc ? -1 : ht_holm_tarone(p, pmin, tested, MGD_P_LOW, p);
  if (!rc && family < 0)
    rc = MG_ERR_NOMEM;
  for (size_t i = 0; !rc && i < tested; i++)
    s->gs[which[i]].p_adj = p[i];
  s->family = family < 0 ? 0 : (size_t)family;
  free(p);
  free(pmin);
  free(which);
  return rc;
}

/* Screening pass on a random sample of each class, then every row of the
 * classes that look implicated, then the class tests. */
static int scan_dataset(strip_run *r, const char *name, uint64_t sample) {
  scan_set s;
  memset(&s, 0, sizeof s);
  s.name = name;
  s.info.struct_size = sizeof s.info;
  int rc = r->svc->dataset_info(r->ctx, name, &s.info);
  if (rc)
    return rc;
  if (s.info.row_floats != r->mi.input_floats)
    return MG_ERR_FORMAT;
  uint64_t n = s.info.count;
  s.group = malloc((n ? n : 1) * sizeof *s.group);
  s.gs = calloc(r->k, sizeof *s.gs);
  s.state = calloc(n ? n : 1, 1);
  s.mean = malloc((n ? n : 1) * sizeof *s.mean);
  uint64_t *order = malloc((n ? n : 1) * sizeof *order);
  uint64_t *first = calloc(r->k + 1, sizeof *first);
  uint64_t *pick = malloc((n ? n : 1) * sizeof *pick);
  if (!s.group || !s.gs || !s.state || !s.mean || !order || !first || !pick)
    rc = MG_ERR_NOMEM;
  if (!rc)
    rc = assign_groups(r, &s);
  if (!rc)
    rc = reference_groups(r, &s);
  size_t m = 0;
  if (!rc) {
    /* Rows bucketed by group (counting sort), each bucket shuffled. */
    for (uint64_t i = 0; i < n; i++)
      if (s.group[i] >= 0)
        s.gs[s.group[i]].rows++;
    for (size_t c = 0; c < r->k; c++)
      first[c + 1] = first[c] + s.gs[c].rows;
    uint64_t *fill = calloc(r->k, sizeof *fill);
    if (!fill)
      rc = MG_ERR_NOMEM;
    for (uint64_t i = 0; !rc && i < n; i++)
      if (s.group[i] >= 0) {
        int32_t g = s.group[i];
        order[first[g] + fill[g]++] = i;
      }
    free(fill);
    char stream[64];
    snprintf(stream, sizeof stream, "strip-sample-%s", name);
    mgd_rng g;
    mgd_rng_seed(&g, r->svc->seed(r->ctx), stream);
    for (size_t c = 0; !rc && c < r->k; c++) {
      size_t len = (size_t)s.gs[c].rows;
      mgd_rng_shuffle(&g, order + first[c], len);
      size_t take = sample && sample < len ? (size_t)sample : len;
      memcpy(pick + m, order + first[c], take * sizeof *pick);
      m += take;
    }
    qsort(pick, m, sizeof *pick, cmp_u64);
  }
  char stage[96];
  snprintf(stage, sizeof stage, "strip: scanning %s", name);
  if (!rc)
    rc = scan_rows(r, &s, pick, m, stage);
  if (!rc) {
    /* Classes that look implicated on the sample alone (their own test,
     * without the other-classes guard) are scanned in full. */
    m = 0;
    for (size_t c = 0; c < r->k; c++) {
      group_stat *gs = &s.gs[c];
      group_test(r, gs, 0, 0);
      double screen_p = gs->k ? gs->p_exch : gs->p;
      if (gs->scanned >= gs->rows || !(screen_p < r->cfg.screen))
        continue;
      gs->extended = 1;
      for (uint64_t j = first[c]; j < first[c + 1]; j++)
        if (!s.state[order[j]])
          pick[m++] = order[j];
    }
    qsort(pick, m, sizeof *pick, cmp_u64);
    snprintf(stage, sizeof stage, "strip: scanning implicated classes of %s", name);
    if (m)
      rc = scan_rows(r, &s, pick, m, stage);
  }
  if (!rc)
    rc = decide(r, &s);
  for (size_t c = 0; !rc && c < r->k; c++)
    rc = emit_group(r, &s, (int32_t)c);
  if (!rc) {
    json_object_set_new(r->ev, name, set_evidence(r, &s));
    if (!strcmp(name, MG_DATASET_TRAIN))
      rc = strip_plot_attach(r->svc, r->ctx, "strip-entropy", r->hist_ref, s.hist, HIST_BINS,
                             r->hist_hi, r->cal.t, "training");
  }
  free(order);
  free(first);
  free(pick);
  scan_free(&s);
  return rc;
}

/* ---- entry points */

static int strip_run_plugin(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  strip_run r;
  memset(&r, 0, sizeof r);
  r.svc = svc;
  r.ctx = ctx;
  r.mi.struct_size = sizeof r.mi;
  int rc = read_cfg(&r);
  if (!rc)
    rc = svc->model_info(ctx, &r.mi);
  mg_dataset_info ri = {.struct_size = sizeof ri};
  if (!rc)
    rc = svc->dataset_info(ctx, MG_DATASET_REFERENCE, &ri);
  if (!rc && (ri.row_floats != r.mi.input_floats || r.mi.num_classes < 2)) {
    svc->log(ctx, MG_LOG_ERROR,
             "strip: the reference rows (%llu floats) do not fit the model input",
             (unsigned long long)ri.row_floats);
    rc = MG_ERR_FORMAT;
  }
  r.k = r.mi.num_classes;
  r.hist_hi = log((double)r.k);
  r.ev = json_object();
  if (!rc)
    rc = load_pool(&r, &ri);
  if (!rc)
    rc = strip_engine_init(&r.eng, svc, ctx, r.pool, r.pool_n, r.mi.input_floats, r.k, r.cfg.n,
                           svc->seed(ctx));
  if (!rc)
    rc = run_calibration(&r);
  if (!rc) {
    json_object_set_new(
        r.ev, "calibration",
        json_pack("{s:I, s:i, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:s, s:o}", "rows",
                  (json_int_t)r.pool_n, "overlays", (int)r.cfg.n, "target_frr", r.cfg.frr,
                  "threshold", r.cal.t, "threshold_gaussian", r.cal.t_gauss, "entropy_mean",
                  r.cal.mu, "entropy_sd", r.cal.sd, "frr_in_sample", r.cal.frr_in, "frr_heldout",
                  r.cal.frr_heldout, "frr_heldout_upper95", r.cal.frr_heldout_upper,
                  "frr_heldout_gaussian", r.cal.frr_heldout_gauss, "decision",
                  "empirical quantile (distribution-free; the normal fit is reported "
                  "for comparison)",
                  "histogram", hist_json(r.hist_ref)));
    json_object_set_new(
        r.ev, "histogram_bins",
        json_pack("{s:i, s:f, s:f}", "count", HIST_BINS, "lo", 0.0, "hi", r.hist_hi));
  }
  mg_dataset_info ti = {.struct_size = sizeof ti};
  if (!rc && svc->dataset_info(ctx, MG_DATASET_TRAIN, &ti) == MG_OK)
    rc = scan_dataset(&r, MG_DATASET_TRAIN, r.cfg.sample);
  const char *inputs = svc->option(ctx, "inputs");
  mg_dataset_info ii = {.struct_size = sizeof ii};
  if (!rc && inputs && !strcmp(inputs, "1") &&
      svc->dataset_info(ctx, MG_DATASET_INPUTS, &ii) == MG_OK)
    rc = scan_dataset(&r, MG_DATASET_INPUTS, 0);
  if (!rc) {
    json_object_set_new(r.ev, "forward_passes", json_integer((json_int_t)r.eng.passes));
    json_object_set_new(r.ev, "options",
                        json_pack("{s:i, s:f, s:I, s:I, s:f}", "n", (int)r.cfg.n, "frr", r.cfg.frr,
                                  "sample", (json_int_t)r.cfg.sample, "pool",
                                  (json_int_t)r.cfg.pool_max, "screen", r.cfg.screen));
    json_t *wrap = json_pack("{s:O}", "strip", r.ev);
    char *s = json_dumps(wrap, JSON_COMPACT);
    json_decref(wrap);
    rc = s ? svc->evidence(ctx, s) : MG_ERR_NOMEM;
    free(s);
  }
  json_decref(r.ev);
  strip_engine_free(&r.eng);
  free(r.pool);
  free(r.pool_rows);
  free(r.pool_labels);
  free(r.pool_pred);
  free(r.ref_h);
  return rc;
}

static const mg_plugin descriptor = {
    MG_PLUGIN_HEADER,
    "strip",
    "0.1.0",
    "STRIP: training rows and inputs whose prediction survives superimposition (trigger-like)",
    MG_NEED_MODEL | MG_NEED_REFERENCE,
    atlas_all,
    mitigations,
    controls,
    NULL,
    strip_run_plugin,
    NULL,
};

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &descriptor;
}
