/* k nearest clean neighbours of each row in the model's feature space, and
 * their label vote. Cosine similarity of features centred by the clean
 * reference mean (ReLU features are all positive: uncentred, every pair
 * would look alike), computed block by block with cblas_sgemm so only a
 * block x pool slab of similarities is ever held. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "knn.h"

/* Query rows per sgemm block: 256 x 2,000 reference rows is 2 MB. */
#define KNN_BLOCK 256

void knn_normalise(float *x, size_t n, size_t d, const float *mean) {
  for (size_t i = 0; i < n; i++) {
    float *r = x + i * d;
    double s = 0;
    for (size_t j = 0; j < d; j++) {
      r[j] -= mean[j];
      s += (double)r[j] * r[j];
    }
    float inv = s > 0 ? (float)(1 / sqrt(s)) : 0;
    for (size_t j = 0; j < d; j++)
      r[j] *= inv;
  }
}

/* The k largest of sim[0..m) (skipping index skip), by insertion into a
 * small sorted list: k is tens, m thousands. */
static void top_k(const float *sim, size_t m, size_t skip, const int32_t *labels,
                  int32_t other_than, size_t k, float *bv, uint32_t *bi, size_t *found) {
  size_t have = 0;
  for (size_t j = 0; j < m; j++) {
    if (j == skip || (other_than >= 0 && labels[j] == other_than))
      continue;
    float s = sim[j];
    if (have == k && !(s > bv[k - 1]))
      continue;
    size_t p = have < k ? have++ : k - 1;
    while (p > 0 && bv[p - 1] < s) {
      bv[p] = bv[p - 1];
      bi[p] = bi[p - 1];
      p--;
    }
    bv[p] = s;
    bi[p] = (uint32_t)j;
  }
  *found = have;
}

/* The k nearest pool rows of every query row, block by block; fn gets each
 * row's indices in order of similarity, highest first. */
static int knn_each(const float *q, size_t nq, const float *pool, const int32_t *pool_labels,
                    size_t m, size_t d, size_t k, int self, int32_t other_than, knn_row_fn fn,
                    void *arg) {
  if (k == 0 || m < k + (self ? 1 : 0))
    return -1;
  float *sim = malloc((size_t)KNN_BLOCK * m * sizeof *sim), *bv = malloc(k * sizeof *bv);
  uint32_t *bi = malloc(k * sizeof *bi);
  int rc = -1;
  if (!sim || !bv || !bi)
    goto done;
  for (size_t b0 = 0; b0 < nq; b0 += KNN_BLOCK) {
    size_t nb = nq - b0 < KNN_BLOCK ? nq - b0 : KNN_BLOCK;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, (int)m, (int)d, 1.0f, q + b0 * d,
                (int)d, pool, (int)d, 0.0f, sim, (int)m);
    for (size_t i = 0; i < nb; i++) {
      size_t found = 0;
      top_k(sim + i * m, m, self ? b0 + i : (size_t)-1, pool_labels, other_than, k, bv, bi, &found);
      fn(arg, b0 + i, bi, found);
    }
  }
  rc = 0;
done:
  free(sim);
  free(bv);
  free(bi);
  return rc;
}

int knn_neighbours(const float *q, size_t nq, const float *pool, size_t m, size_t d, size_t k,
                   int self, knn_row_fn fn, void *arg) {
  return knn_each(q, nq, pool, NULL, m, d, k, self, -1, fn, arg);
}

typedef struct count_arg {
  const int32_t *labels;
  uint32_t n_labels;
  uint32_t *counts;
} count_arg;

static void count_row(void *arg, size_t row, const uint32_t *idx, size_t found) {
  count_arg *c = arg;
  for (size_t j = 0; j < found; j++) {
    int32_t l = c->labels[idx[j]];
    if (l >= 0 && (uint32_t)l < c->n_labels)
      c->counts[row * c->n_labels + (size_t)l]++;
  }
}

/* The vote counts of every query row (counts: nq x n_labels). */
static int knn_counts(const float *q, size_t nq, const float *pool, const int32_t *pool_labels,
                      size_t m, size_t d, size_t k, uint32_t n_labels, int self, int32_t other_than,
                      uint32_t *counts) {
  count_arg c = {pool_labels, n_labels, counts};
  memset(counts, 0, nq * n_labels * sizeof *counts);
  return knn_each(q, nq, pool, pool_labels, m, d, k, self, other_than, count_row, &c);
}

int knn_vote(const float *q, size_t nq, const float *pool, const int32_t *pool_labels, size_t m,
             size_t d, size_t k, uint32_t n_labels, int self, int32_t other_than, knn_vote_t *out) {
  if (k == 0 || m < k + (self ? 1 : 0) || !n_labels)
    return -1;
  uint32_t *count = malloc((nq ? nq : 1) * n_labels * sizeof *count);
  if (!count || knn_counts(q, nq, pool, pool_labels, m, d, k, n_labels, self, other_than, count)) {
    free(count);
    return -1;
  }
  for (size_t i = 0; i < nq; i++) {
    const uint32_t *c = count + i * n_labels;
    uint32_t best = 0;
    for (uint32_t l = 1; l < n_labels; l++)
      if (c[l] > c[best])
        best = l;
    out[i].top = (int32_t)best;
    out[i].top_votes = c[best];
  }
  free(count);
  return 0;
}

int knn_label_counts(const float *q, size_t nq, const float *pool, const int32_t *pool_labels,
                     size_t m, size_t d, size_t k, uint32_t n_labels, int self, uint32_t *counts) {
  return knn_counts(q, nq, pool, pool_labels, m, d, k, n_labels, self, -1, counts);
}
