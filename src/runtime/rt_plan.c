/* Execution: per-thread state, planning (shape inference for the given
 * input shapes, evaluating shape sub-graphs), the forward pass releasing
 * each activation after its last use, the backward pass (vector-Jacobian
 * products in reverse topological order) and constant folding at load. */
#include "config.h"

#include "rt_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL_MAX_HELD (256u << 20)
#define POOL_MAX_BUFS 64

void *rt_pool_get(rt_pool *p, size_t bytes) {
  size_t best = SIZE_MAX;
  for (size_t i = 0; i < p->n_free; i++) {
    size_t c = p->free[i].cap;
    /* Reuse a buffer that fits without wasting more than half of it. */
    if (c >= bytes && c / 2 <= bytes + 4096 && (best == SIZE_MAX || c < p->free[best].cap))
      best = i;
  }
  if (best != SIZE_MAX) {
    void *ptr = p->free[best].p;
    p->held -= p->free[best].cap;
    p->free[best] = p->free[--p->n_free];
    return ptr;
  }
  return malloc(bytes ? bytes : 1);
}

void rt_pool_put(rt_pool *p, void *ptr, size_t bytes) {
  if (!ptr)
    return;
  if (p->n_free == p->cap_free) {
    size_t nc = p->cap_free ? p->cap_free * 2 : 16;
    rt_buf *nb = nc <= POOL_MAX_BUFS ? realloc(p->free, nc * sizeof *nb) : NULL;
    if (!nb) {
      free(ptr);
      return;
    }
    p->free = nb;
    p->cap_free = nc;
  }
  if (p->held + bytes > POOL_MAX_HELD) {
    free(ptr);
    return;
  }
  p->free[p->n_free].p = ptr;
  p->free[p->n_free].cap = bytes;
  p->n_free++;
  p->held += bytes;
}

static void pool_clear(rt_pool *p) {
  for (size_t i = 0; i < p->n_free; i++)
    free(p->free[i].p);
  free(p->free);
  memset(p, 0, sizeof *p);
}

rt_exec *rt_exec_new(const rt_graph *g) {
  rt_exec *e = calloc(1, sizeof *e);
  if (!e)
    return NULL;
  size_t n = g->n_values + 1;
  e->g = g;
  e->t = calloc(n, sizeof *e->t);
  e->owned = calloc(n, 1);
  e->cap = calloc(n, sizeof *e->cap);
  e->grad = calloc(n, sizeof *e->grad);
  e->left = calloc(n, sizeof *e->left);
  e->keep = calloc(n, 1);
  if (!e->t || !e->owned || !e->cap || !e->grad || !e->left || !e->keep) {
    rt_exec_free(e);
    return NULL;
  }
  for (uint32_t v = 0; v < g->n_values; v++)
    if (g->values[v].cls == RT_CONST)
      e->t[v] = g->values[v].konst;
  return e;
}

static void release(rt_exec *e, int32_t v) {
  if (e->owned[v]) {
    rt_pool_put(&e->pool, e->t[v].data, e->cap[v]);
    e->owned[v] = 0;
  }
  e->t[v].data = NULL;
}

static void release_grad(rt_exec *e, int32_t v) {
  if (e->grad[v]) {
    rt_pool_put(&e->pool, e->grad[v], (size_t)e->t[v].count * sizeof(float));
    e->grad[v] = NULL;
  }
}

void rt_exec_reset(rt_exec *e) {
  const rt_graph *g = e->g;
  for (uint32_t v = 0; v < g->n_values; v++) {
    release_grad(e, (int32_t)v);
    if (g->values[v].cls != RT_CONST)
      release(e, (int32_t)v);
  }
}

void rt_exec_free(rt_exec *e) {
  if (!e)
    return;
  if (e->t && e->owned && e->grad)
    rt_exec_reset(e);
  pool_clear(&e->pool);
  free(e->t);
  free(e->owned);
  free(e->cap);
  free(e->grad);
  free(e->left);
  free(e->keep);
  free(e->scratch);
  for (uint32_t i = 0; e->node_scratch && i < e->g->n_nodes; i++)
    free(e->node_scratch[i]);
  free(e->node_scratch);
  free(e->node_scratch_cap);
  free(e);
}

