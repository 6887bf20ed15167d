/* Shape (start/end from opset 15), Gather, Constant and ConstantOfShape:
 * the ops of constant and shape sub-graphs. They are folded at load or
 * when the input shapes are known; Gather also runs on activations (for
 * instance picking a channel) and has a scatter-add VJP. */
#include "config.h"

#include "runtime/ops/ops.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- Shape ---- */
static int shape_range(const rt_node *n, uint32_t rank, int64_t *b, int64_t *en, mg_err *err) {
  int64_t s = 0, t = rank;
  if (n->opset >= 15) {
    int rc = rt_attr_int(n, "start", 0, &s, err);
    if (!rc)
      rc = rt_attr_int(n, "end", rank, &t, err);
    if (rc)
      return rc;
  }
  if (s < 0)
    s += rank;
  if (t < 0)
    t += rank;
  s = s < 0 ? 0 : s > rank ? rank : s;
  t = t < 0 ? 0 : t > rank ? rank : t;
  *b = s;
  *en = t < s ? s : t;
  return MG_OK;
}

static int shape_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  if (n->n_in != 1 || n->in[0] < 0 || n->n_out != 1)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "needs 1 input and 1 output");
  int64_t b, en;
  int rc = shape_range(n, rt_in(e, n, 0)->shape.rank, &b, &en, err);
  rt_shape s = {1, {en - b}};
  return rc ? rc : rt_set_out(e, n, 0, RT_I64, &s, err);
}

static int shape_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  rt_tensor *x = rt_in(e, n, 0);
  int64_t b, en;
  int rc = shape_range(n, x->shape.rank, &b, &en, err);
  int64_t *y = rt_out(e, n, 0)->data;
  for (int64_t i = b; !rc && i < en; i++)
    y[i - b] = x->shape.d[i];
  return rc;
}

const rt_op rt_op_shape = {.name = "Shape",
                           .flags = RT_OP_SHAPE_ONLY | RT_OP_NO_GRAD,
                           .infer = shape_infer,
                           .forward = shape_fwd};

/* ---- Gather ---- */
static int gather_geom(rt_exec *e, const rt_node *n, uint32_t *axis, int64_t *outer, int64_t *inner,
                       mg_err *err) {
  int64_t ax;
  int rc = rt_attr_int(n, "axis", 0, &ax, err);
  rt_tensor *x = rt_in(e, n, 0);
  if (rc || (rc = rt_axis(n, ax, x->shape.rank, axis, err)))
    return rc;
  *outer = 1;
  *inner = 1;
  for (uint32_t i = 0; i < *axis; i++)
    *outer *= x->shape.d[i];
  for (uint32_t i = *axis + 1; i < x->shape.rank; i++)
    *inner *= x->shape.d[i];
  return MG_OK;
}

static int gather_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  if (n->n_in != 2 || n->in[0] < 0 || n->in[1] < 0 || n->n_out != 1)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "needs 2 inputs and 1 output");
  rt_tensor *x = rt_in(e, n, 0), *ix = rt_in(e, n, 1);
  int rc = rt_need_dtype(n, ix, 1, RT_I64, err);
  uint32_t axis;
  int64_t outer, inner;
  if (rc || (rc = gather_geom(e, n, &axis, &outer, &inner, err)))
    return rc;
  if (x->shape.rank + ix->shape.rank - 1 > RT_MAX_RANK)
    return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "output rank exceeds %d", RT_MAX_RANK);
  rt_shape s = {0, {0}};
  for (uint32_t i = 0; i < axis; i++)
    s.d[s.rank++] = x->shape.d[i];
  for (uint32_t i = 0; i < ix->shape.rank; i++)
    s.d[s.rank++] = ix->shape.d[i];
  for (uint32_t i = axis + 1; i < x->shape.rank; i++)
    s.d[s.rank++] = x->shape.d[i];
  if (axis == 0 && e->g->values[n->in[0]].cls == RT_DYN)
    e->mixes_batch = 1;
  return rt_set_out(e, n, 0, x->dtype, &s, err);
}

static int gather_run(rt_exec *e, const rt_node *n, int backward, mg_err *err) {
  uint32_t axis;
  int64_t outer, inner;
  int rc = gather_geom(e, n, &axis, &outer, &inner, err);
  if (rc)
    return rc;
  rt_tensor *x = rt_in(e, n, 0), *ix = rt_in(e, n, 1), *y = rt_out(e, n, 0);
  const int64_t *idx = ix->data;
  int64_t len = x->shape.d[axis], k = ix->count;
  size_t es = rt_dtype_size(x->dtype);
  const float *gy = backward ? rt_gout(e, n, 0) : NULL;
  float *gx = backward ? rt_gin(e, n, 0) : NULL;
  if (backward && !gx)
    return MG_OK;
  for (int64_t j = 0; j < k; j++) {
    int64_t v = idx[j];
    if (v < -len || v >= len)
      return rt_node_fail(n, MG_ERR_FORMAT, err,
                          "index %" PRId64 " out of range [-%" PRId64 ", %" PRId64 ")", v, len,
                          len);
  }
  for (int64_t o = 0; o < outer; o++)
    for (int64_t j = 0; j < k; j++) {
      int64_t v = idx[j] < 0 ? idx[j] + len : idx[j];
      int64_t src = (o * len + v) * inner, dst = (o * k + j) * inner;
      if (backward) {
        for (int64_t i = 0; i < inner; i++)
          gx[src + i] += gy[dst + i];
      } else if (inner) {
        memcpy((char *)y->data + (size_t)dst * es, (const char *)x->data + (size_t)src * es,
               (size_t)inner * es);
      }
    }
  return MG_OK;
}

