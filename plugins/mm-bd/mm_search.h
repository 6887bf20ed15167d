/* The maximum-margin search of MM-BD (Wang et al., IEEE S&P 2024): for
 * every class c, the largest margin logit_c - max_{j != c} logit_j the
 * model reaches anywhere in the input box, by projected gradient ascent
 * from random starts. Data-free: only the model and the pixel range. */
#ifndef MM_SEARCH_H
#define MM_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include <modelgate/plugin.h>

typedef struct mm_params {
  unsigned starts; /* random starting images per class */
  unsigned steps;  /* ascent steps at most */
  double lr;       /* Adam step, as a fraction of the pixel range */
  double beta1, beta2;
  unsigned patience; /* steps without a 0.1% gain of any class before stopping */
} mm_params;

void mm_params_default(mm_params *p);

typedef struct mm_problem {
  const mg_services *svc;
  mg_plugin_ctx *ctx;
  uint32_t channels, height, width, classes;
  float lo, hi; /* the input box */
  uint64_t seed;
} mm_problem;

typedef struct mm_result {
  double *margin; /* per class: largest margin reached */
  unsigned steps; /* ascent steps run */
  float *best;    /* per class: the image reaching it (classes x chw, malloc'd) */
} mm_result;

/* Runs the search for every class at once (one input-gradient call per
 * step, classes x starts rows). Returns MG_OK or an mg_error. */
int mm_search(const mm_problem *pb, const mm_params *prm, mm_result *out);
void mm_result_free(mm_result *r);

#endif