static int alloc_out(rt_exec *e, const rt_node *n, int use_pool, mg_err *err) {
  for (uint32_t o = 0; o < n->n_out; o++) {
    int32_t v = n->out[o];
    if (v < 0)
      continue;
    rt_tensor *t = &e->t[v];
    size_t bytes = (size_t)t->count * rt_dtype_size(t->dtype);
    t->data = use_pool ? rt_pool_get(&e->pool, bytes) : malloc(bytes ? bytes : 1);
    if (!t->data)
      return rt_node_fail(n, MG_ERR_NOMEM, err, "out of memory for output %u (%zu bytes)", o,
                          bytes);
    e->owned[v] = 1;
    e->cap[v] = bytes;
  }
  return MG_OK;
}

/* Outputs the op left unset (optional outputs it does not produce) would
 * be read uninitialised by a consumer: refuse consumers of such outputs. */
static int check_outputs_set(rt_exec *e, const rt_node *n, mg_err *err) {
  for (uint32_t o = 0; o < n->n_out; o++) {
    int32_t v = n->out[o];
    if (v >= 0 && e->t[v].dtype == RT_UNDEF)
      return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "output %u is not produced by the runtime",
                          o);
  }
  return MG_OK;
}

int rt_graph_fold(rt_graph *g, mg_err *err);
int rt_graph_fold(rt_graph *g, mg_err *err) {
  rt_exec *e = rt_exec_new(g);
  if (!e)
    return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", g->file);
  int rc = MG_OK;
  uint64_t folded = 0;
  for (uint32_t i = 0; i < g->n_nodes && !rc; i++) {
    const rt_node *n = &g->nodes[i];
    if (n->cls != RT_CONST)
      continue;
    for (uint32_t o = 0; o < n->n_out; o++)
      if (n->out[o] >= 0)
        e->t[n->out[o]].dtype = RT_UNDEF;
    if ((rc = n->op->infer(e, n, err)) || (rc = check_outputs_set(e, n, err)) ||
        (rc = alloc_out(e, n, 0, err)) || (rc = n->op->forward(e, n, err)))
      break;
    for (uint32_t o = 0; o < n->n_out; o++) {
      int32_t v = n->out[o];
      if (v < 0)
        continue;
      g->values[v].konst = e->t[v];
      e->owned[v] = 0;
      folded += (uint64_t)e->t[v].count * rt_dtype_size(e->t[v].dtype);
    }
    char what[512];
    snprintf(what, sizeof what, "%s: constants folded at load", g->file);
    rc = mg_limit_check(&g->lim, MG_LIMIT_MODEL_BYTES, folded, what, err);
  }
  rt_exec_free(e);
  return rc;
}

