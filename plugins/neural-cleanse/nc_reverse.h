/* Trigger reverse-engineering for Neural Cleanse (Wang et al. 2019): for
 * each target class, the smallest mask and pattern that send clean inputs
 * to that class, found by Adam on tanh-parametrised variables with the
 * paper's adaptive L1 cost. Several targets share each model call. */
#ifndef NC_REVERSE_H
#define NC_REVERSE_H

#include <stddef.h>
#include <stdint.h>

#include <modelgate/plugin.h>

/* Input floats per model call at most (64 MiB of rows, as many again of
 * gradient): large images get fewer targets per call (mask and warp
 * searches alike). */
#define NC_CALL_FLOATS (UINT64_C(16) << 20)

typedef struct nc_params {
  size_t batch;            /* clean rows per target per step */
  unsigned max_steps;      /* optimisation steps per target, at most */
  unsigned epoch_steps;    /* steps per schedule epoch; 0 = one pass over the rows */
  unsigned group;          /* targets optimised together (one model call) */
  double lr, beta1, beta2; /* Adam */
  double init_cost;        /* lambda at the start */
  double success;          /* attack success that counts as a trigger */
  unsigned patience;       /* epochs before lambda moves */
  unsigned early_patience; /* epochs without progress before stopping */
  double early_tolerance;  /* a best norm above tolerance * previous best is no progress */
  double mask_init;        /* initial mask value everywhere; 0 = uniform random */
  int early_gate;          /* stop only after lambda moved both ways (reference code) */
  unsigned screen_steps;   /* steps after which classes above the median stop; 0 = never */
} nc_params;

/* The paper's optimiser and schedule (lr 0.1, betas 0.5/0.9, lambda 1e-3,
 * patience 5, success 0.99) with this plugin's budget (32 rows, 200
 * steps, early stop after 5 epochs without a 1% gain): see
 * docs/detectors/neural-cleanse.md. */
void nc_params_default(nc_params *p);

/* The clean rows the search runs on (image space) and the model's shape. */
typedef struct nc_problem {
  const mg_services *svc;
  mg_plugin_ctx *ctx;
  uint32_t channels, height, width, classes;
  float lo, hi;          /* pixel range of the dataset */
  const float *x;        /* n rows of channels*height*width */
  const int32_t *labels; /* n labels, -1 when unknown */
  size_t n;
  uint64_t seed;
  int orthogonal; /* feature directions orthogonal to the class's own (nc_check.h) */
} nc_problem;

typedef struct nc_result {
  int32_t target;
  double norm;      /* L1 norm of the reversed mask */
  double success;   /* attack success of the reversed trigger on the rows */
  int reached;      /* the search met the success threshold */
  unsigned steps;   /* optimisation steps spent */
  int screened_out; /* stopped by the screening, above the median */
  double cost;      /* lambda when the search ended */
  float *mask;      /* height*width in [0,1] (malloc'd) */
  float *pattern;   /* channels*height*width in [lo,hi] (malloc'd) */
} nc_result;

/* Reverses a trigger for each of n_targets classes; out has n_targets
 * entries, filled in order. Returns MG_OK or an mg_error. */
int nc_reverse(const nc_problem *pb, const nc_params *prm, const int32_t *targets, size_t n_targets,
               nc_result *out);

void nc_result_free(nc_result *r);

#endif
