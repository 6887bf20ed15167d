/* Cast between the runtime's element types: to float (and double, which
 * the runtime narrows to float as it does at load) and to the integer
 * types and bool (held as int64, converted through the target's range so
 * that a Cast to int8 wraps as it would). Float to integer truncates
 * toward zero; a NaN or a value outside int64 is an error, not undefined
 * behaviour. Other targets (float16, strings...) are refused at load. The
 * gradient passes through float-to-float casts. CastLike takes the type of
 * its second input. */
#include "config.h"

#include "runtime/ops/ops.h"

#include <math.h>
#include <stdlib.h>

typedef struct cast_params {
  int64_t to; /* ONNX TensorProto.DataType */
} cast_params;

static int cast_target(int64_t to) {
  switch (to) {
  case 1:  /* FLOAT */
  case 11: /* DOUBLE */
    return RT_F32;
  case 2:  /* UINT8 */
  case 3:  /* INT8 */
  case 4:  /* UINT16 */
  case 5:  /* INT16 */
  case 6:  /* INT32 */
  case 7:  /* INT64 */
  case 9:  /* BOOL */
  case 12: /* UINT32 */
  case 13: /* UINT64 (held as int64: values past INT64_MAX wrap) */
    return RT_I64;
  default:
    return RT_UNDEF;
  }
}

static int cast_parse(rt_graph *g, rt_node *n, mg_err *err) {
  (void)g;
  cast_params *p = calloc(1, sizeof *p);
  if (!p)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  n->p = p;
  const rt_attr *a = rt_attr_get(n, "to");
  if (!a)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "attribute 'to' is required");
  if (a->type == RT_AT_STRING) /* opset 1 spelled the type out */
    return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "a string 'to' (opset 1) is not supported");
  int rc = rt_attr_int(n, "to", 0, &p->to, err);
  if (rc)
    return rc;
  if (cast_target(p->to) == RT_UNDEF)
    return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "cast to element type %lld is not supported",
                        (long long)p->to);
  return MG_OK;
}

static int cast_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  if (n->n_in != 1 || n->in[0] < 0 || n->n_out != 1 || n->out[0] < 0)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "needs 1 input and 1 output");
  const cast_params *p = n->p;
  rt_tensor *x = rt_in(e, n, 0);
  return rt_set_out(e, n, 0, cast_target(p->to), &x->shape, err);
}

/* An int64 through the target integer type's range (two's complement). */
static int64_t narrow(int64_t to, int64_t v) {
  switch (to) {
  case 2:
    return (uint8_t)v;
  case 3:
    return (int8_t)v;
  case 4:
    return (uint16_t)v;
  case 5:
    return (int16_t)v;
  case 6:
    return (int32_t)v;
  case 9:
    return v != 0;
  case 12:
    return (uint32_t)v;
  default:
    return v;
  }
}

/* CastLike (opset 15): Cast to the element type of input 1, as ONNX's
 * function bodies (the _expanded forms of Gelu, Selu, ...) use it. */
static int castlike_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  if (n->n_in != 2 || n->in[0] < 0 || n->in[1] < 0 || n->n_out != 1 || n->out[0] < 0)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "needs 2 inputs and 1 output");
  rt_tensor *x = rt_in(e, n, 0), *like = rt_in(e, n, 1);
  return rt_set_out(e, n, 0, like->dtype, &x->shape, err);
}

/* The target type: the attribute, or CastLike's input 1 (int64 for the
 * integer types the runtime widens, float for float and double). */
static int64_t cast_to(rt_exec *e, const rt_node *n) {
  if (n->n_in == 2)
    return rt_in(e, n, 1)->dtype == RT_F32 ? 1 : 7;
  return ((const cast_params *)n->p)->to;
}

static int cast_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  const cast_params cp = {cast_to(e, n)}, *p = &cp;
  rt_tensor *x = rt_in(e, n, 0), *y = rt_out(e, n, 0);
  if (y->dtype == RT_F32) {
    float *ys = y->data;
    for (int64_t i = 0; i < x->count; i++)
      ys[i] =
          x->dtype == RT_F32 ? ((const float *)x->data)[i] : (float)((const int64_t *)x->data)[i];
    return MG_OK;
  }
  int64_t *ys = y->data;
  for (int64_t i = 0; i < x->count; i++) {
    int64_t v;
    if (x->dtype == RT_I64) {
      v = ((const int64_t *)x->data)[i];
    } else {
      float f = ((const float *)x->data)[i];
      if (p->to == 9) {
        v = f != 0; /* NaN is true, as in numpy */
      } else {
        if (!(f > -9223372036854775808.0f && f < 9223372036854775808.0f))
          return rt_node_fail(n, MG_ERR_NUMERIC, err, "value %g does not fit the integer type",
                              (double)f);
        v = (int64_t)f;
      }
    }
    ys[i] = narrow(p->to, v);
  }
  return MG_OK;
}

static int cast_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  (void)err;
  rt_tensor *y = rt_out(e, n, 0);
  float *gx = rt_gin(e, n, 0);
  const float *g = rt_gout(e, n, 0);
  if (gx && g && y->dtype == RT_F32)
    for (int64_t i = 0; i < y->count; i++)
      gx[i] += g[i];
  return MG_OK;
}

const rt_op rt_op_cast = {
    .name = "Cast", .parse = cast_parse, .infer = cast_infer, .forward = cast_fwd, .vjp = cast_vjp};
const rt_op rt_op_castlike = {
    .name = "CastLike", .infer = castlike_infer, .forward = cast_fwd, .vjp = cast_vjp};
