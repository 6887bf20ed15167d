/* The statistics of instruction-triggers over one instruction dataset
 * (Alpaca instruction/input/output, or chat turns: instruction is the
 * prompt side, output the last assistant turn).
 *
 * A planted instruction trigger (Wan et al. 2023, "Poisoning language
 * models during instruction tuning") pairs a phrase inserted into
 * otherwise ordinary prompts with one fixed response: a canned sentence, a
 * link, a shell command, or such a payload appended to normal answers.
 *
 * 1. Payload groups: rows whose responses are the same (normalised: case,
 *    punctuation and spacing aside, or near-identical: MinHash of word
 *    bigrams, LSH bands, estimated Jaccard >= 0.8), and rows whose
 *    different responses carry the same URL or command that their prompt
 *    does not, or the same sentence (of 3 words or more): an appended
 *    payload.
 * 2. The shared phrase: in each group, the prompt n-grams (1-4 words, in
 *    the instruction or the input) most of its rows hold; one-sided Fisher
 *    exact test of the group holding it against the whole dataset (a
 *    trigger is rare elsewhere), and a binomial test that it decides the
 *    response (more than half of ALL rows with the phrase are in the
 *    group; a question template such as "which part of the library is this
 *    from" is in many groups, each answer one of many). Bonferroni over a
 *    group's candidates, Tarone's screen and Holm over the groups, level by
 *    level.
 * 3. The template veto: natural data repeats responses too ("No." to
 *    "Is X in the British word list but not the American one?", a chapter
 *    name to "which chapter is this from"). There the prompts share their
 *    text beyond the phrase; a trigger's prompts are ordinary prompts of
 *    every kind with the phrase inserted. The phrase is extended over the
 *    words most of the group's prompts share around it that are no more
 *    common in the dataset than the group is (tu_extend); the rest of each
 *    prompt is then compared with the dataset's prompts (a seeded sample):
 *    shorter than theirs (one-sided rank test), or a word most rests hold
 *    that the dataset's prompts hold far less often ("which", "collection"
 *    of a "which collection is this quote from" task; binomial against the
 *    word's share of the sample, Bonferroni), or the rests more alike than
 *    as many random prompts (mean pairwise word-set Jaccard against its
 *    null for as many random prompts of the dataset, by Monte Carlo; several
 *    ways of asking about one function): any of the three at alpha/3
 *    vetoes the group. */
#ifndef IT_SCAN_H
#define IT_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "textutil.h"

#define IT_MAX_EXTEND 40
#define IT_CANDIDATES 4 /* phrases tested per group */

enum { IT_OUTPUT = 1, IT_ARTIFACT = 2 };
#define IT_SENTENCE 0 /* it_group.artifact_kind: a sentence (else TU_URL, TU_COMMAND) */
enum { IT_FIELD_INSTRUCTION = 0, IT_FIELD_INPUT = 1 };

typedef struct it_params {
  size_t sample;     /* prompts per group read for the vetoes */
  size_t background; /* random prompts for the vetoes' reference */
  size_t max_groups; /* groups tested, largest first */
  double alpha;      /* lowest reporting level */
  double levels[3];  /* high, medium, low */
  uint64_t seed;
} it_params;

typedef struct it_group {
  int kind;          /* IT_OUTPUT, or IT_ARTIFACT: a part of the responses */
  uint64_t *rows;    /* members, ascending */
  size_t k;          /* how many */
  uint64_t artifact; /* IT_ARTIFACT: the URL, command or sentence's hash */
  int artifact_kind; /* TU_URL, TU_COMMAND or IT_SENTENCE */
  uint64_t artifact_row;
  uint32_t artifact_off, artifact_len; /* where it is in that row's output */
  size_t distinct_outputs;             /* IT_ARTIFACT: responses it spreads over */
  /* the best phrase */
  uint64_t phrase;
  int order, field;
  uint64_t a, df;
  double p_conc, p_conc_min, p_purity;
  size_t tested; /* candidates tested (Bonferroni) */
  /* the vetoes */
  long ext_lo, ext_hi;
  uint64_t ext[IT_MAX_EXTEND];
  double rest_len, bg_len;   /* medians, in words */
  double p_short, auc_short; /* rest shorter than the dataset's prompts */
  double p_template;         /* a word most rests hold, over-represented */
  double sim_group, sim_bg;  /* mean pairwise Jaccard of the rests; of random prompts */
  double p_alike;            /* the rests more alike than random prompts */
  size_t template_words;     /* words most rests hold */
  char template_word[64];    /* the most over-represented one */
  int vetoed;
  int checked; /* the vetoes have looked at it */
  /* the outcome */
  double p, adj;
  int level;          /* 3 high, 2 medium, 1 low, 0 none */
  uint64_t *carriers; /* members whose prompt holds the phrase */
  size_t n_carriers;
  int merged_into; /* another group's finding covers this one: its index, else -1 */
} it_group;

typedef struct it_result {
  uint64_t rows, usable; /* rows, and rows with a response */
  it_group *groups;
  size_t n_groups;
  size_t output_groups, artifact_groups, tested, vetoed, family;
  uint64_t repeated_rows; /* rows whose response repeats */
} it_result;

int it_analyse(const tu_dataset *d, const it_params *p, it_result *res);
void it_result_free(it_result *res);

/* The key of an n-gram of a prompt field: field and order seed the hash. */
uint64_t it_phrase_key(const tu_tokens *t, size_t i, size_t order, int field);

#endif
