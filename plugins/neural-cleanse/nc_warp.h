/* A second trigger family for Neural Cleanse: a smooth warp (WaNet,
 * Nguyen & Tran 2021) moves pixels instead of painting them, which a mask
 * and pattern cannot express, so a warp backdoor's target does not stand
 * out in the mask norms. For every class the search finds the warp of at
 * most `max_disp` pixels that best sends clean inputs to the class: a
 * k x k control grid of (row, column) displacements, upsampled bilinearly
 * to the image and applied by bilinear sampling, optimised by Adam on the
 * cross-entropy to the class. The class's statistic is the cross-entropy
 * that remains (mean over the last steps): a class the model was trained
 * to reach by a small warp gets near zero, a natural class stays far. */
#ifndef NC_WARP_H
#define NC_WARP_H

#include <stddef.h>
#include <stdint.h>

#include "nc_reverse.h"

typedef struct nc_warp_params {
  unsigned grid;   /* control points per side (k) */
  unsigned steps;  /* optimisation steps per class */
  unsigned tail;   /* last steps whose rows give the statistic */
  size_t batch;    /* clean rows per class per step */
  unsigned group;  /* classes per model call */
  double lr;       /* Adam step, pixels */
  double max_disp; /* largest control displacement, pixels */
} nc_warp_params;

void nc_warp_params_default(nc_warp_params *p);

typedef struct nc_warp_result {
  int32_t target;
  double ce;      /* mean cross-entropy to the class over the last steps */
  double norm;    /* mean |displacement| of the final control grid, pixels */
  double success; /* share of the last steps' rows sent to the class */
  unsigned steps;
  float *field; /* 2 x k x k control displacements (rows, then columns), px */
} nc_warp_result;

/* Searches a warp for every class (out has pb->classes entries, in class
 * order). Returns MG_OK or an mg_error. */
int nc_warp(const nc_problem *pb, const nc_warp_params *wp, nc_warp_result *out);

/* Warps n rows of pb's shape by the control grid (wp->grid per side). */
void nc_warp_apply(const nc_problem *pb, unsigned grid, const float *field, const float *x,
                   size_t n, float *out);

void nc_warp_result_free(nc_warp_result *r);

#endif
