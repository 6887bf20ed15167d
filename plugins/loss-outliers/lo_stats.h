/* The per-row loss statistics and per-class decisions of loss-outliers,
 * separate from the plugin glue so they can be unit-tested on plain
 * arrays. */
#ifndef LO_STATS_H
#define LO_STATS_H

#include <stddef.h>
#include <stdint.h>

/* The loss on the log-odds scale: u = log(sum_{j != y} exp(l_j)) - l_y,
 * so the cross-entropy is softplus(u). u is what the robust z-scores are
 * taken on: the raw loss piles up near 0 with a long tail (its MAD is ~0
 * for easy classes), while u is roughly symmetric. Sets *pred. */
double lo_loss_logit(const float *logits, size_t k, int32_t label, int32_t *pred);
double lo_softplus(double u);

/* One labelled set as the model sees it. */
typedef struct lo_set {
  size_t n;
  const double *u;
  const int32_t *label; /* < 0 or >= k: ignored */
  const int32_t *pred;
} lo_set;

typedef struct lo_class {
  uint64_t n;         /* training rows labelled c */
  double median, mad; /* of u over them (mad scaled to sigma, floored) */
  uint64_t beyond_z;  /* rows with |z| > the cut */
  double expected_z;  /* n * P(|Z| > cut) under normality, for comparison */
  uint64_t ref_n;     /* reference rows labelled c */
  uint32_t k;         /* order statistic used for the tails (0: untested) */
  double cut_lo, cut_hi;
  uint64_t lo, hi;   /* training rows below cut_lo / above cut_hi */
  double p_lo, p_hi; /* raw, max of the exchangeability and other-classes tests */
  double p_lo_exch, p_hi_exch, p_lo_rest, p_hi_rest;
  double p_min_rest;     /* smallest p the other-classes test allows */
  double adj_lo, adj_hi; /* Holm-adjusted */
} lo_class;

typedef struct lo_pair {
  int32_t label, pred; /* rows labelled `label` that the model predicts as `pred` */
  uint64_t count, n, ref_count, ref_n;
  double p, adj;
} lo_pair;

typedef struct lo_result {
  size_t k;
  lo_class *cls;  /* k */
  double *z;      /* per training row, NaN for ignored rows */
  lo_pair *pairs; /* tested confusion pairs, sorted by p */
  size_t n_pairs;
  size_t n_tests; /* hypotheses in the Holm family (after Tarone's screen) */
  int calibrated; /* 1 when a reference set took part */
} lo_result;

typedef struct lo_params {
  double tail;  /* reference quantile defining the tails, e.g. 0.05 */
  double z_cut; /* robust z reported per row, e.g. 3.5 */
  double mad_floor;
} lo_params;

/* Computes z-scores, tail tests and confusion tests. ref may be NULL: then
 * only the z-scores and an uncalibrated confusion-asymmetry screen are
 * computed (p-values of pairs then come from the asymmetry test and
 * calibrated stays 0). Returns 0, or -1 when out of memory. */
int lo_analyse(const lo_set *train, const lo_set *ref, size_t k, const lo_params *prm,
               lo_result *out);
void lo_result_free(lo_result *r);

#endif
