/* The engine over one dataset: each row's group (label, or clean prediction
 * for unlabelled rows), each group's clean reference cut, a screening pass
 * on a random sample of every class, every row of the classes that look
 * implicated, then the class tests, findings and evidence. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mgd.h"
#include "su_run.h"

static void set_free(su_set *s) {
  free(s->group);
  free(s->gs);
  free(s->state);
  free(s->score);
}

/* Every row's group: its label, or (for a set without labels) its clean
 * prediction. */
static int assign_groups(su_run *r, su_set *s) {
  uint64_t n = s->info.count;
  size_t rf = r->mi.input_floats, b = su_chunk_rows(r);
  float *x = malloc(b * rf * sizeof *x);
  int32_t *lab = malloc(b * sizeof *lab);
  int rc = x && lab ? MG_OK : MG_ERR_NOMEM;
  char stage[96];
  snprintf(stage, sizeof stage, "%s: predicting", r->method->name);
  s->by_label = s->info.has_labels;
  for (uint64_t i = 0; i < n && !rc; i += b) {
    size_t m = n - i < b ? (size_t)(n - i) : b;
    rc = r->svc->dataset_read(r->ctx, s->name, i, m, x, s->by_label ? lab : NULL);
    if (!rc && s->by_label) {
      for (size_t j = 0; j < m; j++)
        s->group[i + j] = lab[j] >= 0 && (size_t)lab[j] < r->k ? lab[j] : -1;
    } else if (!rc) {
      rc = su_predict(r, x, m, s->group + i);
      r->svc->progress(r->ctx, stage, i + m, n);
    }
  }
  free(x);
  free(lab);
  return rc;
}

static int cmp_desc(const void *a, const void *b) {
  return -su_score_cmp((const su_score *)a, (const su_score *)b);
}

/* Each group's clean reference rows, grouped as the set is: how many score
 * above the global threshold, and the group's own cut, the k-th most
 * consistent of its m clean scores with k = floor(class_q * (m + 1)).
 * Groups with too few reference rows keep k = 0 (global test instead). */
static int reference_groups(su_run *r, su_set *s) {
  su_score *buf = malloc(r->ref_n * sizeof *buf);
  if (!buf)
    return MG_ERR_NOMEM;
  for (size_t c = 0; c < r->k; c++) {
    su_group *g = &s->gs[c];
    size_t m = 0;
    for (size_t i = 0; i < r->ref_n; i++) {
      /* An unlabelled reference set is grouped by prediction. */
      int32_t gi = s->by_label && r->ref_has_labels ? r->ref_labels[i] : r->ref_s[i].pred;
      if (gi == (int32_t)c) {
        buf[m++] = r->ref_s[i];
        g->ref_flagged += su_score_cmp(&r->ref_s[i], &r->cal.t) > 0;
      }
    }
    g->ref_rows = m;
    double kk = floor(r->cfg.class_q * (double)(m + 1));
    if (kk >= 1) {
      qsort(buf, m, sizeof *buf, cmp_desc);
      g->k = (uint32_t)kk;
      g->cut = buf[g->k - 1];
    }
  }
  free(buf);
  return MG_OK;
}

/* Records one scored row: its flags and counts. */
static void record(su_run *r, su_set *s, uint64_t row, const su_score *sc) {
  int32_t g = s->group[row];
  uint8_t st = SU_SCANNED;
  if (su_score_cmp(sc, &r->cal.t) > 0)
    st |= SU_FLAGGED;
  if (g >= 0 && s->gs[g].k && su_score_cmp(sc, &s->gs[g].cut) > 0)
    st |= SU_ABOVE;
  s->state[row] = st;
  s->score[row] = *sc;
  s->scanned++;
  s->flagged += !!(st & SU_FLAGGED);
  if (g >= 0) {
    su_group *gs = &s->gs[g];
    gs->scanned++;
    gs->flagged += !!(st & SU_FLAGGED);
    gs->above += !!(st & SU_ABOVE);
    gs->spc_hist[sc->kept]++;
  }
}

/* The least trigger-like of the cuts a row of group g is compared with. */
static su_score bound_for(const su_run *r, const su_group *g) {
  return g && g->k && su_score_cmp(&g->cut, &r->cal.t) < 0 ? g->cut : r->cal.t;
}

/* Scores rows[0..m) (sorted). */
static int scan_rows(su_run *r, su_set *s, const uint64_t *rows, size_t m, const char *stage) {
  size_t rf = r->mi.input_floats, b = su_chunk_rows(r);
  float *x = malloc(b * rf * sizeof *x);
  su_score *sc = malloc(b * sizeof *sc), *bound = malloc(b * sizeof *bound);
  int rc = x && sc && bound ? MG_OK : MG_ERR_NOMEM;
  char stream[64];
  snprintf(stream, sizeof stream, "%s-%s", r->method->name, s->name);
  for (size_t i = 0; i < m && !rc; i += b) {
    size_t c = m - i < b ? m - i : b;
    for (size_t j = 0; j < c; j++) {
      int32_t g = s->group[rows[i + j]];
      bound[j] = bound_for(r, g >= 0 ? &s->gs[g] : NULL);
    }
    rc = su_read_rows(r, s->name, rows + i, c, x, NULL);
    su_rows batch = {
        .x = x, .m = c, .ids = rows + i, .stream = stream, .ref_first = SIZE_MAX, .bound = bound};
    if (!rc)
      rc = su_score_rows(r, &batch, sc);
    for (size_t j = 0; !rc && j < c; j++)
      record(r, s, rows[i + j], &sc[j]);
    r->svc->progress(r->ctx, stage, i + c, m);
  }
  free(x);
  free(sc);
  free(bound);
  return rc;
}

