/* Neural Cleanse trigger reverse-engineering. Every active target owns a
 * slot; one step composes a mini-batch of triggered rows for every slot and
 * sends them through the model in a single input-gradient call, so the
 * model's fixed cost per call is shared. A slot whose search ends takes the
 * next target, keeping the batch full. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgd.h"
#include "nc_rows.h"
#include "nc_reverse.h"
#include "nc_sched.h"

/* Keeps tanh away from +-1 when mapping an initial value back, as the
 * reference code does with (2 - epsilon). */
#define NC_TANH_EPS 1e-7

void nc_params_default(nc_params *p) {
  memset(p, 0, sizeof *p);
  p->batch = 32;
  p->max_steps = 200;
  p->epoch_steps = 0; /* one pass over the rows, set by the caller */
  p->group = 10;
  p->lr = 0.1;
  p->beta1 = 0.5;
  p->beta2 = 0.9;
  p->init_cost = 1e-3;
  p->success = 0.99;
  p->patience = 5;
  p->early_patience = 5;
  p->early_tolerance = 0.99;
  p->mask_init = 0;
  p->early_gate = 1;
  p->screen_steps = 100;
}

typedef struct slot {
  int active;
  size_t out; /* index into the results */
  int32_t target;
  float *a, *b;             /* tanh-space mask (hw) and pattern (chw) */
  float *ma, *va, *mb, *vb; /* Adam moments */
  float *m, *p;             /* current mask and pattern */
  float *gm, *gp;           /* loss gradient w.r.t. m and p */
  float *best_m, *best_p;
  double cost, reg_best, early_best;
  unsigned up, down, early, steps, adam_t, epoch_n;
  int up_flag, down_flag, stop, screened_out;
  double epoch_acc, epoch_reg;
  uint64_t *order; /* rows of other classes, shuffled */
  size_t n_order, cursor;
  size_t *rows; /* the rows of the current step */
  mgd_rng rng;
} slot;

typedef struct engine {
  const nc_problem *pb;
  const nc_params *prm;
  size_t hw, chw;
  slot *slots;
  size_t n_slots;
  float *x, *grad, *logits, *loss;
  int32_t *tgt;
} engine;

static void slot_release(slot *s) {
  float **bufs[] = {&s->a, &s->b, &s->ma, &s->va, &s->mb,     &s->vb,
                    &s->m, &s->p, &s->gm, &s->gp, &s->best_m, &s->best_p};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
    free(*bufs[i]);
    *bufs[i] = NULL;
  }
  free(s->order);
  free(s->rows);
  s->order = NULL;
  s->rows = NULL;
}

static int slot_alloc(slot *s, size_t hw, size_t chw, size_t n, size_t batch) {
  s->a = calloc(hw, sizeof(float));
  s->ma = calloc(hw, sizeof(float));
  s->va = calloc(hw, sizeof(float));
  s->m = calloc(hw, sizeof(float));
  s->gm = calloc(hw, sizeof(float));
  s->best_m = calloc(hw, sizeof(float));
  s->b = calloc(chw, sizeof(float));
  s->mb = calloc(chw, sizeof(float));
  s->vb = calloc(chw, sizeof(float));
  s->p = calloc(chw, sizeof(float));
  s->gp = calloc(chw, sizeof(float));
  s->best_p = calloc(chw, sizeof(float));
  s->order = calloc(n ? n : 1, sizeof(uint64_t));
  s->rows = calloc(batch, sizeof(size_t));
  return s->rows && s->a && s->ma && s->va && s->m && s->gm && s->best_m && s->b && s->mb &&
                 s->vb && s->p && s->gp && s->best_p && s->order
             ? MG_OK
             : MG_ERR_NOMEM;
}

static double atanh_clamped(double v) {
  double lim = 1.0 - NC_TANH_EPS;
  v = v < -lim ? -lim : v > lim ? lim : v;
  return atanh(v);
}

/* Starts the search for one target: random mask and pattern as in the
 * reference code, fresh optimiser, cost at its initial value. */
