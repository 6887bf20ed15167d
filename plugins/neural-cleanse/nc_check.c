/* Attack success and naturalness of each reversed trigger (nc_check.h).
 * The premise of the naturalness check is the one activation clustering
 * (Chen et al. 2018) and spectral signatures (Tran et al. 2018) rest on:
 * inputs carrying a backdoor trigger form their own sub-population in the
 * target class's representation, away from its clean inputs, whereas the
 * smallest trigger of a class that is merely easy to reach is made of that
 * class's own features and moves inputs toward its clean rows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nc_check.h"

#define NC_CHECK_CHUNK 128

/* Mean feature vector of the clean rows (all, and per class by label, or
 * by the model's prediction when the set has no labels). */
static int clean_means(const nc_problem *pb, uint64_t dim, double *all, double *per,
                       size_t *count) {
  const mg_services *svc = pb->svc;
  size_t chw = (size_t)pb->channels * pb->height * pb->width, K = pb->classes;
  float *f = malloc(NC_CHECK_CHUNK * dim * sizeof *f),
        *lg = malloc(NC_CHECK_CHUNK * K * sizeof *lg);
  int rc = f && lg ? MG_OK : MG_ERR_NOMEM;
  memset(all, 0, dim * sizeof *all);
  memset(per, 0, K * dim * sizeof *per);
  memset(count, 0, K * sizeof *count);
  for (size_t first = 0; !rc && first < pb->n; first += NC_CHECK_CHUNK) {
    size_t n = pb->n - first < NC_CHECK_CHUNK ? pb->n - first : NC_CHECK_CHUNK;
    rc = svc->model_forward(pb->ctx, pb->x + first * chw, n, lg, NULL, f);
    for (size_t r = 0; !rc && r < n; r++) {
      int32_t l = pb->labels ? pb->labels[first + r] : -1;
      if (l < 0 || (size_t)l >= K) {
        l = 0;
        for (size_t j = 1; j < K; j++)
          if (lg[r * K + j] > lg[r * K + (size_t)l])
            l = (int32_t)j;
      }
      count[l]++;
      for (uint64_t d = 0; d < dim; d++) {
        all[d] += f[r * dim + d];
        per[(size_t)l * dim + d] += f[r * dim + d];
      }
    }
  }
  for (uint64_t d = 0; !rc && d < dim; d++)
    all[d] /= (double)pb->n;
  for (size_t c = 0; !rc && c < K; c++)
    for (uint64_t d = 0; count[c] && d < dim; d++)
      per[c * dim + d] /= (double)count[c];
  free(f);
  free(lg);
  return rc;
}

/* Success of one trigger and the mean features of the triggered rows. */
static int triggered(const nc_problem *pb, const nc_result *r, uint64_t dim, double *mean,
                     double *success) {
  const mg_services *svc = pb->svc;
  size_t hw = (size_t)pb->height * pb->width, chw = hw * pb->channels, K = pb->classes;
  float *x = malloc(NC_CHECK_CHUNK * chw * sizeof *x);
  float *lg = malloc(NC_CHECK_CHUNK * K * sizeof *lg);
  float *f = dim ? malloc(NC_CHECK_CHUNK * dim * sizeof *f) : NULL;
  int rc = x && lg && (f || !dim) ? MG_OK : MG_ERR_NOMEM;
  size_t hits = 0, total = 0, i = 0;
  memset(mean, 0, dim * sizeof *mean);
  while (!rc && i < pb->n) {
    size_t n = 0;
    for (; i < pb->n && n < NC_CHECK_CHUNK; i++) {
      if (pb->labels && pb->labels[i] == r->target)
        continue;
      const float *src = pb->x + i * chw;
      float *o = x + n * chw;
      for (size_t c = 0; c < pb->channels; c++)
        for (size_t j = 0; j < hw; j++) {
          float m = r->mask[j];
          o[c * hw + j] = (1.0f - m) * src[c * hw + j] + m * r->pattern[c * hw + j];
        }
      n++;
    }
    if (!n)
      break;
    rc = svc->model_forward(pb->ctx, x, n, lg, NULL, f);
    for (size_t q = 0; !rc && q < n; q++) {
      size_t best = 0;
      for (size_t j = 1; j < K; j++)
        if (lg[q * K + j] > lg[q * K + best])
          best = j;
      hits += best == (size_t)r->target;
      for (uint64_t d = 0; d < dim; d++)
        mean[d] += f[q * dim + d];
    }
    total += n;
  }
  for (uint64_t d = 0; total && d < dim; d++)
    mean[d] /= (double)total;
  *success = total ? (double)hits / (double)total : NAN;
  free(x);
  free(lg);
  free(f);
  return rc;
}

int nc_check_triggers(const nc_problem *pb, nc_result *res, size_t k, double *natural) {
  uint64_t dim = 0;
  double *dir = NULL;
  int rc = nc_check_directions(pb, res, k, natural, &dim, &dir);
  free(dir);
  return rc;
}

int nc_check_directions(const nc_problem *pb, nc_result *res, size_t k, double *natural,
                        uint64_t *dim_out, double **dir_out) {
  const mg_services *svc = pb->svc;
  uint64_t dim = 0;
  /* Without a usable feature layer only the success is measured. */
  if (svc->model_layer_dim(pb->ctx, NULL, &dim) || dim > (UINT64_C(1) << 20))
    dim = 0;
  size_t K = pb->classes, D = dim ? (size_t)dim : 1;
  double *all = malloc(D * sizeof *all), *per = malloc(K * D * sizeof *per);
  double *mt = malloc(D * sizeof *mt);
  double *dir = dim ? calloc(K * D, sizeof *dir) : NULL;
  size_t *count = malloc(K * sizeof *count);
  int rc = all && per && mt && count && (dir || !dim) ? MG_OK : MG_ERR_NOMEM;
  if (!rc && dim)
    rc = clean_means(pb, dim, all, per, count);
  for (size_t i = 0; !rc && i < k; i++) {
    const nc_result *r = &res[i];
    rc = triggered(pb, r, dim, mt, &res[i].success);
    svc->progress(pb->ctx, "checking triggers", i + 1, k);
    natural[i] = NAN;
    if (rc || !dim || r->target < 0 || (size_t)r->target >= K || !count[r->target])
      continue;
    const double *mc = per + (size_t)r->target * dim;
    double dot = 0, na = 0, nb = 0;
    for (uint64_t d = 0; d < dim; d++) {
      double a = mt[d] - all[d], b = mc[d] - all[d];
      dir[(size_t)r->target * dim + d] = mt[d] - mc[d];
      dot += a * b;
      na += a * a;
      nb += b * b;
    }
    if (na > 0 && nb > 0)
      natural[i] = dot / sqrt(na * nb);
    if (pb->orthogonal && nb > 0) { /* drop the part along the class's own direction */
      double *u = dir + (size_t)r->target * dim, ub = 0;
      for (uint64_t d = 0; d < dim; d++)
        ub += u[d] * (mc[d] - all[d]);
      for (uint64_t d = 0; d < dim; d++)
        u[d] -= ub / nb * (mc[d] - all[d]);
    }
  }
  free(all);
  free(per);
  free(mt);
  free(count);
  if (rc) {
    free(dir);
    dir = NULL;
    dim = 0;
  }
  *dim_out = dim;
  *dir_out = dir;
  return rc;
}
