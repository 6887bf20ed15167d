/* The operator table: ONNX op name -> {parse, shape inference, forward,
 * vector-Jacobian product}. Only the default ONNX domain is implemented. */
#include "config.h"

#include "runtime/ops/ops.h"

#include <string.h>

static const rt_op *const table[] = {
    &rt_op_add,
    &rt_op_sub,
    &rt_op_mul,
    &rt_op_div,
    &rt_op_prelu,
    &rt_op_relu,
    &rt_op_leakyrelu,
    &rt_op_elu,
    &rt_op_sigmoid,
    &rt_op_tanh,
    &rt_op_clip,
    &rt_op_softmax,
    &rt_op_logsoftmax,
    &rt_op_conv,
    &rt_op_gemm,
    &rt_op_matmul,
    &rt_op_maxpool,
    &rt_op_averagepool,
    &rt_op_globalaveragepool,
    &rt_op_batchnorm,
    &rt_op_flatten,
    &rt_op_reshape,
    &rt_op_squeeze,
    &rt_op_unsqueeze,
    &rt_op_identity,
    &rt_op_dropout,
    &rt_op_transpose,
    &rt_op_concat,
    &rt_op_pad,
    &rt_op_reducemean,
    &rt_op_reducesum,
    &rt_op_reducesumsquare,
    &rt_op_reducemax,
    &rt_op_reducemin,
    &rt_op_slice,
    &rt_op_shape,
    &rt_op_gather,
    &rt_op_constant,
    &rt_op_constantofshape,
    &rt_op_sum,
    &rt_op_lrn,
    &rt_op_erf,
    &rt_op_gelu,
    &rt_op_sqrt,
    &rt_op_exp,
    &rt_op_neg,
    &rt_op_abs,
    &rt_op_softplus,
    &rt_op_mish,
    &rt_op_selu,
    &rt_op_hardsigmoid,
    &rt_op_hardswish,
    &rt_op_pow,
    &rt_op_layernorm,
    &rt_op_instancenorm,
    &rt_op_cast,
    &rt_op_castlike,
    &rt_op_max,
    &rt_op_min,
};

const rt_op *rt_op_find(const char *domain, const char *op_type) {
  if (domain && domain[0] && strcmp(domain, "ai.onnx") != 0)
    return NULL;
  for (size_t i = 0; i < sizeof table / sizeof *table; i++)
    if (!strcmp(table[i]->name, op_type))
      return table[i];
  return NULL;
}

size_t rt_op_count(void) {
  return sizeof table / sizeof *table;
}
const char *rt_op_name(size_t i) {
  return i < rt_op_count() ? table[i]->name : NULL;
}
