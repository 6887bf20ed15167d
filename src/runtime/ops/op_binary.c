/* Add, Sub, Mul, Div with numpy broadcasting (float and int64, the latter
 * for shape arithmetic), and PRelu whose slope broadcasts to x. */
#include "config.h"

#include "runtime/ops/ops.h"

#include <stdlib.h>
#include <string.h>

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV };

/* B's shape as broadcasting sees it. Before opset 7, B broadcasts to A
 * only with broadcast=1, aligned at `axis` when given (legacy rules). */
static int b_shape(const rt_node *n, const rt_shape *a, const rt_shape *b, rt_shape *out,
                   mg_err *err) {
  *out = *b;
  if (n->opset >= 7)
    return MG_OK;
  int64_t bc, axis;
  int rc = rt_attr_int(n, "broadcast", 0, &bc, err);
  if (!rc)
    rc = rt_attr_int(n, "axis", INT64_MIN, &axis, err);
  if (rc)
    return rc;
  if (!bc) {
    if (!rt_shape_equal(a, b))
      return rt_node_fail(n, MG_ERR_FORMAT, err, "shapes differ and broadcast is 0");
    return MG_OK;
  }
  if (b->rank > a->rank)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "B has a higher rank than A");
  if (axis == INT64_MIN)
    return MG_OK;
  if (axis < 0)
    axis += a->rank;
  if (axis < 0 || axis + b->rank > a->rank)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "broadcast axis out of range");
  out->rank = a->rank;
  for (uint32_t i = 0; i < a->rank; i++)
    out->d[i] = i >= axis && i < axis + b->rank ? b->d[i - axis] : 1;
  return MG_OK;
}

static int binary_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  if (n->n_in != 2 || n->in[0] < 0 || n->in[1] < 0 || n->n_out != 1)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "needs 2 inputs and 1 output");
  rt_tensor *a = rt_in(e, n, 0), *b = rt_in(e, n, 1);
  if (a->dtype != b->dtype)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "inputs have different element types");
  rt_shape s, sb;
  int rc = b_shape(n, &a->shape, &b->shape, &sb, err);
  if (!rc)
    rc = rt_bcast_shape(n, &a->shape, &sb, &s, err);
  if (!rc && n->opset < 7 && !rt_shape_equal(&s, &a->shape))
    rc = rt_node_fail(n, MG_ERR_FORMAT, err, "B does not broadcast to A");
  return rc ? rc : rt_set_out(e, n, 0, a->dtype, &s, err);
}

struct bin_ctx {
  int op;
  const void *a, *b;
  void *y;
  int64_t div0; /* integer division by zero seen */
  int relu;     /* then rectify (floats): Relu with slope 0, else LeakyRelu */
  float slope;
};

/* One span of a float op. Inlined twice by run_f32 so that unit strides,
 * the common case of same-shape operands (a residual Add), get a copy the
 * compiler vectorises; it does not version the strided loops itself. */
__attribute__((always_inline)) static inline void
f32_span(int op, const float *a, const float *b, float *y, int64_t len, int64_t sa, int64_t sb) {
  switch (op) {
  case OP_ADD:
    for (int64_t i = 0; i < len; i++)
      y[i] = a[i * sa] + b[i * sb];
    break;
  case OP_SUB:
    for (int64_t i = 0; i < len; i++)
      y[i] = a[i * sa] - b[i * sb];
    break;
  case OP_MUL:
    for (int64_t i = 0; i < len; i++)
      y[i] = a[i * sa] * b[i * sb];
    break;
  default:
    for (int64_t i = 0; i < len; i++)
      y[i] = a[i * sa] / b[i * sb];
    break;
  }
}

static void run_f32(void *ctx, int64_t o, int64_t ia, int64_t ib, int64_t len, int64_t sa,
                    int64_t sb) {
  struct bin_ctx *c = ctx;
  const float *a = (const float *)c->a + ia, *b = (const float *)c->b + ib;
  float *y = (float *)c->y + o;
  if (sa == 1 && sb == 1)
    f32_span(c->op, a, b, y, len, 1, 1);
  else
    f32_span(c->op, a, b, y, len, sa, sb);
  /* The span is still in cache: the fused rectifier, as its own op does it. */
  const float slope = c->slope;
  if (c->relu && slope == 0)
    for (int64_t i = 0; i < len; i++)
      y[i] = y[i] > 0 ? y[i] : 0.0f;
  else if (c->relu)
    for (int64_t i = 0; i < len; i++)
      y[i] = y[i] > 0 ? y[i] : slope * y[i];
}