static void slot_start(engine *e, slot *s, size_t out, int32_t target) {
  const nc_problem *pb = e->pb;
  char stream[64];
  snprintf(stream, sizeof stream, "neural-cleanse/target/%d", (int)target);
  mgd_rng_seed(&s->rng, pb->seed, stream);
  s->active = 1;
  s->out = out;
  s->target = target;
  for (size_t i = 0; i < e->hw; i++) {
    double m0 = mgd_rng_uniform(&s->rng);
    if (e->prm->mask_init > 0) /* small, with a little noise to break ties */
      m0 = e->prm->mask_init * (0.5 + m0);
    s->a[i] = (float)atanh_clamped(2.0 * m0 - 1.0);
  }
  for (size_t i = 0; i < e->chw; i++)
    s->b[i] = (float)atanh_clamped(2.0 * mgd_rng_uniform(&s->rng) - 1.0);
  memset(s->ma, 0, e->hw * sizeof(float));
  memset(s->va, 0, e->hw * sizeof(float));
  memset(s->mb, 0, e->chw * sizeof(float));
  memset(s->vb, 0, e->chw * sizeof(float));
  s->cost = e->prm->init_cost;
  s->reg_best = INFINITY;
  s->early_best = INFINITY;
  s->up = s->down = s->early = s->steps = s->adam_t = s->epoch_n = 0;
  s->up_flag = s->down_flag = s->stop = s->screened_out = 0;
  s->epoch_acc = s->epoch_reg = 0;
  s->n_order = nc_rows_of_others(pb, target, &s->rng, s->order);
  s->cursor = 0;
}

static void slot_decode(const engine *e, slot *s) {
  const nc_problem *pb = e->pb;
  for (size_t i = 0; i < e->hw; i++)
    s->m[i] = 0.5f * (tanhf(s->a[i]) + 1.0f);
  float span = pb->hi - pb->lo;
  for (size_t i = 0; i < e->chw; i++)
    s->p[i] = pb->lo + span * 0.5f * (tanhf(s->b[i]) + 1.0f);
}

/* Writes this slot's mini-batch of triggered rows: x' = (1-m) x + m p. */
static void slot_compose(engine *e, slot *s, size_t k) {
  const nc_problem *pb = e->pb;
  size_t B = e->prm->batch, c = pb->channels;
  for (size_t r = 0; r < B; r++) {
    s->rows[r] = nc_rows_next(&s->rng, s->order, s->n_order, &s->cursor);
    const float *x = pb->x + s->rows[r] * e->chw;
    float *o = e->x + (k * B + r) * e->chw;
    for (size_t ch = 0; ch < c; ch++)
      for (size_t i = 0; i < e->hw; i++) {
        size_t j = ch * e->hw + i;
        o[j] = (1.0f - s->m[i]) * x[j] + s->m[i] * s->p[j];
      }
    e->tgt[k * B + r] = s->target;
  }
}

static void adam(const nc_params *prm, unsigned t, float *theta, float *mo, float *ve,
                 const float *g, size_t n) {
  double c1 = 1.0 - pow(prm->beta1, t), c2 = 1.0 - pow(prm->beta2, t);
  for (size_t i = 0; i < n; i++)
    theta[i] -= (float)mgd_adam_step(&mo[i], &ve[i], g[i], prm->beta1, prm->beta2, c1, c2, prm->lr);
}

/* The paper's schedule, evaluated once per epoch: keep the smallest mask
 * that reached the success threshold, raise lambda after `patience`
 * successful epochs and lower it after as many failed ones, stop once both
 * moves have happened and the best norm has stopped improving. */
static void slot_epoch(engine *e, slot *s) {
  const nc_params *prm = e->prm;
  double acc = s->epoch_acc / s->epoch_n, reg = s->epoch_reg / s->epoch_n;
  e->pb->svc->log(e->pb->ctx, MG_LOG_DEBUG,
                  "class %d step %u success %.3f norm %.2f cost %.2g best %.2f", (int)s->target,
                  s->steps, acc, reg, s->cost, s->reg_best);
  s->epoch_acc = s->epoch_reg = 0;
  s->epoch_n = 0;
  if (acc >= prm->success && reg < s->reg_best) {
    memcpy(s->best_m, s->m, e->hw * sizeof(float));
    memcpy(s->best_p, s->p, e->chw * sizeof(float));
    s->reg_best = reg;
  }
  if (isfinite(s->reg_best)) {
    if (s->reg_best >= prm->early_tolerance * s->early_best)
      s->early++;
    else
      s->early = 0;
  }
  if (s->reg_best < s->early_best)
    s->early_best = s->reg_best;
  if ((!prm->early_gate || (s->up_flag && s->down_flag)) && s->early >= prm->early_patience)
    s->stop = 1;
  if (acc >= prm->success) {
    s->up++;
    s->down = 0;
  } else {
    s->up = 0;
    s->down++;
  }
  if (s->up >= prm->patience) {
    s->up = 0;
    s->cost *= 2.0;
    s->up_flag = 1;
  } else if (s->down >= prm->patience) {
    s->down = 0;
    s->cost /= pow(2.0, 1.5);
    s->down_flag = 1;
  }
}

