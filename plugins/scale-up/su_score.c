/* The engine's measurement: each row's clean prediction, then the
 * model's answers on the method's perturbed copies (scale-up: the pixels
 * amplified; ibd-psc: the model's BatchNorm amplified), and how surely
 * they keep the clean prediction. Forward passes only. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mgd.h"
#include "su_run.h"

int su_score_cmp(const su_score *a, const su_score *b) {
  if (a->rank != b->rank)
    return a->rank > b->rank ? 1 : -1;
  if (a->loss != b->loss)
    return a->loss < b->loss ? 1 : -1;
  return a->tie > b->tie ? 1 : a->tie < b->tie ? -1 : 0;
}

double su_spc(const su_score *s, uint32_t scales) {
  return scales ? (double)s->kept / (double)scales : NAN;
}

size_t su_chunk_rows(const su_run *r) {
  size_t most = r->method->chunk_rows ? r->method->chunk_rows : SU_CHUNK_ROWS;
  size_t fit = SU_CHUNK_BYTES / (r->mi.input_floats * sizeof(float));
  return fit < 1 ? 1 : fit > most ? most : fit;
}

int su_cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

int su_read_rows(su_run *r, const char *name, const uint64_t *rows, size_t m, float *x,
                 int32_t *labels) {
  size_t rf = r->mi.input_floats;
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

/* The forward batch: as many rows as fit in 32 MiB, at most SU_FORWARD_ROWS. */
static size_t forward_rows(const su_run *r) {
  size_t fit = SU_CHUNK_BYTES / (r->mi.input_floats * sizeof(float));
  return fit < 1 ? 1 : fit > SU_FORWARD_ROWS ? SU_FORWARD_ROWS : fit;
}

int su_score_init(su_run *r) {
  size_t b = forward_rows(r);
  r->xb = malloc(b * r->mi.input_floats * sizeof *r->xb);
  r->logits = malloc(b * r->k * sizeof *r->logits);
  return r->xb && r->logits ? MG_OK : MG_ERR_NOMEM;
}

void su_score_free(su_run *r) {
  free(r->xb);
  free(r->logits);
  r->xb = r->logits = NULL;
}

/* -log softmax(row)[c], exact for tiny losses: when c is the arg max the
 * loss is log1p of the other classes' summed odds, which keeps its
 * resolution down to 1e-300 (confident rows differ only there). */
double su_class_loss(const float *row, size_t k, size_t c) {
  double m = row[0];
  for (size_t j = 1; j < k; j++)
    if (row[j] > m)
      m = row[j];
  if ((double)row[c] >= m) {
    double rest = 0;
    for (size_t j = 0; j < k; j++)
      if (j != c)
        rest += exp((double)row[j] - m);
    return log1p(rest);
  }
  double s = 0;
  for (size_t j = 0; j < k; j++)
    s += exp((double)row[j] - m);
  return m + log(s) - (double)row[c];
}

static size_t arg_max(const float *row, size_t k) {
  size_t best = 0;
  for (size_t c = 1; c < k; c++)
    if (row[c] > row[best])
      best = c;
  return best;
}

int su_predict(su_run *r, const float *x, size_t n, int32_t *pred) {
  size_t b = forward_rows(r), rf = r->mi.input_floats;
  for (size_t i = 0; i < n; i += b) {
    size_t m = n - i < b ? n - i : b;
    int rc = r->svc->model_forward(r->ctx, x + i * rf, m, r->logits, NULL, NULL);
    if (rc)
      return rc;
    r->passes += m;
    for (size_t j = 0; j < m; j++)
      pred[i + j] = (int32_t)arg_max(r->logits + j * r->k, r->k);
  }
  return MG_OK;
}

/* One block of at most forward_rows() rows: the clean pass, then one pass
 * per copy. */
static int score_block(su_run *r, const float *x, size_t m, su_score *out) {
  size_t k = r->k;
  int rc = r->svc->model_forward(r->ctx, x, m, r->logits, NULL, NULL);
  if (rc)
    return rc;
  r->passes += m;
  for (size_t i = 0; i < m; i++) {
    out[i].pred = (int32_t)arg_max(r->logits + i * k, k);
    out[i].kept = 0;
    out[i].loss = 0;
  }
  for (uint32_t v = 0; v < r->cfg.scales; v++) {
    rc = r->method->forward_copy(r, v, x, m, r->logits);
    if (rc)
      return rc;
    r->passes += m;
    for (size_t i = 0; i < m; i++) {
      const float *row = r->logits + i * k;
      size_t c = (size_t)out[i].pred;
      out[i].kept += arg_max(row, k) == c;
      double l = r->method->copy_loss(row, k, c);
      if (!isfinite(l))
        return MG_ERR_NUMERIC;
      out[i].loss += l;
    }
  }
  for (size_t i = 0; i < m; i++) {
    out[i].loss /= (double)r->cfg.scales;
    out[i].rank = r->method->loss_only ? 0 : out[i].kept;
  }
  return MG_OK;
}

int su_score_rows(su_run *r, const su_rows *rows, su_score *out) {
  if (r->method->score)
    return r->method->score(r, rows, out);
  const float *x = rows->x;
  size_t m = rows->m, b = forward_rows(r), rf = r->mi.input_floats;
  for (size_t i = 0; i < m; i += b) {
    size_t c = m - i < b ? m - i : b;
    int rc = score_block(r, x + i * rf, c, out + i);
    if (rc)
      return rc;
  }
  /* The tie-break depends on the row's id only, never on batching. */
  for (size_t i = 0; i < m; i++) {
    mgd_rng g;
    mgd_rng_seed(&g, r->svc->seed(r->ctx) ^ (rows->ids[i] * 0x9e3779b97f4a7c15ULL), rows->stream);
    out[i].tie = mgd_rng_uniform(&g);
  }
  return MG_OK;
}