int rt_exec_plan(rt_exec *e, const rt_tensor *inputs, mg_err *err) {
  const rt_graph *g = e->g;
  rt_exec_reset(e);
  e->mixes_batch = 0;
  for (uint32_t k = 0; k < g->n_inputs; k++) {
    int32_t v = g->inputs[k];
    const rt_tensor *in = &inputs[k];
    const rt_shape *decl = &g->in_shape[k];
    if (in->dtype != g->in_dtype[k])
      return mg_fail(err, MG_ERR_ARGS, "%s: input '%s' has the wrong element type", g->file,
                     g->values[v].name);
    if (decl->rank != UINT32_MAX) {
      if (decl->rank != in->shape.rank)
        return mg_fail(err, MG_ERR_ARGS, "%s: input '%s' must have rank %u, not %u", g->file,
                       g->values[v].name, decl->rank, in->shape.rank);
      for (uint32_t d = 0; d < decl->rank; d++)
        if (decl->d[d] >= 0 && decl->d[d] != in->shape.d[d] && !(d == 0 && e->batch_to))
          return mg_fail(err, MG_ERR_ARGS,
                         "%s: input '%s' dimension %u must be %" PRId64 ", not %" PRId64, g->file,
                         g->values[v].name, d, decl->d[d], in->shape.d[d]);
    }
    e->t[v] = *in;
    if (rt_shape_count(&in->shape, &e->t[v].count) != 0)
      return mg_fail(err, MG_ERR_ARGS, "%s: input '%s' has an invalid shape", g->file,
                     g->values[v].name);
    e->owned[v] = 0;
  }
  for (uint32_t v = 0; v < g->n_values; v++)
    e->left[v] = 0;
  for (uint32_t i = 0; i < g->n_nodes; i++) {
    const rt_node *n = &g->nodes[i];
    if (n->cls == RT_CONST)
      continue;
    for (uint32_t o = 0; o < n->n_out; o++)
      if (n->out[o] >= 0)
        e->t[n->out[o]].dtype = RT_UNDEF;
    int mixes = e->mixes_batch;
    int rc = n->op->infer(e, n, err);
    if (n->cls != RT_DYN)
      e->mixes_batch = mixes; /* only activations carry the batch */
    if (!rc)
      rc = check_outputs_set(e, n, err);
    if (rc)
      return rc;
    if (n->cls == RT_PLAN) {
      if ((rc = alloc_out(e, n, 1, err)) || (rc = n->op->forward(e, n, err)))
        return rc;
    } else {
      for (uint32_t k = 0; k < n->n_in; k++)
        if (n->in[k] >= 0)
          e->left[n->in[k]]++;
    }
  }
  return MG_OK;
}

#ifdef RT_PROFILE
/* Developer aid (-DRT_PROFILE): time per op type, printed at exit. */
#include <time.h>
static struct {
  const char *op;
  double t;
} prof[64];
static double rt_prof_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
static void rt_prof_dump(void) {
  for (int i = 0; i < 64 && prof[i].op; i++)
    fprintf(stderr, "%-20s %8.3f s\n", prof[i].op, prof[i].t);
}
static void rt_prof_add(const char *op, double t) {
  for (int i = 0; i < 64; i++) {
    if (!prof[i].op) {
      if (i == 0)
        atexit(rt_prof_dump);
      prof[i].op = op;
    }
    if (!strcmp(prof[i].op, op)) {
      prof[i].t += t;
      return;
    }
  }
}
#endif

/* Releases what node n was the last to read, and its unread outputs. */
static void after_node(rt_exec *e, const rt_node *n) {
  const rt_graph *g = e->g;
  if (e->keep_all)
    return;
  for (uint32_t k = 0; k < n->n_in; k++) {
    int32_t v = n->in[k];
    if (v < 0 || g->values[v].cls != RT_DYN || g->values[v].producer < 0)
      continue;
    if (--e->left[v] == 0 && !e->keep[v] && !g->values[v].is_output)
      release(e, v);
  }
  for (uint32_t o = 0; o < n->n_out; o++) {
    int32_t v = n->out[o];
    if (v >= 0 && e->left[v] == 0 && !e->keep[v] && !g->values[v].is_output)
      release(e, v);
  }
}

/* Value v is a float that only one node reads and nobody asked to see, so
 * that reader's work may be done by v's producer. */
static int sole_reader(const rt_exec *e, int32_t v) {
  return v >= 0 && e->left[v] == 1 && !e->keep[v] && !e->g->values[v].is_output &&
         e->t[v].dtype == RT_F32;
}

/* The node after node i, if it is an op of this name with one output and
 * node i's single output among its n_in inputs; else NULL. */
static const rt_node *next_reads(const rt_exec *e, uint32_t i, const char *op, uint32_t n_in) {
  const rt_graph *g = e->g;
  const rt_node *n = &g->nodes[i], *r = i + 1 < g->n_nodes ? &g->nodes[i + 1] : NULL;
  if (!r || n->n_out != 1 || !sole_reader(e, n->out[0]) || r->cls != RT_DYN ||
      strcmp(r->op->name, op) || r->n_in != n_in || r->n_out != 1 || r->out[0] < 0)
    return NULL;
  for (uint32_t k = 0; k < n_in; k++)
    if (r->in[k] == n->out[0])
      return r;
  return NULL;
}