/* Gradient bookkeeping after the model call for slot k; returns nonzero
 * when the model produced a non-finite gradient. */
static int slot_update(engine *e, slot *s, size_t k) {
  const nc_problem *pb = e->pb;
  size_t B = e->prm->batch, c = pb->channels, K = pb->classes;
  size_t hits = 0;
  double ce = 0;
  memset(s->gm, 0, e->hw * sizeof(float));
  memset(s->gp, 0, e->chw * sizeof(float));
  float inv = 1.0f / (float)B;
  for (size_t r = 0; r < B; r++) {
    size_t row = k * B + r;
    const float *lg = e->logits + row * K;
    hits += nc_argmax(lg, K) == (size_t)s->target;
    ce += e->loss[row];
    const float *g = e->grad + row * e->chw;
    const float *x = pb->x + s->rows[r] * e->chw;
    for (size_t ch = 0; ch < c; ch++)
      for (size_t i = 0; i < e->hw; i++) {
        size_t j = ch * e->hw + i;
        float gi = g[j] * inv;
        s->gm[i] += gi * (s->p[j] - x[j]);
        s->gp[j] += gi * s->m[i];
      }
  }
  if (!isfinite(ce))
    return 1;
  double reg = 0;
  for (size_t i = 0; i < e->hw; i++) {
    reg += s->m[i];
    float t = tanhf(s->a[i]);
    s->gm[i] = (float)((s->gm[i] + s->cost) * 0.5 * (1.0 - (double)t * t));
    if (!isfinite(s->gm[i]))
      return 1;
  }
  float span = pb->hi - pb->lo;
  for (size_t j = 0; j < e->chw; j++) {
    float t = tanhf(s->b[j]);
    s->gp[j] = s->gp[j] * span * 0.5f * (1.0f - t * t);
    if (!isfinite(s->gp[j]))
      return 1;
  }
  s->adam_t++;
  adam(e->prm, s->adam_t, s->a, s->ma, s->va, s->gm, e->hw);
  adam(e->prm, s->adam_t, s->b, s->mb, s->vb, s->gp, e->chw);
  s->epoch_acc += (double)hits / (double)B;
  s->epoch_reg += reg;
  s->epoch_n++;
  s->steps++;
  if (s->epoch_n >= e->prm->epoch_steps)
    slot_epoch(e, s);
  if (s->steps >= e->prm->max_steps)
    s->stop = 1;
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* K-Arm style scheduling (Shen et al. 2021): once a class has had
 * `screen` steps, it goes on only if its best norm so far is at or below
 * the median of every class screened so far; the others stop with the
 * trigger they have. Natural classes' norms have nearly settled by then
 * while a backdoor target's keeps falling (docs/detectors/neural-cleanse.md).
 * A class that has not reached the success threshold goes on. */
static void screen_out(engine *e, const double *screen, size_t n, unsigned at) {
  if (!n || !at)
    return;
  double *v = malloc(n * sizeof *v);
  if (!v)
    return; /* no screening: every class runs its full budget */
  memcpy(v, screen, n * sizeof *v);
  qsort(v, n, sizeof *v, cmp_double);
  double med = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  free(v);
  for (size_t i = 0; i < e->n_slots; i++) {
    slot *s = &e->slots[i];
    if (s->active && !s->stop && s->steps == at && isfinite(s->reg_best) && s->reg_best > med) {
      s->stop = 1;
      s->screened_out = 1;
    }
  }
}

/* Hands the slot's best trigger (or its last one if none reached the
 * threshold) to the result. */
static int slot_finish(engine *e, slot *s, nc_result *r) {
  int reached = isfinite(s->reg_best);
  if (!reached)
    slot_decode(e, s);
  const float *m = reached ? s->best_m : s->m, *p = reached ? s->best_p : s->p;
  r->target = s->target;
  r->reached = reached;
  r->steps = s->steps;
  r->screened_out = s->screened_out;
  r->cost = s->cost;
  r->mask = malloc(e->hw * sizeof(float));
  r->pattern = malloc(e->chw * sizeof(float));
  if (!r->mask || !r->pattern)
    return MG_ERR_NOMEM;
  memcpy(r->mask, m, e->hw * sizeof(float));
  memcpy(r->pattern, p, e->chw * sizeof(float));
  double l1 = 0;
  for (size_t i = 0; i < e->hw; i++)
    l1 += fabs((double)m[i]);
  r->norm = l1;
  s->active = 0;
  return MG_OK;
}

/* The scheduler's callbacks (nc_sched.h) over this search's slots. */
typedef struct rev_run {
  engine *e;
  const int32_t *targets;
  nc_result *out;
  double *screen; /* best norms of the classes at the screening step */
  size_t n_screen;
} rev_run;

static void rev_start(void *r, size_t i, size_t next) {
  rev_run *u = r;
  slot_start(u->e, &u->e->slots[i], next, u->targets[next]);
}

static int rev_finish(void *r, size_t i) {
  rev_run *u = r;
  slot *s = &u->e->slots[i];
  return slot_finish(u->e, s, &u->out[s->out]);
}

static void rev_compose(void *r, size_t i, size_t k) {
  engine *e = ((rev_run *)r)->e;
  slot_decode(e, &e->slots[i]);
  slot_compose(e, &e->slots[i], k);
}

static int rev_update(void *r, size_t i, size_t k) {
  rev_run *u = r;
  slot *s = &u->e->slots[i];
  if (slot_update(u->e, s, k))
    return 1;
  unsigned at = u->e->prm->screen_steps;
  if (at && s->steps == at && !s->stop)
    u->screen[u->n_screen++] = s->reg_best;
  return 0;
}

static void rev_after(void *r) {
  rev_run *u = r;
  screen_out(u->e, u->screen, u->n_screen, u->e->prm->screen_steps);
}

static int rev_stopped(void *r, size_t i) {
  return ((rev_run *)r)->e->slots[i].stop;
}

static const nc_sched_ops rev_ops = {rev_start, rev_compose, rev_update,
                                     rev_after, rev_stopped, rev_finish};

int nc_reverse(const nc_problem *pb, const nc_params *prm, const int32_t *targets, size_t n_targets,
               nc_result *out) {
  engine e = {.pb = pb, .prm = prm, .hw = (size_t)pb->height * pb->width};
  e.chw = e.hw * pb->channels;
  size_t G = prm->group < n_targets ? prm->group : n_targets, B = prm->batch;
  if (!G || !B || !pb->n || !e.hw || pb->classes < 2 || !(pb->hi > pb->lo))
    return MG_ERR_ARGS;
  while (G > 1 && (uint64_t)G * B * e.chw > NC_CALL_FLOATS)
    G--;
  nc_params local = *prm;
  if (!local.epoch_steps)
    local.epoch_steps = (unsigned)((pb->n + B - 1) / B);
  e.prm = &local;
  memset(out, 0, n_targets * sizeof *out);
  int rc = MG_OK;
  e.slots = calloc(G, sizeof *e.slots);
  e.n_slots = G;
  e.x = malloc(G * B * e.chw * sizeof(float));
  e.grad = malloc(G * B * e.chw * sizeof(float));
  e.logits = malloc(G * B * pb->classes * sizeof(float));
  e.loss = malloc(G * B * sizeof(float));
  e.tgt = malloc(G * B * sizeof(int32_t));
  double *screen = malloc(n_targets * sizeof *screen);
  if (!e.slots || !e.x || !e.grad || !e.logits || !e.loss || !e.tgt || !screen)
    rc = MG_ERR_NOMEM;
  for (size_t i = 0; !rc && i < G; i++)
    rc = slot_alloc(&e.slots[i], e.hw, e.chw, pb->n, B);
  rev_run run = {.e = &e, .targets = targets, .out = out, .screen = screen};
  nc_sched_io io = {e.x, e.grad, e.logits, e.loss, e.tgt};
  nc_sched sc = nc_sched_make(&run, &rev_ops, G, n_targets, B, local.max_steps,
                              "reversing triggers", "loss or gradient", targets, io);
  if (!rc)
    rc = nc_sched_run(pb, &sc);
  for (size_t i = 0; e.slots && i < G; i++)
    slot_release(&e.slots[i]);
  free(e.slots);
  free(e.x);
  free(e.grad);
  free(e.logits);
  free(e.loss);
  free(e.tgt);
  free(screen);
  if (rc)
    for (size_t i = 0; i < n_targets; i++)
      nc_result_free(&out[i]);
  return rc;
}

void nc_result_free(nc_result *r) {
  free(r->mask);
  free(r->pattern);
  r->mask = NULL;
  r->pattern = NULL;
}
