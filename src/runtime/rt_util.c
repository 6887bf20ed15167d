/* Helpers every op uses: attribute lookups with type checks, node-named
 * errors, shape arithmetic and output allocation checks. */
#include "config.h"

#include "rt_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rt_node_fail(const rt_node *n, int code, mg_err *err, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return mg_fail(err, code, "node '%s' (%s, opset %d): %s", n->name ? n->name : "", n->op_type,
                 n->opset, msg);
}

const rt_attr *rt_attr_get(const rt_node *n, const char *name) {
  for (uint32_t i = 0; i < n->n_attrs; i++)
    if (!strcmp(n->attrs[i].name, name))
      return &n->attrs[i];
  return NULL;
}

static int wrong_type(const rt_node *n, const char *name, const char *want, mg_err *err) {
  return rt_node_fail(n, MG_ERR_FORMAT, err, "attribute '%s' must be %s", name, want);
}

int rt_attr_int(const rt_node *n, const char *name, int64_t def, int64_t *v, mg_err *err) {
  const rt_attr *a = rt_attr_get(n, name);
  if (!a) {
    *v = def;
    return MG_OK;
  }
  if (a->type != RT_AT_INT)
    return wrong_type(n, name, "an integer", err);
  *v = a->i;
  return MG_OK;
}

int rt_attr_float(const rt_node *n, const char *name, float def, float *v, mg_err *err) {
  const rt_attr *a = rt_attr_get(n, name);
  if (!a) {
    *v = def;
    return MG_OK;
  }
  if (a->type != RT_AT_FLOAT)
    return wrong_type(n, name, "a float", err);
  *v = a->f;
  return MG_OK;
}

int rt_attr_ints(const rt_node *n, const char *name, const int64_t **v, size_t *count,
                 mg_err *err) {
  const rt_attr *a = rt_attr_get(n, name);
  *v = NULL;
  *count = 0;
  if (!a)
    return MG_OK;
  if (a->type != RT_AT_INTS)
    return wrong_type(n, name, "a list of integers", err);
  *v = a->ints;
  *count = a->n_ints;
  return MG_OK;
}

int rt_attr_string(const rt_node *n, const char *name, const char *def, const char **v,
                   mg_err *err) {
  const rt_attr *a = rt_attr_get(n, name);
  if (!a) {
    *v = def;
    return MG_OK;
  }
  if (a->type != RT_AT_STRING)
    return wrong_type(n, name, "a string", err);
  *v = a->s;
  return MG_OK;
}

int rt_shape_count(const rt_shape *s, int64_t *count) {
  int64_t c = 1;
  for (uint32_t i = 0; i < s->rank; i++) {
    if (s->d[i] < 0)
      return -1;
    if (s->d[i] && c > INT64_MAX / s->d[i])
      return -1;
    c *= s->d[i];
  }
  *count = c;
  return 0;
}

int rt_shape_equal(const rt_shape *a, const rt_shape *b) {
  if (a->rank != b->rank)
    return 0;
  for (uint32_t i = 0; i < a->rank; i++)
    if (a->d[i] != b->d[i])
      return 0;
  return 1;
}

void rt_shape_str(const rt_shape *s, char *buf, size_t len) {
  size_t o = 0;
  o += (size_t)snprintf(buf + o, len - o, "[");
  for (uint32_t i = 0; i < s->rank && o < len; i++)
    o += (size_t)snprintf(buf + o, len - o, "%s%" PRId64, i ? "," : "", s->d[i]);
  if (o < len)
    snprintf(buf + o, len - o, "]");
}

int rt_axis(const rt_node *n, int64_t axis, uint32_t rank, uint32_t *out, mg_err *err) {
  if (axis < -(int64_t)rank || axis >= (int64_t)rank)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "axis %" PRId64 " out of range for rank %u", axis,
                        rank);
  *out = (uint32_t)(axis < 0 ? axis + (int64_t)rank : axis);
  return MG_OK;
}

size_t rt_dtype_size(int dtype) {
  return dtype == RT_I64 ? 8 : 4;
}

