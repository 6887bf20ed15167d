/* The slot scheduler of the label searches (nc_sched.h). */
#include <stdlib.h>

#include "nc_sched.h"

nc_sched nc_sched_make(void *eng, const nc_sched_ops *ops, size_t slots, size_t n, size_t batch,
                       unsigned budget, const char *label, const char *failure,
                       const int32_t *targets, nc_sched_io io) {
  return (nc_sched){eng, ops, slots, n, batch, budget, label, failure, targets, io};
}

int nc_sched_run(const nc_problem *pb, const nc_sched *s) {
  const mg_services *svc = pb->svc;
  size_t next = 0, done = 0;
  size_t *cls = malloc((s->slots ? s->slots : 1) * sizeof *cls);    /* class index per slot */
  unsigned *steps = calloc(s->slots ? s->slots : 1, sizeof *steps); /* updates per slot */
  unsigned char *on = calloc(s->slots ? s->slots : 1, 1);           /* slot searching */
  int rc = cls && steps && on ? MG_OK : MG_ERR_NOMEM;
  for (size_t i = 0; !rc && i < s->slots && next < s->n; i++) {
    on[i] = 1;
    cls[i] = next;
    steps[i] = 0;
    s->ops->start(s->eng, i, next++);
  }
  while (!rc && done < s->n) {
    size_t act = 0;
    for (size_t i = 0; i < s->slots; i++)
      if (on[i])
        s->ops->compose(s->eng, i, act++);
    rc = svc->model_input_grad(pb->ctx, s->io.x, act * s->batch, s->io.tgt, NULL, s->io.loss,
                               s->io.logits, s->io.grad);
    if (rc)
      break;
    act = 0;
    for (size_t i = 0; i < s->slots; i++) {
      if (!on[i])
        continue;
      if (s->ops->update(s->eng, i, act++)) {
        svc->log(pb->ctx, MG_LOG_ERROR, "the model gave a non-finite %s for class %d", s->failure,
                 (int)(s->targets ? s->targets[cls[i]] : (int32_t)cls[i]));
        rc = MG_ERR_NUMERIC;
        break;
      }
      steps[i]++;
    }
    if (!rc && s->ops->after)
      s->ops->after(s->eng);
    for (size_t i = 0; !rc && i < s->slots; i++) {
      if (!on[i] || (steps[i] < s->budget && !(s->ops->stopped && s->ops->stopped(s->eng, i))))
        continue;
      rc = s->ops->finish(s->eng, i);
      done++;
      on[i] = 0;
      if (!rc && next < s->n) {
        on[i] = 1;
        cls[i] = next;
        steps[i] = 0;
        s->ops->start(s->eng, i, next++);
      }
    }
    /* progress in steps, not in finished classes: the classes of a group
     * tend to finish together, at the end */
    uint64_t spent = (uint64_t)done * s->budget;
    for (size_t i = 0; i < s->slots; i++)
      if (on[i])
        spent += steps[i];
    svc->progress(pb->ctx, s->label, spent, (uint64_t)s->n * s->budget);
  }
  free(cls);
  free(steps);
  free(on);
  return rc;
}