static void run_i64(void *ctx, int64_t o, int64_t ia, int64_t ib, int64_t len, int64_t sa,
                    int64_t sb) {
  struct bin_ctx *c = ctx;
  const int64_t *a = (const int64_t *)c->a + ia, *b = (const int64_t *)c->b + ib;
  int64_t *y = (int64_t *)c->y + o;
  for (int64_t i = 0; i < len; i++) {
    /* Wrap like the two's-complement hardware ONNX runtimes use. */
    uint64_t x = (uint64_t)a[i * sa], z = (uint64_t)b[i * sb];
    switch (c->op) {
    case OP_ADD:
      y[i] = (int64_t)(x + z);
      break;
    case OP_SUB:
      y[i] = (int64_t)(x - z);
      break;
    case OP_MUL:
      y[i] = (int64_t)(x * z);
      break;
    default:
      if (b[i * sb] == 0 || (a[i * sa] == INT64_MIN && b[i * sb] == -1)) {
        c->div0 = 1;
        y[i] = 0;
      } else {
        /* numpy floor division semantics are not ONNX's: truncate. */
        y[i] = a[i * sa] / b[i * sb];
      }
      break;
    }
  }
}

static int binary_forward(rt_exec *e, const rt_node *n, int op, mg_err *err) {
  rt_tensor *a = rt_in(e, n, 0), *b = rt_in(e, n, 1), *y = rt_out(e, n, 0);
  rt_shape sb;
  int rc = b_shape(n, &a->shape, &b->shape, &sb, err);
  if (rc)
    return rc;
  struct bin_ctx c = {op, a->data, b->data, y->data, 0, 0, 0.0f};
  /* A Relu or LeakyRelu that follows alone is done here (see rt_epilogue);
   * not after Div, whose VJP reads y. */
  const rt_epilogue ep = e->epilogue;
  if (a->dtype == RT_F32 && op != OP_DIV && ep.relu && !ep.scale && !ep.add) {
    c.relu = 1;
    c.slope = ep.slope;
    e->epilogue.taken = 1;
  }
  rt_bcast_walk(&y->shape, &a->shape, &sb, a->dtype == RT_F32 ? run_f32 : run_i64, &c);
  if (c.div0)
    return rt_node_fail(n, MG_ERR_NUMERIC, err, "integer division by zero");
  return MG_OK;
}

/* tmp[o] = g[o] * other[...] (or the Div partials) over the broadcast. */
struct grad_ctx {
  int which; /* 0: g*b, 1: g*a, 2: g/b, 3: -g*y/b */
  const float *g, *a, *b, *y;
  float *tmp;
};

static void run_grad(void *ctx, int64_t o, int64_t ia, int64_t ib, int64_t len, int64_t sa,
                     int64_t sb) {
  struct grad_ctx *c = ctx;
  const float *g = c->g + o, *a = c->a + ia, *b = c->b + ib;
  float *t = c->tmp + o;
  switch (c->which) {
  case 0:
    for (int64_t i = 0; i < len; i++)
      t[i] = g[i] * b[i * sb];
    break;
  case 1:
    for (int64_t i = 0; i < len; i++)
      t[i] = g[i] * a[i * sa];
    break;
  case 2:
    for (int64_t i = 0; i < len; i++)
      t[i] = g[i] / b[i * sb];
    break;
  default: {
    const float *y = c->y + o;
    for (int64_t i = 0; i < len; i++)
      t[i] = -g[i] * y[i] / b[i * sb];
    break;
  }
  }
}

static int binary_vjp(rt_exec *e, const rt_node *n, int op, mg_err *err) {
  rt_tensor *a = rt_in(e, n, 0), *bt = rt_in(e, n, 1), *y = rt_out(e, n, 0);
  rt_tensor bv = *bt, *b = &bv;
  int rc = b_shape(n, &a->shape, &bt->shape, &bv.shape, err);
  if (rc)
    return rc;
  float *ga = rt_gin(e, n, 0), *gb = rt_gin(e, n, 1);
  const float *g = rt_gout(e, n, 0);
  if (op == OP_ADD || op == OP_SUB) {
    if (ga)
      rt_bcast_reduce_add(g, &y->shape, &a->shape, ga);
    if (gb && op == OP_ADD)
      rt_bcast_reduce_add(g, &y->shape, &b->shape, gb);
    if (gb && op == OP_SUB) {
      float *tmp = rt_scratch(e, (size_t)y->count, err);
      if (!tmp)
        return err->code;
      for (int64_t i = 0; i < y->count; i++)
        tmp[i] = -g[i];
      rt_bcast_reduce_add(tmp, &y->shape, &b->shape, gb);
    }
    return MG_OK;
  }
  float *tmp = rt_scratch(e, (size_t)y->count, err);
  if (!tmp)
    return err->code;
  struct grad_ctx c = {0, g, a->data, b->data, y->data, tmp};
  if (ga) {
    c.which = op == OP_MUL ? 0 : 2;
    rt_bcast_walk(&y->shape, &a->shape, &b->shape, run_grad, &c);
    rt_bcast_reduce_add(tmp, &y->shape, &a->shape, ga);
  }
  if (gb) {
    c.which = op == OP_MUL ? 1 : 3;
    rt_bcast_walk(&y->shape, &a->shape, &b->shape, run_grad, &c);
    rt_bcast_reduce_add(tmp, &y->shape, &b->shape, gb);
  }
  return MG_OK;
}