/* Bucket rows by group (counting sort), shuffle each bucket, and pick the
 * screening sample (every row when sample is 0 or above the bucket). */
static int pick_sample(su_run *r, su_set *s, uint64_t sample, uint64_t *order, uint64_t *first,
                       uint64_t *pick, size_t *m_out) {
  uint64_t n = s->info.count;
  uint64_t *fill = calloc(r->k, sizeof *fill);
  if (!fill)
    return MG_ERR_NOMEM;
  for (uint64_t i = 0; i < n; i++)
    if (s->group[i] >= 0)
      s->gs[s->group[i]].rows++;
  for (size_t c = 0; c < r->k; c++)
    first[c + 1] = first[c] + s->gs[c].rows;
  for (uint64_t i = 0; i < n; i++)
    if (s->group[i] >= 0) {
      int32_t g = s->group[i];
      order[first[g] + fill[g]++] = i;
    }
  free(fill);
  char stream[64];
  snprintf(stream, sizeof stream, "%s-sample-%s", r->method->name, s->name);
  mgd_rng g;
  mgd_rng_seed(&g, r->svc->seed(r->ctx), stream);
  size_t m = 0;
  for (size_t c = 0; c < r->k; c++) {
    size_t len = (size_t)s->gs[c].rows;
    mgd_rng_shuffle(&g, order + first[c], len);
    size_t take = sample && sample < len ? (size_t)sample : len;
    memcpy(pick + m, order + first[c], take * sizeof *pick);
    m += take;
  }
  qsort(pick, m, sizeof *pick, su_cmp_u64);
  *m_out = m;
  return MG_OK;
}

int su_scan_dataset(su_run *r, const char *name, uint64_t sample) {
  su_set s;
  memset(&s, 0, sizeof s);
  s.name = name;
  s.info.struct_size = sizeof s.info;
  int rc = r->svc->dataset_info(r->ctx, name, &s.info);
  if (rc)
    return rc;
  if (s.info.row_floats != r->mi.input_floats) {
    r->svc->log(r->ctx, MG_LOG_ERROR, "%s: %s rows (%llu floats) do not fit the model input",
                r->method->name, name, (unsigned long long)s.info.row_floats);
    return MG_ERR_FORMAT;
  }
  uint64_t n = s.info.count, n1 = n ? n : 1;
  s.group = malloc(n1 * sizeof *s.group);
  s.gs = calloc(r->k, sizeof *s.gs);
  s.state = calloc(n1, 1);
  s.score = malloc(n1 * sizeof *s.score);
  uint64_t *order = malloc(n1 * sizeof *order);
  uint64_t *first = calloc(r->k + 1, sizeof *first);
  uint64_t *pick = malloc(n1 * sizeof *pick);
  if (!s.group || !s.gs || !s.state || !s.score || !order || !first || !pick)
    rc = MG_ERR_NOMEM;
  if (!rc)
    rc = assign_groups(r, &s);
  if (!rc)
    rc = reference_groups(r, &s);
  char stage[96];
  snprintf(stage, sizeof stage, "%s: scanning %s", r->method->name, name);
  size_t m = 0;
  if (!rc)
    rc = pick_sample(r, &s, sample, order, first, pick, &m);
  if (!rc)
    rc = scan_rows(r, &s, pick, m, stage);
  if (!rc) {
    /* Classes that look implicated on the sample alone (their own test,
     * without the other-classes guard) are scanned in full. */
    m = 0;
    for (size_t c = 0; c < r->k; c++) {
      su_group *gs = &s.gs[c];
      su_group_test(r, gs, 0, 0);
      double screen_p = gs->k ? gs->p_exch : gs->p;
      if (gs->scanned >= gs->rows || !(screen_p < r->cfg.screen))
        continue;
      gs->extended = 1;
      for (uint64_t j = first[c]; j < first[c + 1]; j++)
        if (!s.state[order[j]])
          pick[m++] = order[j];
    }
    qsort(pick, m, sizeof *pick, su_cmp_u64);
    snprintf(stage, sizeof stage, "%s: scanning implicated classes of %s", r->method->name, name);
    if (m)
      rc = scan_rows(r, &s, pick, m, stage);
  }
  if (!rc)
    rc = su_decide(r, &s);
  for (size_t c = 0; !rc && c < r->k; c++)
    rc = su_emit_group(r, &s, (int32_t)c);
  if (!rc) {
    json_t *ev = su_set_evidence(r, &s);
    json_object_set_new(r->ev, name, ev);
    if (r->method->scanned)
      rc = r->method->scanned(r, &s, ev);
  }
  free(order);
  free(first);
  free(pick);
  set_free(&s);
  return rc;
}
