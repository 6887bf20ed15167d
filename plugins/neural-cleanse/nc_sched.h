/* The slot scheduler both label searches share (the mask search,
 * nc_reverse.c, and the warp search, nc_warp.c): up to `slots` classes are
 * searched side by side, every step sends all active slots' mini-batches
 * through the model in one input-gradient call, and a slot whose search
 * stops hands its result over and takes the next class, so the call stays
 * full. The searches supply the per-slot work as callbacks. */
#ifndef NC_SCHED_H
#define NC_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "nc_reverse.h"

/* What a search does for its slot i (k: the slot's place in the call). */
typedef struct nc_sched_ops {
  void (*start)(void *eng, size_t i, size_t next); /* slot i takes class index next */
  void (*compose)(void *eng, size_t i, size_t k);
  int (*update)(void *eng, size_t i, size_t k); /* nonzero: non-finite */
  void (*after)(void *eng);                     /* after a step's updates; may be NULL */
  int (*stopped)(void *eng, size_t i);          /* before the budget; may be NULL */
  int (*finish)(void *eng, size_t i);           /* hands the result over, frees the slot */
} nc_sched_ops;

typedef struct nc_sched_io {
  float *x, *grad, *logits, *loss;
  int32_t *tgt;
} nc_sched_io;

typedef struct nc_sched {
  void *eng; /* the search's state, passed to every callback */
  const nc_sched_ops *ops;
  size_t slots, n;        /* slots side by side; classes to search */
  size_t batch;           /* rows per slot per step */
  unsigned budget;        /* steps per class: a slot stops after as many updates */
  const char *label;      /* progress label */
  const char *failure;    /* what was non-finite, for the log ("gradient") */
  const int32_t *targets; /* the classes, n of them; NULL: 0 .. n-1 */
  nc_sched_io io;         /* the model call's buffers, slots * batch rows */
} nc_sched;

/* A schedule (the fields of nc_sched, in order). */
nc_sched nc_sched_make(void *eng, const nc_sched_ops *ops, size_t slots, size_t n, size_t batch,
                       unsigned budget, const char *label, const char *failure,
                       const int32_t *targets, nc_sched_io io);

/* Runs every class to its end; MG_OK or an mg_error (the first one). */
int nc_sched_run(const nc_problem *pb, const nc_sched *s);

#endif