#define BINARY(NAME, OPNAME, OP)                                                                   \
  static int NAME##_fwd(rt_exec *e, const rt_node *n, mg_err *err) {                               \
    return binary_forward(e, n, OP, err);                                                          \
  }                                                                                                \
  static int NAME##_vjp(rt_exec *e, const rt_node *n, mg_err *err) {                               \
    return binary_vjp(e, n, OP, err);                                                              \
  }                                                                                                \
  const rt_op rt_op_##NAME = {                                                                     \
      .name = OPNAME, .infer = binary_infer, .forward = NAME##_fwd, .vjp = NAME##_vjp};

BINARY(add, "Add", OP_ADD)
BINARY(sub, "Sub", OP_SUB)
BINARY(mul, "Mul", OP_MUL)
BINARY(div, "Div", OP_DIV)

/* PRelu: y = x > 0 ? x : slope * x, slope broadcast to x's shape. */
/* Before opset 7 a 1-D slope of C values applies per channel (axis 1). */
static void slope_shape(const rt_node *n, const rt_tensor *x, const rt_tensor *s, rt_shape *out) {
  *out = s->shape;
  if (n->opset < 7 && s->shape.rank == 1 && x->shape.rank >= 2 && s->shape.d[0] == x->shape.d[1] &&
      s->count > 1) {
    out->rank = x->shape.rank - 1;
    out->d[0] = s->shape.d[0];
    for (uint32_t i = 1; i < out->rank; i++)
      out->d[i] = 1;
  }
}

static int prelu_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  if (n->n_in != 2 || n->in[0] < 0 || n->in[1] < 0 || n->n_out != 1)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "needs 2 inputs and 1 output");
  rt_tensor *x = rt_in(e, n, 0), *s = rt_in(e, n, 1);
  int rc = rt_need_dtype(n, x, 0, RT_F32, err);
  if (!rc)
    rc = rt_need_dtype(n, s, 1, RT_F32, err);
  if (rc)
    return rc;
  rt_shape o, ss;
  slope_shape(n, x, s, &ss);
  if ((rc = rt_bcast_shape(n, &x->shape, &ss, &o, err)))
    return rc;
  if (!rt_shape_equal(&o, &x->shape))
    return rt_node_fail(n, MG_ERR_FORMAT, err, "slope does not broadcast to the input's shape");
  return rt_set_out(e, n, 0, RT_F32, &x->shape, err);
}

static void run_prelu(void *ctx, int64_t o, int64_t ia, int64_t ib, int64_t len, int64_t sa,
                      int64_t sb) {
  struct bin_ctx *c = ctx;
  const float *x = (const float *)c->a + ia, *s = (const float *)c->b + ib;
  float *y = (float *)c->y + o;
  for (int64_t i = 0; i < len; i++) {
    float v = x[i * sa];
    y[i] = v > 0 ? v : v * s[i * sb];
  }
}

static int prelu_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  rt_tensor *x = rt_in(e, n, 0), *s = rt_in(e, n, 1), *y = rt_out(e, n, 0);
  rt_shape ss;
  slope_shape(n, x, s, &ss);
  struct bin_ctx c = {0, x->data, s->data, y->data, 0, 0, 0.0f};
  rt_bcast_walk(&y->shape, &x->shape, &ss, run_prelu, &c);
  return MG_OK;
}

struct prelu_grad {
  const float *g, *x, *s;
  float *gx, *tmp;
};

static void run_prelu_grad(void *ctx, int64_t o, int64_t ia, int64_t ib, int64_t len, int64_t sa,
                           int64_t sb) {
  struct prelu_grad *c = ctx;
  const float *x = c->x + ia, *s = c->s + ib, *g = c->g + o;
  for (int64_t i = 0; i < len; i++) {
    float v = x[i * sa];
    if (c->gx)
      c->gx[o + i] += v > 0 ? g[i] : g[i] * s[i * sb];
    if (c->tmp)
      c->tmp[o + i] = v > 0 ? 0 : g[i] * v;
  }
}

static int prelu_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  rt_tensor *x = rt_in(e, n, 0), *s = rt_in(e, n, 1), *y = rt_out(e, n, 0);
  float *gs = rt_gin(e, n, 1);
  rt_shape ss;
  slope_shape(n, x, s, &ss);
  struct prelu_grad c = {rt_gout(e, n, 0), x->data, s->data, rt_gin(e, n, 0), NULL};
  if (gs && !(c.tmp = rt_scratch(e, (size_t)y->count, err)))
    return err->code;
  rt_bcast_walk(&y->shape, &x->shape, &ss, run_prelu_grad, &c);
  if (gs)
    rt_bcast_reduce_add(c.tmp, &y->shape, &ss, gs);
  return MG_OK;
}

const rt_op rt_op_prelu = {
    .name = "PRelu", .infer = prelu_infer, .forward = prelu_fwd, .vjp = prelu_vjp};
