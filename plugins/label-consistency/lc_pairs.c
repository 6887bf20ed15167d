/* Counts of rows whose clean neighbours vote for another label, per
 * (label, voted label) pair, in the training and the reference set, and
 * the pair tests. */
#include "config.h"

#include <math.h>
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

/* P(chi2 with 2m degrees of freedom >= x) = exp(-x/2) sum_{i<m} (x/2)^i / i!,
 * summed in log space. */
static double chi2_even_sf(double x, size_t m) {
  if (!(x > 0))
    return 1;
  double h = x / 2, lt = -h, mx = lt, s = 0;
  double *t = malloc((m ? m : 1) * sizeof *t);
  if (!t)
    return NAN;
  for (size_t i = 0; i < m; i++) {
    t[i] = lt;
    mx = lt > mx ? lt : mx;
    lt += log(h) - log((double)(i + 1));
  }
  for (size_t i = 0; i < m; i++)
    s += exp(t[i] - mx);
  free(t);
  double r = exp(mx + log(s));
  return r > 1 ? 1 : r;
}

int lc_mapping(const lc_counts *c, const lc_pair *pairs, size_t n_pairs, lc_map *out) {
  uint32_t k = c->k;
  memset(out, 0, sizeof *out);
  out->p = 1;
  out->source = malloc((k ? k : 1) * sizeof *out->source);
  out->p_label = malloc((k ? k : 1) * sizeof *out->p_label);
  out->rows = calloc(k ? k : 1, sizeof *out->rows);
  unsigned char *used = calloc(k ? k : 1, 1);
  if (!out->source || !out->p_label || !out->rows || !used) {
    free(used);
    return MG_ERR_NOMEM;
  }
  for (uint32_t a = 0; a < k; a++)
    out->source[a] = -1, out->p_label[a] = 1;
  /* pairs are sorted by p: the first pair of a label is its best */
  for (size_t i = 0; i < n_pairs; i++) {
    const lc_pair *x = &pairs[i];
    if (out->source[x->label] >= 0 || !x->count)
      continue;
    out->source[x->label] = x->source;
    out->rows[x->label] = x->count;
    double q = x->p * (double)(k - 1);
    out->p_label[x->label] = q > 1 ? 1 : q;
  }
  out->permutation = 1;
  for (uint32_t a = 0; a < k; a++) {
    if (!c->n[a] || !c->ref_n[a])
      continue;
    out->labels++;
    out->chi2 -= 2 * log(out->p_label[a] > 1e-300 ? out->p_label[a] : 1e-300);
    if (out->p_label[a] <= LC_MAP_LABEL_P && out->rows[a] >= 5) {
      out->contributing++;
      if (used[out->source[a]])
        out->permutation = 0;
      used[out->source[a]] = 1;
    }
  }
  free(used);
  out->p = out->labels ? chi2_even_sf(out->chi2, out->labels) : 1;
  return isnan(out->p) ? MG_ERR_NOMEM : MG_OK;
}

lc_shift lc_label_shift(const lc_counts *c, const lc_pair *pair) {
  uint64_t na = c->n[pair->label], ns = c->n[pair->source];
  uint64_t ra = c->ref_n[pair->label], rs = c->ref_n[pair->source];
  double pairs = (double)c->k * (double)(c->k - 1);
  lc_shift r;
  r.p = fmin(1, pairs * ht_fisher_greater(na, na + ns, ra, ra + rs));
  /* Fisher's method for two p-values: P(chi2_4 >= -2 ln q) = q (1 - ln q). */
  double q = fmax(r.p * pair->adj, 1e-300);
  r.combined = fmin(1, q * (1 - log(q)));
  return r;
}

void lc_map_free(lc_map *m) {
  free(m->source);
  free(m->p_label);
  free(m->rows);
  memset(m, 0, sizeof *m);
}