static int gather_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  return gather_run(e, n, 0, err);
}
static int gather_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  return gather_run(e, n, 1, err);
}

const rt_op rt_op_gather = {
    .name = "Gather", .infer = gather_infer, .forward = gather_fwd, .vjp = gather_vjp};

/* ---- Constant ---- */
/* The value, with its data right after the struct (one free()). */
typedef struct const_params {
  rt_tensor t;
  int64_t data[];
} const_params;

static int const_parse(rt_graph *g, rt_node *n, mg_err *err) {
  (void)g;
  if (n->n_in != 0 || n->n_out != 1)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "takes no inputs and has 1 output");
  if (n->n_attrs != 1)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "needs exactly one value attribute");
  const rt_attr *a = &n->attrs[0];
  rt_tensor tt;
  memset(&tt, 0, sizeof tt);
  rt_tensor *t = &tt;
  size_t count = 1;
  if (!strcmp(a->name, "value") && a->type == RT_AT_TENSOR && a->t) {
    *t = *a->t;
    t->data = NULL;
    count = (size_t)a->t->count;
  } else if (!strcmp(a->name, "value_float") && a->type == RT_AT_FLOAT) {
    t->dtype = RT_F32;
  } else if (!strcmp(a->name, "value_int") && a->type == RT_AT_INT) {
    t->dtype = RT_I64;
  } else if (!strcmp(a->name, "value_floats") && a->type == RT_AT_FLOATS) {
    t->dtype = RT_F32;
    t->shape.rank = 1;
    count = a->n_floats;
  } else if (!strcmp(a->name, "value_ints") && a->type == RT_AT_INTS) {
    t->dtype = RT_I64;
    t->shape.rank = 1;
    count = a->n_ints;
  } else {
    return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "attribute '%s' is not supported", a->name);
  }
  if (t->shape.rank == 1)
    t->shape.d[0] = (int64_t)count;
  t->count = (int64_t)count;
  size_t es = rt_dtype_size(t->dtype);
  const_params *p = malloc(sizeof *p + count * es + 8);
  if (!p)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  n->p = p;
  p->t = tt;
  t = &p->t;
  t->data = p->data;
  if (!count)
    return MG_OK;
  if (a->type == RT_AT_TENSOR)
    memcpy(t->data, a->t->data, count * es);
  else if (a->type == RT_AT_FLOAT)
    ((float *)t->data)[0] = a->f;
  else if (a->type == RT_AT_INT)
    ((int64_t *)t->data)[0] = a->i;
  else if (a->type == RT_AT_FLOATS)
    memcpy(t->data, a->floats, count * es);
  else
    memcpy(t->data, a->ints, count * es);
  return MG_OK;
}

static int const_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  const const_params *p = n->p;
  return rt_set_out(e, n, 0, p->t.dtype, &p->t.shape, err);
}

static int const_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  (void)err;
  const const_params *p = n->p;
  if (p->t.count)
    memcpy(rt_out(e, n, 0)->data, p->t.data, (size_t)p->t.count * rt_dtype_size(p->t.dtype));
  return MG_OK;
}

const rt_op rt_op_constant = {.name = "Constant",
                              .flags = RT_OP_NO_GRAD,
                              .parse = const_parse,
                              .infer = const_infer,
                              .forward = const_fwd};

/* ---- ConstantOfShape ---- */
static int cos_value(const rt_node *n, int *dtype, float *f, int64_t *i, mg_err *err) {
  const rt_attr *a = rt_attr_get(n, "value");
  *dtype = RT_F32;
  *f = 0;
  *i = 0;
  if (!a)
    return MG_OK;
  if (a->type != RT_AT_TENSOR || !a->t || a->t->count != 1)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "'value' must be a one-element tensor");
  *dtype = a->t->dtype;
  if (*dtype == RT_F32)
    *f = ((const float *)a->t->data)[0];
  else
    *i = ((const int64_t *)a->t->data)[0];
  return MG_OK;
}

static int cos_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  if (n->n_in != 1 || n->n_out != 1)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "needs 1 input and 1 output");
  int rc = rt_in_known(e, n, 0, RT_I64, err);
  if (rc)
    return rc;
  rt_tensor *st = rt_in(e, n, 0);
  if (st->shape.rank != 1 || st->count > RT_MAX_RANK)
    return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "shape must be 1-D with at most %d values",
                        RT_MAX_RANK);
  rt_shape s = {(uint32_t)st->count, {0}};
  for (uint32_t i = 0; i < s.rank; i++) {
    s.d[i] = ((const int64_t *)st->data)[i];
    if (s.d[i] < 0)
      return rt_node_fail(n, MG_ERR_FORMAT, err, "negative dimension %" PRId64, s.d[i]);
  }
  int dtype;
  float f;
  int64_t iv;
  if ((rc = cos_value(n, &dtype, &f, &iv, err)))
    return rc;
  return rt_set_out(e, n, 0, dtype, &s, err);
}

static int cos_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  int dtype;
  float f;
  int64_t iv;
  int rc = cos_value(n, &dtype, &f, &iv, err);
  rt_tensor *y = rt_out(e, n, 0);
  for (int64_t k = 0; !rc && k < y->count; k++) {
    if (dtype == RT_F32)
      ((float *)y->data)[k] = f;
    else
      ((int64_t *)y->data)[k] = iv;
  }
  return rc;
}

const rt_op rt_op_constantofshape = {
    .name = "ConstantOfShape", .flags = RT_OP_NO_GRAD, .infer = cos_infer, .forward = cos_fwd};