/* Node i + 1 maps node i's output per channel with constants (a
 * BatchNormalization, see channel_affine in rt_op), which node i may do
 * itself: sets the map. */
static int affine_follows(const rt_exec *e, uint32_t i, const float **scale, const float **shift) {
  const rt_graph *g = e->g;
  const rt_node *r = i + 1 < g->n_nodes ? &g->nodes[i + 1] : NULL;
  if (!r || !r->op->channel_affine || !next_reads(e, i, r->op->name, r->n_in) ||
      r->in[0] != g->nodes[i].out[0])
    return 0;
  for (uint32_t k = 1; k < r->n_in; k++)
    if (r->in[k] == r->in[0])
      return 0;
  const rt_tensor *y = &e->t[r->in[0]];
  int64_t c = r->op->channel_affine(r, scale, shift);
  return c > 0 && y->shape.rank >= 2 && y->shape.d[1] == c;
}

/* Node i + 1 rectifies node i's output alone (a Relu or LeakyRelu, see
 * rectifier in rt_op): node i may do it, sets the slope. Their gradients
 * read only the sign of their input, and the rectified values keep it,
 * so the fused values serve backward too. */
static int rectifier_follows(const rt_exec *e, uint32_t i, float *slope) {
  const rt_graph *g = e->g;
  const rt_node *r = i + 1 < g->n_nodes ? &g->nodes[i + 1] : NULL;
  return r && r->op->rectifier && next_reads(e, i, r->op->name, 1) && r->op->rectifier(r, slope);
}

/* Node i + 1 adds node i's output to another float tensor of its shape
 * (a residual connection): returns that tensor, which node i may add
 * itself, or -1. Add's gradient reads no values. */
static int32_t add_follows(const rt_exec *e, uint32_t i) {
  const rt_node *a = next_reads(e, i, "Add", 2);
  if (!a)
    return -1;
  int32_t v = e->g->nodes[i].out[0], z = a->in[0] == v ? a->in[1] : a->in[0];
  if (z < 0 || z == v || e->t[z].dtype != RT_F32 || !e->t[z].data ||
      !rt_shape_equal(&e->t[z].shape, &e->t[v].shape))
    return -1;
  return z;
}

/* Node r's work was done by its input's producer: its output takes over
 * the buffer. */
static void took_over(rt_exec *e, int32_t from, const rt_node *r) {
  int32_t y = r->out[0];
  e->t[y].data = e->t[from].data;
  e->owned[y] = e->owned[from];
  e->cap[y] = e->cap[from];
  e->owned[from] = 0; /* still readable through from until released */
}

int rt_exec_forward(rt_exec *e, mg_err *err) {
  const rt_graph *g = e->g;
  for (uint32_t i = 0; i < g->n_nodes; i++) {
    const rt_node *n = &g->nodes[i];
    if (n->cls != RT_DYN)
      continue;
#ifdef RT_PROFILE
    double t0 = rt_prof_now();
#endif
    /* What the next nodes do that this one may do itself, in the order
     * of rt_epilogue: skip counts them. */
    rt_epilogue offer = {0};
    uint32_t j = i;
    if (affine_follows(e, j, &offer.scale, &offer.shift))
      j++;
    int32_t z = add_follows(e, j);
    if (z >= 0) {
      offer.add = e->t[z].data;
      j++;
    }
    if (rectifier_follows(e, j, &offer.slope)) {
      offer.relu = 1;
      j++;
    }
    uint32_t skip = j - i;
    e->epilogue = offer;
    int rc = alloc_out(e, n, 1, err);
    if (!rc)
      rc = n->op->forward(e, n, err);
    int fused = skip && e->epilogue.taken;
    e->epilogue = (rt_epilogue){0};
    if (rc)
      return rc;
#ifdef RT_PROFILE
    rt_prof_add(n->op->name, rt_prof_now() - t0);
#endif
    after_node(e, n);
    for (uint32_t k = 0; fused && k < skip; k++, i++) {
      took_over(e, g->nodes[i].out[0], &g->nodes[i + 1]);
      after_node(e, &g->nodes[i + 1]);
    }
  }
  return MG_OK;
}

