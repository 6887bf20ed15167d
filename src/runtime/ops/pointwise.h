/* Loops of the pointwise float ops (op_activation.c, op_pointwise.c): a
 * forward and a VJP per op from one expression each. */
#ifndef MG_RT_POINTWISE_H
#define MG_RT_POINTWISE_H

#include "runtime/ops/ops.h"

/* The attributes of a pointwise op, parsed into n->p (may be NULL). */
typedef struct rt_pw_params {
  float alpha, beta, gamma;
  int mode; /* op-specific variant (Gelu: the tanh approximation) */
} rt_pw_params;

/* What both loops read: the attributes, copied to locals, and the input. */
#define RT_PW_LOCALS                                                                               \
  (void)err;                                                                                       \
  const rt_pw_params *p = n->p;                                                                    \
  const float alpha = p ? p->alpha : 0.0f, beta = p ? p->beta : 0.0f, gamma = p ? p->gamma : 0.0f; \
  (void)alpha;                                                                                     \
  (void)beta;                                                                                      \
  (void)gamma;                                                                                     \
  rt_tensor *tx = rt_in(e, n, 0);

/* EXPR may use x and alpha, beta, gamma (copied so that the loop, free of
 * loads that might alias ys, vectorises). The selects become blends, not
 * branches, because the runtime is built with -fno-trapping-math
 * (configure.ac). */
#define RT_PW_FWD(NAME, EXPR)                                                                      \
  static int NAME##_fwd(rt_exec *e, const rt_node *n, mg_err *err) {                               \
    RT_PW_LOCALS                                                                                   \
    const float *restrict xs = tx->data;                                                           \
    float *restrict ys = rt_out(e, n, 0)->data;                                                    \
    for (int64_t i = 0; i < tx->count; i++) {                                                      \
      float x = xs[i];                                                                             \
      ys[i] = (EXPR);                                                                              \
    }                                                                                              \
    return MG_OK;                                                                                  \
  }

/* GRAD is the input gradient of one element: it may use x, y (the output),
 * gy (the output gradient) and the attributes. Written as a select rather
 * than gy times a derivative so the loop vectorises and, as in PyTorch, an
 * infinite gy past a flat part gives 0, not NaN. */
#define RT_PW_VJP(NAME, GRAD)                                                                      \
  static int NAME##_vjp(rt_exec *e, const rt_node *n, mg_err *err) {                               \
    RT_PW_LOCALS                                                                                   \
    const float *restrict xs = tx->data, *restrict ys = rt_out(e, n, 0)->data;                     \
    const float *restrict g = rt_gout(e, n, 0);                                                    \
    float *restrict gx = rt_gin(e, n, 0);                                                          \
    if (!gx)                                                                                       \
      return MG_OK;                                                                                \
    for (int64_t i = 0; i < tx->count; i++) {                                                      \
      float x = xs[i], y = ys[i], gy = g[i];                                                       \
      (void)x;                                                                                     \
      (void)y;                                                                                     \
      gx[i] += (GRAD);                                                                             \
    }                                                                                              \
    return MG_OK;                                                                                  \
  }

#endif
