/* The runtime's internal data model: a loaded graph (values, nodes in
 * topological order, constants), the per-thread execution state that holds
 * one batch's shapes, activations and gradients, and the operator table
 * entry every op file fills in (parse, shape inference, forward, VJP). */
#ifndef MG_RT_INTERNAL_H
#define MG_RT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "base/limit_table.h"
#include "runtime/rt_onnx.h"
#include "runtime/runtime.h"

#define RT_MAX_RANK 8
/* Opsets and IR versions whose semantics the ops below implement. */
#define RT_MIN_OPSET 6
#define RT_MAX_OPSET 25
#define RT_MIN_IR 3
#define RT_MAX_IR 13

/* Element types, numbered as ONNX's TensorProto.DataType. Every integer
 * type is widened to int64 and double narrowed to float at load. */
enum rt_dtype { RT_UNDEF = 0, RT_F32 = 1, RT_I64 = 7 };

/* ONNX AttributeProto.AttributeType values the ops read. */
enum rt_attr_type {
  RT_AT_FLOAT = 1,
  RT_AT_INT = 2,
  RT_AT_STRING = 3,
  RT_AT_TENSOR = 4,
  RT_AT_FLOATS = 6,
  RT_AT_INTS = 7
};

/* When a value's data is known: at load (initializers, folded constant
 * sub-graphs), when the input shapes are known (shape sub-graphs), or only
 * when the batch runs. */
enum rt_vclass { RT_DYN = 0, RT_PLAN = 1, RT_CONST = 2 };

typedef struct rt_shape {
  uint32_t rank;
  int64_t d[RT_MAX_RANK];
} rt_shape;

typedef struct rt_tensor {
  int dtype;
  rt_shape shape;
  int64_t count; /* product of dims */
  void *data;    /* float or int64_t */
} rt_tensor;

typedef struct rt_attr {
  char *name;
  int type;
  float f;
  int64_t i;
  char *s; /* NUL-terminated copy */
  float *floats;
  size_t n_floats;
  int64_t *ints;
  size_t n_ints;
  rt_tensor *t;
} rt_attr;

typedef struct rt_value {
  char *name;
  int32_t producer; /* node index, -1 for graph inputs and initializers */
  int cls;          /* enum rt_vclass */
  rt_tensor konst;  /* data when cls == RT_CONST (owned) */
  uint32_t n_uses;  /* node inputs reading it */
  int is_output;    /* a graph output */
} rt_value;

struct rt_op;

typedef struct rt_node {
  char *name;    /* may be "" */
  char *op_type; /* as in the file */
  char *domain;
  const struct rt_op *op;
  int opset; /* version of the node's domain the model imports */
  uint32_t n_in, n_out;
  int32_t *in, *out; /* value indices; -1 = optional input left empty */
  uint32_t n_attrs;
  rt_attr *attrs;
  void *p; /* op parameters parsed at load (owned, free()d) */
  int cls; /* class of the outputs */
} rt_node;

typedef struct rt_graph {
  rt_value *values;
  uint32_t n_values;
  rt_node *nodes; /* topological order */
  uint32_t n_nodes;
  int32_t *inputs; /* graph inputs that are not initializers */
  uint32_t n_inputs;
  int32_t *outputs;
  uint32_t n_outputs;
  /* Declared input types/shapes (dims < 0: symbolic). */
  int *in_dtype;
  rt_shape *in_shape;
  mg_limits lim;
  /* Bumped whenever constant parameters change after load (a BatchNorm
   * amplified, mg_model_bn_amplify): what an op packed from them is stale. */
  uint64_t param_epoch;
  int64_t ir_version;
  int64_t opset;
  char *file; /* for messages */
} rt_graph;

/* A recycled float/int64 buffer of one execution state. */
typedef struct rt_buf {
  void *p;
  size_t cap;
} rt_buf;

typedef struct rt_pool {
  rt_buf *free;
  size_t n_free, cap_free;
  size_t held; /* bytes in free list */
} rt_pool;

/* Work of the nodes after an op that the op may do itself, in registers,
 * instead of another pass over its output: offered by the planner
 * (rt_plan.c) when nothing else reads what is skipped. An op that does all
 * of it sets taken; one that does not leaves the nodes to run. In order: */
typedef struct rt_epilogue {
  const float *scale, *shift; /* y = y * scale[c] + shift[c] per channel (axis 1), or NULL */
  const float *add;           /* y += this tensor of y's shape (a residual Add), or NULL */
  int relu;                   /* then y = Relu(y), or with slope > 0 y = LeakyRelu(y) */
  float slope;
  int taken;
} rt_epilogue;