static int grad_alloc(rt_exec *e, int32_t v, const rt_node *n, mg_err *err) {
  if (e->grad[v])
    return MG_OK;
  size_t bytes = (size_t)e->t[v].count * sizeof(float);
  float *p = rt_pool_get(&e->pool, bytes);
  if (!p)
    return rt_node_fail(n, MG_ERR_NOMEM, err, "out of memory for a gradient (%zu bytes)", bytes);
  memset(p, 0, bytes);
  e->grad[v] = p;
  return MG_OK;
}

int rt_exec_backward(rt_exec *e, uint32_t oi, const float *dout, mg_err *err) {
  const rt_graph *g = e->g;
  if (oi >= g->n_outputs)
    return mg_fail(err, MG_ERR_ARGS, "%s: no output %u", g->file, oi);
  int32_t ov = g->outputs[oi];
  if (g->values[ov].cls != RT_DYN || e->t[ov].dtype != RT_F32)
    return mg_fail(err, MG_ERR_ARGS, "%s: output '%s' does not depend on a float input", g->file,
                   g->values[ov].name);
  uint8_t *mark = calloc(g->n_values + 1, 1);
  if (!mark)
    return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", g->file);
  mark[ov] = 1;
  for (uint32_t i = g->n_nodes; i-- > 0;) {
    const rt_node *n = &g->nodes[i];
    if (n->cls != RT_DYN || (n->op->flags & RT_OP_NO_GRAD))
      continue;
    int any = 0;
    for (uint32_t o = 0; o < n->n_out; o++)
      any |= n->out[o] >= 0 && mark[n->out[o]];
    if (!any)
      continue;
    for (uint32_t k = 0; k < n->n_in; k++) {
      int32_t v = n->in[k];
      if (v >= 0 && g->values[v].cls == RT_DYN && e->t[v].dtype == RT_F32)
        mark[v] = 1;
    }
  }
  int rc = grad_alloc(e, ov, &g->nodes[0], err);
  if (rc)
    goto done;
  memcpy(e->grad[ov], dout, (size_t)e->t[ov].count * sizeof(float));
  for (uint32_t i = g->n_nodes; i-- > 0;) {
    const rt_node *n = &g->nodes[i];
    if (n->cls != RT_DYN || (n->op->flags & RT_OP_NO_GRAD))
      continue;
    int any = 0;
    for (uint32_t o = 0; o < n->n_out; o++)
      any |= n->out[o] >= 0 && e->grad[n->out[o]] != NULL;
    if (!any)
      continue;
    for (uint32_t k = 0; k < n->n_in; k++) {
      int32_t v = n->in[k];
      if (v >= 0 && mark[v] && (rc = grad_alloc(e, v, n, err)))
        goto done;
    }
    /* An output nobody differentiated gets a zero gradient. */
    for (uint32_t o = 0; o < n->n_out; o++) {
      int32_t v = n->out[o];
      if (v >= 0 && e->t[v].dtype == RT_F32 && !e->grad[v] && (rc = grad_alloc(e, v, n, err)))
        goto done;
    }
    for (uint32_t k = 0; k < n->n_in; k++) {
      int32_t v = n->in[k];
      if (v >= 0 && mark[v] && !e->t[v].data) {
        rc = rt_node_fail(n, MG_ERR_INTERNAL, err, "input %u was released before backward", k);
        goto done;
      }
    }
    if (!n->op->vjp) {
      rc = rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "no gradient for this operator");
      goto done;
    }
    if ((rc = n->op->vjp(e, n, err)))
      goto done;
    for (uint32_t o = 0; o < n->n_out; o++)
      if (n->out[o] >= 0)
        release_grad(e, n->out[o]);
  }
done:
  free(mark);
  return rc;
}
