/* The operators the runtime implements, one table entry each (rt_ops.c). */
#ifndef MG_RT_OPS_H
#define MG_RT_OPS_H

#include "runtime/rt_internal.h"

extern const rt_op rt_op_add, rt_op_sub, rt_op_mul, rt_op_div, rt_op_prelu;
/* Shape inference of a float op with one input and an output of its shape. */
int rt_unary_infer(rt_exec *e, const rt_node *n, mg_err *err);

extern const rt_op rt_op_relu, rt_op_leakyrelu, rt_op_elu, rt_op_sigmoid, rt_op_tanh, rt_op_clip;
extern const rt_op rt_op_softmax, rt_op_logsoftmax;
extern const rt_op rt_op_conv;
extern const rt_op rt_op_gemm, rt_op_matmul;
extern const rt_op rt_op_maxpool, rt_op_averagepool, rt_op_globalaveragepool;
extern const rt_op rt_op_batchnorm;
/* Multiplies a BatchNormalization node's scale and shift by gain (1: as
 * loaded), whether the planner fuses it into its producer or not. */
void rt_batchnorm_set_gain(rt_node *n, float gain);
extern const rt_op rt_op_flatten, rt_op_reshape, rt_op_squeeze, rt_op_unsqueeze, rt_op_identity,
    rt_op_dropout;
extern const rt_op rt_op_transpose;
extern const rt_op rt_op_concat;
extern const rt_op rt_op_pad;
extern const rt_op rt_op_reducemean, rt_op_reducesum, rt_op_reducesumsquare, rt_op_reducemax,
    rt_op_reducemin;
extern const rt_op rt_op_slice;
extern const rt_op rt_op_sum, rt_op_lrn;
extern const rt_op rt_op_erf, rt_op_sqrt, rt_op_exp, rt_op_neg, rt_op_abs, rt_op_softplus,
    rt_op_mish, rt_op_selu, rt_op_hardsigmoid, rt_op_hardswish, rt_op_gelu;
/* Shape inference of a float op of any number of inputs broadcast together
 * (the same shape before opset 8): Sum, Max, Min. */
int rt_broadcast_many_infer(rt_exec *e, const rt_node *n, mg_err *err);
extern const rt_op rt_op_pow, rt_op_max, rt_op_min, rt_op_cast, rt_op_castlike;
extern const rt_op rt_op_layernorm, rt_op_instancenorm;
extern const rt_op rt_op_shape, rt_op_gather, rt_op_constant, rt_op_constantofshape;

#endif
