/* STRIP over one dataset: each row's group (label or clean prediction), the
 * reference rows of each group, a screening pass on a random sample of
 * every class, every row of the classes that look implicated, then the
 * class tests, findings, evidence and plot. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hyptest.h"
#include "mgd.h"
#include "strip_plot.h"
#include "strip_run.h"

static void scan_free(scan_set *s) {
  free(s->group);
  free(s->gs);
  free(s->state);
  free(s->mean);
}

/* The group of every row: its label, or the model's clean prediction. */
static int assign_groups(strip_run *r, scan_set *s) {
  uint64_t n = s->info.count;
  size_t rf = r->mi.input_floats, b = (size_t)strip_chunk_rows(rf);
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
      rc = strip_predict(r, x, m, s->group + i);
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
  size_t rf = r->mi.input_floats, b = (size_t)strip_chunk_rows(rf);
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
    rc = strip_read_rows(r, s->name, rows + i, c, rf, x, s->info.has_labels ? lab : NULL);
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
      s->hist[strip_hist_bin(r, mean[j])]++;
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

/* Screening pass on a random sample of each class, then every row of the
 * classes that look implicated, then the class tests. */
int strip_scan_dataset(strip_run *r, const char *name, uint64_t sample) {
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
    qsort(pick, m, sizeof *pick, strip_cmp_u64);
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
      strip_group_test(r, gs, 0, 0);
      double screen_p = gs->k ? gs->p_exch : gs->p;
      if (gs->scanned >= gs->rows || !(screen_p < r->cfg.screen))
        continue;
      gs->extended = 1;
      for (uint64_t j = first[c]; j < first[c + 1]; j++)
        if (!s.state[order[j]])
          pick[m++] = order[j];
    }
    qsort(pick, m, sizeof *pick, strip_cmp_u64);
    snprintf(stage, sizeof stage, "strip: scanning implicated classes of %s", name);
    if (m)
      rc = scan_rows(r, &s, pick, m, stage);
  }
  if (!rc)
    rc = strip_decide(r, &s);
  for (size_t c = 0; !rc && c < r->k; c++)
    rc = strip_emit_group(r, &s, (int32_t)c);
  if (!rc) {
    json_object_set_new(r->ev, name, strip_set_evidence(r, &s));
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
