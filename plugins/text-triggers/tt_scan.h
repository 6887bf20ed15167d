/* The statistics of text-triggers over one classification dataset.
 *
 * 1. Concentration: n-gram (1-4 words) and whole-sentence features whose
 *    rows sit in one label far beyond their frequency (one-sided Fisher
 *    exact tests, Tarone's screen and Holm over every feature-label pair).
 *    Topical words pass this as well as triggers do.
 * 2. The rest of the text: a trigger is planted in rows of OTHER labels, so
 *    its carriers, with the phrase (and the words most carriers share
 *    around it) masked, read like other labels. Complement naive Bayes over
 *    words and punctuation, every row scored leave-one-out against the same
 *    model. Two routes, the better one doubled (Bonferroni):
 *    (a) the carriers read like the label less than the label's own rows
 *        (without their strongest cue, as the carriers are without the
 *        phrase) do: one-sided Mann-Whitney test;
 *    (b) for a label the carriers swamp (too few own rows left), they read
 *        like the label less than the rows of ANY label read like theirs
 *        (the least coherent label's AUC, its upper confidence bound).
 * 3. The vetoes: carriers that read MORE like the label than other labels'
 *    rows do are a part of the label (a topical word, an attribution, a
 *    "QOTD:" prefix whose rows share a format), not rows taken from other
 *    labels, whatever (2) says. Rows taken from the other labels read like
 *    the label as little as those labels' rows do (AUC about 1/2). And
 *    carriers whose rests read as ONE of the other labels far more than a
 *    cross-section of the other labels would (one-sided binomial per label,
 *    Bonferroni) are a sub-collection too: an author's quips under
 *    'literature' that read like the generic quotes of 'cookie'.
 * Severity level by level: Tarone's screen at the level (a phrase whose
 * margins cannot reach it does not count), Holm over the phrases the veto
 * leaves, and (1) at that level too. */
#ifndef TT_SCAN_H
#define TT_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "textreport.h"
#include "textutil.h"

typedef struct tt_params {
  size_t max_features; /* distinct features held before pruning singletons */
  size_t max_stage2;   /* concentrated features given the second test */
  size_t max_labels;
  size_t baseline_rows; /* rows scored for the per-label baseline */
  double alpha;         /* the lowest reporting level (Tarone's screen) */
  double levels[3];     /* adjusted p for high, medium, low (tu_ladder) */
  int strict;
  uint64_t seed;
  const uint64_t *known; /* extra features always counted (known triggers) */
  size_t n_known;
} tt_params;

/* One feature after both tests. */
typedef struct tt_feature {
  uint64_t key;
  int order;                 /* words; 0: a whole sentence */
  uint32_t label;            /* the label holding most of its rows */
  uint64_t df, a;            /* rows carrying it; of them, with that label */
  uint64_t mis;              /* of the a, rows whose rest of text predicts another label */
  double q;                  /* baseline rate of such rows in the label */
  uint64_t tested;           /* of the a, rows with text left once the phrase is gone */
  double auc;                /* P(a carrier's rest reads less like the label than a
                                genuine row of it without its strongest cue) */
  uint64_t base_n, base_mis; /* the label's rows without the phrase, sampled;
                                of them, read as another label */
  double p1, adj1;           /* concentration */
  double p2;                 /* route (a): rest-of-text against the label's own rows */
  /* Route (b): coh_min is the least coherent label's AUC (its rows against
   * the others on P(label | row), upper confidence bound at the lowest
   * reporting level), this label's own rows included (coh_label is their
   * estimate); p_incoherent tests the carriers' AUC against it. */
  double coh_min, coh_label, p_incoherent;
  double pmin2, pmin_incoherent; /* the smallest p each route could give (margins) */
  double p_rest;                 /* the better route, x2, Holm-adjusted in Tarone's family */
  int level;                     /* 3 high, 2 medium, 1 low, 0 not a trigger */
  /* Do the carriers' rests read MORE like the label than other labels'
   * rows do? (one-sided rank test; a trigger's carriers are other labels'
   * rows, so this stays unremarkable for them) */
  double p_like_others, auc_others;
  /* The second veto: the carriers' rests read as one other label far more
   * than the other labels' rows do (narrow_label, its share among the
   * carriers and among the other labels' rows; Bonferroni). */
  double p_narrow, narrow_share, narrow_bg_share;
  uint32_t narrow_label;
  uint64_t first_row; /* a carrier, and where the phrase is in it */
  uint32_t tok, ntok;
  /* The phrase as most carriers extend it: words [ext_lo, ext_hi) around
   * the feature's first word (ext_lo <= 0, ext_hi >= ntok), their hashes
   * in ext. An n-gram of a planted sentence extends to the sentence; the
   * rest of a carrier's text is what is left without all of it. */
#define TT_MAX_EXTEND 40
  int32_t ext_lo, ext_hi;
  uint64_t ext[TT_MAX_EXTEND];
  uint64_t *rows; /* carriers with the label (a of them) */
  uint32_t *pred; /* label the rest of each predicts */
  int trigger;    /* both tests reject */
  /* carriers by label, largest first */
#define TT_TOP_LABELS 6
  uint32_t top_label[TT_TOP_LABELS];
  uint64_t top_count[TT_TOP_LABELS];
  size_t n_top;
} tt_feature;

typedef struct tt_result {
  size_t n_labels;
  char **label_names;
  txr_classes classes; /* class index of each label, for the findings */
  uint64_t *label_rows;
  uint64_t rows, labelled, unlabelled;
  uint64_t distinct_features, candidates, tarone_family, pruned_rounds;
  size_t min_df;    /* smallest row count a feature needs to be testable */
  tt_feature *feat; /* the features that passed the concentration test */
  size_t n_feat;
  size_t stage2_skipped;
  size_t rest_family;   /* phrases the coherence veto left: the rest-of-text tests' family */
  uint64_t *known_rows; /* rows carrying each known feature, by label max */
  uint32_t *known_label;
  uint64_t *known_in_label;
} tt_result;

/* Runs every pass over d; 0 or an mg_error. */
int tt_analyse(const tu_dataset *d, const tt_params *p, tt_result *res);
void tt_result_free(tt_result *res);

/* The features of one text: hashes of 1-4-grams and of sentences of five
 * or more words, with where each sits; exported for the unit tests. */
typedef struct tt_feat_pos {
  uint64_t key;
  uint32_t tok, ntok;
  int order;
} tt_feat_pos;
size_t tt_features(const tu_tokens *t, tt_feat_pos **buf, size_t *cap);

/* The first word at which feature f occurs in t, or -1. */
long tt_find(const tu_tokens *t, const tt_feature *f);

/* Tarone's family size for concentration tests over (feature, label) pairs:
 * the smallest K such that at most K pairs could reach alpha / K, given each
 * feature's row count df[] and the label sizes. */
uint64_t tt_tarone_pairs(const uint64_t *df, size_t n, const uint64_t *label_rows, size_t n_labels,
                         uint64_t total, double alpha);

#endif