/* One batch's worth of state; one per thread. */
typedef struct rt_exec {
  const rt_graph *g;
  rt_tensor *t;                 /* per value: shape, dtype, data */
  uint8_t *owned;               /* data was allocated here (else borrowed) */
  size_t *cap;                  /* capacity of owned data, bytes */
  float **grad;                 /* per value, NULL when no gradient flows */
  uint32_t *left;               /* uses left before the data can be released */
  uint8_t *keep;                /* never release during the run */
  int keep_all;                 /* backward follows: keep every activation */
  int64_t batch_from, batch_to; /* Reshape batch rewrite, see op_reshape.c */
  int mixes_batch;              /* an op combines rows (set by infer) */
  rt_epilogue epilogue;         /* offered to the op that runs, see rt_epilogue */
  rt_pool pool;
  float *scratch; /* im2col and friends */
  size_t scratch_cap;
  /* Per node, kept across runs (rt_node_scratch): weights packed once. */
  float **node_scratch;
  size_t *node_scratch_cap, node_scratch_held;
} rt_exec;

enum rt_op_flags {
  RT_OP_SHAPE_ONLY = 1, /* outputs depend on the input shapes only */
  RT_OP_NO_GRAD = 2     /* no gradient flows through it */
};

typedef struct rt_op {
  const char *name;
  int flags;
  /* Checks attributes at load and stores them in n->p. */
  int (*parse)(rt_graph *g, rt_node *n, mg_err *err);
  /* Sets dtype and shape of the outputs from the inputs' (and, for shape
   * inputs, their data, which is known at plan time). */
  int (*infer)(rt_exec *e, const rt_node *n, mg_err *err);
  /* Fills the outputs, already allocated. */
  int (*forward)(rt_exec *e, const rt_node *n, mg_err *err);
  /* Adds dL/dinput to e->grad[in] for every input whose grad is not NULL,
   * from e->grad[out]. NULL when the op has RT_OP_NO_GRAD. */
  int (*vjp)(rt_exec *e, const rt_node *n, mg_err *err);
  /* Optional: run once after load and constant folding, precomputes what
   * the node's constant inputs allow into n->p. */
  int (*prepare)(rt_graph *g, rt_node *n, mg_err *err);
  /* Optional: when the node is y = x * scale[c] + shift[c] per channel
   * (axis 1) of its input 0, with constants, returns c and sets them, so
   * that x's producer may apply it (rt_epilogue); else 0. Its VJP must
   * then not read x for the gradient of x. */
  int64_t (*channel_affine)(const rt_node *n, const float **scale, const float **shift);
  /* Optional: when the node is y = x > 0 ? x : slope * x of its one input
   * x, with slope 0 (Relu, NaN to 0) or > 0 (LeakyRelu), sets slope and
   * returns 1, so that x's producer may apply it (rt_epilogue); else 0.
   * Its VJP reads only the sign of x, which the rectified values keep. */
  int (*rectifier)(const rt_node *n, float *slope);
} rt_op;

/* ---- op table (rt_ops.c) ---- */
const rt_op *rt_op_find(const char *domain, const char *op_type);

/* ---- helpers shared by ops (rt_util.c) ---- */
const rt_attr *rt_attr_get(const rt_node *n, const char *name);
/* Typed lookups: fail with a clear message if present with the wrong type. */
int rt_attr_int(const rt_node *n, const char *name, int64_t def, int64_t *v, mg_err *err);
int rt_attr_float(const rt_node *n, const char *name, float def, float *v, mg_err *err);
int rt_attr_ints(const rt_node *n, const char *name, const int64_t **v, size_t *count, mg_err *err);
int rt_attr_string(const rt_node *n, const char *name, const char *def, const char **v,
                   mg_err *err);
/* Fails with "node 'name' (Op, opset N): <msg>". */
int rt_node_fail(const rt_node *n, int code, mg_err *err, const char *fmt, ...) MG_FMT(4, 5);

int rt_shape_count(const rt_shape *s, int64_t *count);
int rt_shape_equal(const rt_shape *a, const rt_shape *b);
void rt_shape_str(const rt_shape *s, char *buf, size_t len);
/* Normalises an axis in [-rank, rank) to [0, rank). */
int rt_axis(const rt_node *n, int64_t axis, uint32_t rank, uint32_t *out, mg_err *err);
size_t rt_dtype_size(int dtype);

/* Accessors for the current execution. */
static inline rt_tensor *rt_in(rt_exec *e, const rt_node *n, uint32_t i) {
  return i < n->n_in && n->in[i] >= 0 ? &e->t[n->in[i]] : NULL;
}
static inline rt_tensor *rt_out(rt_exec *e, const rt_node *n, uint32_t i) {
  return &e->t[n->out[i]];
}
static inline float *rt_gin(rt_exec *e, const rt_node *n, uint32_t i) {
  return i < n->n_in && n->in[i] >= 0 ? e->grad[n->in[i]] : NULL;
}
static inline float *rt_gout(rt_exec *e, const rt_node *n, uint32_t i) {
  return e->grad[n->out[i]];
}
/* The input must be known at plan time (constant or shape-derived). */
int rt_in_known(rt_exec *e, const rt_node *n, uint32_t i, int dtype, mg_err *err);
/* Sets an output's dtype and shape, checking the tensor-bytes limit. */
int rt_set_out(rt_exec *e, const rt_node *n, uint32_t i, int dtype, const rt_shape *s, mg_err *err);
int rt_need_dtype(const rt_node *n, const rt_tensor *t, uint32_t i, int dtype, mg_err *err);
/* Scratch space of at least `floats` floats, kept across calls. */
float *rt_scratch(rt_exec *e, size_t floats, mg_err *err);
/* Node n's own scratch of at least `floats` floats, kept across runs of
 * this execution state so that what the node prepares from constants
 * (packed weights) survives: *fresh is set when its contents are new.
 * *out is NULL when the state's budget for them is spent (use rt_scratch
 * then). */
