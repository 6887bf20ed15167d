/* MM-BD's maximum-margin search. All classes and all their random starts
 * are one batch, so each step is a single input-gradient call; the loss
 * of a row aiming at class c is -(logit_c - logit_j), j the strongest
 * other class, which the caller's dL/dlogits expresses exactly: -1 at c,
 * +1 at j. j is taken from the logits of the previous step (the call that
 * returns this step's logits is the one that needs dL/dlogits); the
 * margin recorded is always the one of the logits the call returned. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mgd.h"
#include "mm_search.h"

/* A class whose best margin grows by less than this share is not
 * improving (the early stop). */
#define MM_GAIN 1e-3

void mm_params_default(mm_params *p) {
  memset(p, 0, sizeof *p);
  p->starts = 8;
  p->steps = 150;
  p->lr = 0.02;
  p->beta1 = 0.9;
  p->beta2 = 0.999;
  p->patience = 20;
}

static size_t runner_up(const float *lg, size_t k, size_t c) {
  size_t j = c == 0 ? 1 : 0;
  for (size_t i = 0; i < k; i++)
    if (i != c && lg[i] > lg[j])
      j = i;
  return j;
}

typedef struct work {
  float *x, *m, *v, *grad, *logits, *dl;
} work;

static void work_free(work *w) {
  free(w->x);
  free(w->m);
  free(w->v);
  free(w->grad);
  free(w->logits);
  free(w->dl);
}

/* Records the margins of this step's logits; returns whether any class
 * improved by more than MM_GAIN of its best. */
static int record(const mm_problem *pb, const mm_params *prm, const work *w, size_t chw,
                  mm_result *out) {
  size_t K = pb->classes;
  int improved = 0;
  for (size_t c = 0; c < K; c++)
    for (size_t s = 0; s < prm->starts; s++) {
      size_t r = c * prm->starts + s;
      const float *lg = w->logits + r * K;
      double mg = (double)lg[c] - lg[runner_up(lg, K, c)];
      if (!(mg > out->margin[c]))
        continue;
      if (mg > out->margin[c] + MM_GAIN * fabs(out->margin[c]) || !isfinite(out->margin[c]))
        improved = 1;
      out->margin[c] = mg;
      memcpy(out->best + c * chw, w->x + r * chw, chw * sizeof(float));
    }
  return improved;
}

int mm_search(const mm_problem *pb, const mm_params *prm, mm_result *out) {
  const mg_services *svc = pb->svc;
  size_t K = pb->classes, chw = (size_t)pb->channels * pb->height * pb->width;
  size_t R = K * prm->starts;
  memset(out, 0, sizeof *out);
  if (K < 2 || !chw || !prm->starts || !(pb->hi > pb->lo))
    return MG_ERR_ARGS;
  work w = {0};
  w.x = malloc(R * chw * sizeof(float));
  w.m = calloc(R * chw, sizeof(float));
  w.v = calloc(R * chw, sizeof(float));
  w.grad = malloc(R * chw * sizeof(float));
  w.logits = malloc(R * K * sizeof(float));
  w.dl = calloc(R * K, sizeof(float));
  out->margin = malloc(K * sizeof(double));
  out->best = malloc(K * chw * sizeof(float));
  int rc = w.x && w.m && w.v && w.grad && w.logits && w.dl && out->margin && out->best
               ? MG_OK
               : MG_ERR_NOMEM;
  if (!rc) {
    mgd_rng rng;
    mgd_rng_seed(&rng, pb->seed, "mm-bd/starts");
    float span = pb->hi - pb->lo;
    for (size_t i = 0; i < R * chw; i++)
      w.x[i] = pb->lo + span * (float)mgd_rng_uniform(&rng);
    for (size_t c = 0; c < K; c++)
      out->margin[c] = -INFINITY;
    rc = svc->model_forward(pb->ctx, w.x, R, w.logits, NULL, NULL);
  }
  if (!rc)
    record(pb, prm, &w, chw, out);
  double step = prm->lr * (double)(pb->hi - pb->lo);
  unsigned still = 0;
  for (unsigned t = 1; !rc && t <= prm->steps; t++) {
    memset(w.dl, 0, R * K * sizeof(float));
    for (size_t c = 0; c < K; c++)
      for (size_t s = 0; s < prm->starts; s++) {
        size_t r = c * prm->starts + s;
        w.dl[r * K + c] = -1.0f;
        w.dl[r * K + runner_up(w.logits + r * K, K, c)] = 1.0f;
      }
    /* the gradient (and logits) at the current images */
    rc = svc->model_input_grad(pb->ctx, w.x, R, NULL, w.dl, NULL, w.logits, w.grad);
    if (rc)
      break;
    out->steps = t;
    still = record(pb, prm, &w, chw, out) ? 0 : still + 1;
    double c1 = 1.0 - pow(prm->beta1, t), c2 = 1.0 - pow(prm->beta2, t);
    for (size_t i = 0; i < R * chw; i++) {
      double g = w.grad[i];
      if (!isfinite(g)) {
        svc->log(pb->ctx, MG_LOG_ERROR, "the model gave a non-finite input gradient");
        rc = MG_ERR_NUMERIC;
        break;
      }
      double d = mgd_adam_step(&w.m[i], &w.v[i], g, prm->beta1, prm->beta2, c1, c2, step);
      float nx = (float)(w.x[i] - d);
      w.x[i] = nx < pb->lo ? pb->lo : nx > pb->hi ? pb->hi : nx;
    }
    svc->progress(pb->ctx, "maximising margins", t, prm->steps);
    if (still >= prm->patience)
      break;
  }
  if (!rc)
    svc->progress(pb->ctx, "maximising margins", prm->steps, prm->steps);
  work_free(&w);
  if (rc)
    mm_result_free(out);
  return rc;
}

void mm_result_free(mm_result *r) {
  free(r->margin);
  free(r->best);
  r->margin = NULL;
  r->best = NULL;
}
