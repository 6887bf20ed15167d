/* Counts of rows whose clean neighbours vote for another label, per
 * (label, voted label) pair, in the training and the reference set, and
 * the pair tests. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hyptest.h"
#include "lc_pairs.h"
#include "mgd.h"

static void tally(uint32_t k, const int32_t *y, const int32_t *m, uint64_t n, uint64_t *per,
                  uint64_t *cnt, uint64_t *away) {
  for (uint64_t i = 0; i < n; i++) {
    if (y[i] < 0 || (uint32_t)y[i] >= k)
      continue;
    per[y[i]]++;
    if (m[i] >= 0 && (uint32_t)m[i] < k) {
      cnt[(size_t)y[i] * k + (size_t)m[i]]++;
      away[y[i]]++;
    }
  }
}

int lc_count(lc_counts *c, uint32_t k, const int32_t *y, const int32_t *m, uint64_t n,
             const int32_t *yr, const int32_t *mr, uint64_t nr) {
  memset(c, 0, sizeof *c);
  c->k = k;
  c->n = calloc(k, sizeof *c->n);
  c->ref_n = calloc(k, sizeof *c->ref_n);
  c->cnt = calloc((size_t)k * k, sizeof *c->cnt);
  c->ref_cnt = calloc((size_t)k * k, sizeof *c->ref_cnt);
  c->away = calloc(k, sizeof *c->away);
  c->ref_away = calloc(k, sizeof *c->ref_away);
  if (!c->n || !c->ref_n || !c->cnt || !c->ref_cnt || !c->away || !c->ref_away)
    return MG_ERR_NOMEM;
  tally(k, y, m, n, c->n, c->cnt, c->away);
  tally(k, yr, mr, nr, c->ref_n, c->ref_cnt, c->ref_away);
  return MG_OK;
}

void lc_counts_free(lc_counts *c) {
  free(c->n);
  free(c->ref_n);
  free(c->cnt);
  free(c->ref_cnt);
  free(c->away);
  free(c->ref_away);
  memset(c, 0, sizeof *c);
}

static int by_p(const void *a, const void *b) {
  const lc_pair *x = a, *y = b;
  if (x->p != y->p)
    return x->p < y->p ? -1 : 1;
  if (x->label != y->label)
    return x->label < y->label ? -1 : 1;
  return (x->source > y->source) - (x->source < y->source);
}

int lc_pairs(lc_counts *c, lc_pair **out, size_t *n_out) {
  uint32_t k = c->k;
  size_t m = (size_t)k * (k > 0 ? k - 1 : 0), j = 0;
  lc_pair *v = calloc(m ? m : 1, sizeof *v);
  double *p = malloc((m ? m : 1) * sizeof *p), *pmin = malloc((m ? m : 1) * sizeof *pmin);
  double *adj = malloc((m ? m : 1) * sizeof *adj);
  int rc = MG_ERR_NOMEM;
  if (!v || !p || !pmin || !adj)
    goto done;
  for (uint32_t a = 0; a < k; a++)
    for (uint32_t s = 0; s < k; s++) {
      if (a == s)
        continue;
      lc_pair *x = &v[j];
      x->label = (int32_t)a;
      x->source = (int32_t)s;
      x->count = c->cnt[(size_t)a * k + s];
      x->ref_count = c->ref_cnt[(size_t)a * k + s];
      x->n = c->n[a];
      x->ref_n = c->ref_n[a];
      x->p = p[j] = ht_fisher_greater(x->count, x->n, x->ref_count, x->ref_n);
      x->p_min = pmin[j] = ht_fisher_min(x->n, x->ref_n, x->count + x->ref_count);
      j++;
    }
  c->family = ht_holm_tarone(p, pmin, m, MGD_P_LOW, adj);
  if (c->family < 0)
    goto done;
  for (size_t i = 0; i < m; i++)
    v[i].adj = adj[i];
  qsort(v, m, sizeof *v, by_p);
  *out = v;
  *n_out = m;
  v = NULL;
  rc = MG_OK;
done:
  free(v);
  free(p);
  free(pmin);
  free(adj);
  return rc;
}