int rt_node_scratch(rt_exec *e, const rt_node *n, size_t floats, float **out, int *fresh,
                    mg_err *err);

/* ---- broadcasting (rt_bcast.c) ---- */
int rt_bcast_shape(const rt_node *n, const rt_shape *a, const rt_shape *b, rt_shape *out,
                   mg_err *err);
/* Strides (in elements) of `in` aligned to the rank of `out`, 0 where `in`
 * is broadcast. */
void rt_bcast_strides(const rt_shape *in, const rt_shape *out, int64_t *strides);
/* Iterates the output in order calling fn on runs along the innermost
 * axis: fn(ctx, out_offset, a_offset, b_offset, len, a_step, b_step). */
typedef void (*rt_bcast_fn)(void *ctx, int64_t o, int64_t a, int64_t b, int64_t len, int64_t sa,
                            int64_t sb);
void rt_bcast_walk(const rt_shape *out, const rt_shape *sa, const rt_shape *sb, rt_bcast_fn fn,
                   void *ctx);
/* Sums a gradient of shape `out` down to shape `in` (broadcast reverse),
 * adding into gin. */
void rt_bcast_reduce_add(const float *g, const rt_shape *out, const rt_shape *in, float *gin);

/* ---- tensors from protobuf (rt_tensor.c) ---- */
struct Onnx__TensorProto;
/* Decodes a TensorProto; external data is read through rt_extdata. */
int rt_tensor_from_proto(const struct Onnx__TensorProto *tp, const char *file, const char *root,
                         const mg_limits *lim, uint64_t *ext_bytes, rt_tensor *out, mg_err *err);
void rt_tensor_free(rt_tensor *t);

/* ---- external data (rt_extdata.c) ---- */
enum rt_ext_status {
  RT_EXT_OK = 0,
  RT_EXT_ABSOLUTE,
  RT_EXT_ESCAPES,
  RT_EXT_SYMLINK,
  RT_EXT_MISSING,
  RT_EXT_OUT_OF_RANGE,
  RT_EXT_NOT_REGULAR,
  RT_EXT_BAD
};
const char *rt_ext_status_name(int status);
/* Checks location/offset/length of an external tensor without reading it
 * (length < 0: to the end of the file). *file_size is set when found. */
int rt_ext_check(const char *root, const char *location, int64_t offset, int64_t length,
                 uint64_t *file_size, mg_err *err);
/* Reads exactly `len` bytes at `offset` of `location` under root. */
int rt_ext_read(const char *root, const char *location, uint64_t offset, void *buf, uint64_t len,
                mg_err *err);

/* ---- graph (rt_load.c, rt_plan.c) ---- */
int rt_graph_load(const uint8_t *buf, size_t len, const char *file, const char *root,
                  const mg_limits *lim, rt_graph **out, mg_err *err);
void rt_graph_free(rt_graph *g);
int rt_value_find(const rt_graph *g, const char *name);

rt_exec *rt_exec_new(const rt_graph *g);
void rt_exec_free(rt_exec *e);
/* Plans for these input tensors (shapes, dtypes; data borrowed, must stay
 * valid through rt_exec_forward). Evaluates shape sub-graphs. */
int rt_exec_plan(rt_exec *e, const rt_tensor *inputs, mg_err *err);
/* Runs every DYN node. keep: extra values whose data must survive. */
int rt_exec_forward(rt_exec *e, mg_err *err);
/* Seeds dL/d(output oi) with dout (shape of that output) and propagates back
 * to the graph inputs; e->grad[input] then holds dL/dinput. */
int rt_exec_backward(rt_exec *e, uint32_t oi, const float *dout, mg_err *err);
/* Releases the data of the last run (kept in the pool for the next). */
void rt_exec_reset(rt_exec *e);
void *rt_pool_get(rt_pool *p, size_t bytes);
void rt_pool_put(rt_pool *p, void *ptr, size_t bytes);

/* What one runtime file offers the others beyond the graph and plan. */
/* rt_load.c: protobuf decoding under the parse budget (for the loader and
 * the audit); the handle owns the decoded model. */
void *rt_onnx_unpack(const uint8_t *buf, size_t len, const char *file, mg_err *err);
void rt_onnx_free(void *model);
const Onnx__ModelProto *rt_onnx_model(const void *h);
/* rt_plan.c: constant folding at load. */
int rt_graph_fold(rt_graph *g, mg_err *err);
/* rt_model.c: the directory external data is read from (inside root). */
int rt_model_base_dir(const char *path, const char *root, char **base, mg_err *err);
/* rt_model.c: the loaded graph behind a model, for tests. */
const rt_graph *rt_model_graph(const mg_model *m);
/* rt_ops.c: the op table, for the audit's list of supported ops. */
size_t rt_op_count(void);
const char *rt_op_name(size_t i);

#endif