int rt_in_known(rt_exec *e, const rt_node *n, uint32_t i, int dtype, mg_err *err) {
  if (i >= n->n_in || n->in[i] < 0)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "input %u is missing", i);
  const rt_value *v = &e->g->values[n->in[i]];
  if (v->cls == RT_DYN)
    return rt_node_fail(n, MG_ERR_UNSUPPORTED, err,
                        "input %u ('%s') must be a constant or computed from shapes only", i,
                        v->name);
  return rt_need_dtype(n, &e->t[n->in[i]], i, dtype, err);
}

int rt_need_dtype(const rt_node *n, const rt_tensor *t, uint32_t i, int dtype, mg_err *err) {
  if (t->dtype != dtype)
    return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "input %u must be %s", i,
                        dtype == RT_F32 ? "float" : "an integer tensor");
  return MG_OK;
}

int rt_set_out(rt_exec *e, const rt_node *n, uint32_t i, int dtype, const rt_shape *s,
               mg_err *err) {
  rt_tensor *t = rt_out(e, n, i);
  int64_t count;
  if (s->rank > RT_MAX_RANK || rt_shape_count(s, &count) != 0)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "output %u has an invalid or overflowing shape", i);
  if ((uint64_t)count > UINT64_MAX / 8)
    return rt_node_fail(n, MG_ERR_LIMIT, err, "output %u is too large", i);
  char what[512];
  snprintf(what, sizeof what, "%s: node '%s' (%s) output %u", e->g->file, n->name, n->op_type, i);
  if (mg_limit_check(&e->g->lim, MG_LIMIT_TENSOR_BYTES, (uint64_t)count * rt_dtype_size(dtype),
                     what, err))
    return err ? err->code : MG_ERR_LIMIT;
  t->dtype = dtype;
  t->shape = *s;
  t->count = count;
  return MG_OK;
}

/* What all nodes' own scratch may hold in one execution state. */
#define NODE_SCRATCH_BUDGET (32u << 20)

int rt_node_scratch(rt_exec *e, const rt_node *n, size_t floats, float **out, int *fresh,
                    mg_err *err) {
  const size_t i = (size_t)(n - e->g->nodes);
  *out = NULL;
  *fresh = 0;
  if (!e->node_scratch) {
    e->node_scratch = calloc(e->g->n_nodes + 1, sizeof *e->node_scratch);
    e->node_scratch_cap = calloc(e->g->n_nodes + 1, sizeof *e->node_scratch_cap);
    if (!e->node_scratch || !e->node_scratch_cap)
      return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", e->g->file);
  }
  if (floats <= e->node_scratch_cap[i]) {
    *out = e->node_scratch[i];
    return MG_OK;
  }
  size_t grow = floats - e->node_scratch_cap[i];
  if (grow > (NODE_SCRATCH_BUDGET - e->node_scratch_held) / sizeof(float))
    return MG_OK;
  float *p = realloc(e->node_scratch[i], floats * sizeof(float));
  if (!p)
    return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory for a %zu-float scratch buffer",
                   e->g->file, floats);
  e->node_scratch_held += grow * sizeof(float);
  e->node_scratch[i] = p;
  e->node_scratch_cap[i] = floats;
  *out = p;
  *fresh = 1;
  return MG_OK;
}

float *rt_scratch(rt_exec *e, size_t floats, mg_err *err) {
  if (floats <= e->scratch_cap)
    return e->scratch;
  if (floats > SIZE_MAX / sizeof(float)) {
    mg_fail(err, MG_ERR_LIMIT, "%s: scratch buffer too large", e->g->file);
    return NULL;
  }
  if (mg_limit_check(&e->g->lim, MG_LIMIT_TENSOR_BYTES, (uint64_t)floats * sizeof(float),
                     "runtime scratch buffer", err))
    return NULL;
  float *p = realloc(e->scratch, floats * sizeof(float));
  if (!p) {
    mg_fail(err, MG_ERR_NOMEM, "%s: out of memory for a %zu-float scratch buffer", e->g->file,
            floats);
    return NULL;
  }
  e->scratch = p;
  e->scratch_cap = floats;
  return p;
}
