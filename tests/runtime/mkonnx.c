/* ONNX model builder for tests (see mkonnx.h). Test code: allocation
 * failures abort. */
#include "config.h"

#include "mkonnx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mk_model {
  Onnx__ModelProto m;
  Onnx__GraphProto g;
  Onnx__OperatorSetIdProto op;
  Onnx__OperatorSetIdProto *ops[1];
};

static void *xcalloc(size_t n, size_t s) {
  void *p = calloc(n ? n : 1, s);
  if (!p)
    abort();
  return p;
}

#define GROW(arr, count)                                                                           \
  do {                                                                                             \
    arr = realloc(arr, ((count) + 1) * sizeof *(arr));                                             \
    if (!arr)                                                                                      \
      abort();                                                                                     \
  } while (0)

mk_model *mk_new(int64_t opset) {
  mk_model *m = xcalloc(1, sizeof *m);
  onnx__model_proto__init(&m->m);
  onnx__graph_proto__init(&m->g);
  onnx__operator_set_id_proto__init(&m->op);
  m->op.domain = strdup("");
  m->op.has_version = 1;
  m->op.version = opset;
  m->ops[0] = &m->op;
  m->m.has_ir_version = 1;
  m->m.ir_version = opset >= 13 ? 7 : 6;
  m->m.n_opset_import = 1;
  m->m.opset_import = m->ops;
  m->m.producer_name = strdup("mkonnx");
  m->m.graph = &m->g;
  m->g.name = strdup("test");
  return m;
}

Onnx__ModelProto *mk_proto(mk_model *m) {
  return &m->m;
}

static Onnx__ValueInfoProto *value_info(const char *name, int dtype, int rank,
                                        const int64_t *dims) {
  Onnx__ValueInfoProto *vi = xcalloc(1, sizeof *vi);
  onnx__value_info_proto__init(vi);
  vi->name = strdup(name);
  if (rank < 0)
    return vi;
  Onnx__TypeProto *tp = xcalloc(1, sizeof *tp);
  onnx__type_proto__init(tp);
  Onnx__TypeProto__Tensor *tt = xcalloc(1, sizeof *tt);
  onnx__type_proto__tensor__init(tt);
  tt->has_elem_type = 1;
  tt->elem_type = dtype;
  Onnx__TensorShapeProto *sp = xcalloc(1, sizeof *sp);
  onnx__tensor_shape_proto__init(sp);
  sp->n_dim = (size_t)rank;
  sp->dim = xcalloc((size_t)rank, sizeof *sp->dim);
  for (int i = 0; i < rank; i++) {
    Onnx__TensorShapeProto__Dimension *d = xcalloc(1, sizeof *d);
    onnx__tensor_shape_proto__dimension__init(d);
    if (dims[i] >= 0) {
      d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
      d->dim_value = dims[i];
    } else {
      d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
      d->dim_param = strdup("N");
    }
    sp->dim[i] = d;
  }
  tt->shape = sp;
  tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  tp->tensor_type = tt;
  vi->type = tp;
  return vi;
}

void mk_input(mk_model *m, const char *name, int dtype, int rank, const int64_t *dims) {
  GROW(m->g.input, m->g.n_input);
  m->g.input[m->g.n_input++] = value_info(name, dtype, rank, dims);
}

void mk_output(mk_model *m, const char *name) {
  GROW(m->g.output, m->g.n_output);
  m->g.output[m->g.n_output++] = value_info(name, 1, -1, NULL);
}

static Onnx__TensorProto *tensor(const char *name, int dtype, int rank, const int64_t *dims,
                                 const void *v, size_t es) {
  Onnx__TensorProto *t = xcalloc(1, sizeof *t);
  onnx__tensor_proto__init(t);
  t->name = strdup(name);
  t->has_data_type = 1;
  t->data_type = dtype;
  t->n_dims = (size_t)rank;
  t->dims = xcalloc((size_t)rank, sizeof *t->dims);
  size_t count = 1;
  for (int i = 0; i < rank; i++) {
    t->dims[i] = dims[i];
    count *= (size_t)dims[i];
  }
  t->has_raw_data = 1;
  t->raw_data.len = count * es;
  t->raw_data.data = xcalloc(count, es);
  if (v)
    memcpy(t->raw_data.data, v, count * es);
  return t;
}

void mk_init_f(mk_model *m, const char *name, int rank, const int64_t *dims, const float *v) {
  GROW(m->g.initializer, m->g.n_initializer);
  m->g.initializer[m->g.n_initializer++] = tensor(name, 1, rank, dims, v, 4);
}

void mk_init_i(mk_model *m, const char *name, int rank, const int64_t *dims, const int64_t *v) {
  GROW(m->g.initializer, m->g.n_initializer);
  m->g.initializer[m->g.n_initializer++] = tensor(name, 7, rank, dims, v, 8);
}

Onnx__TensorProto *mk_last_init(mk_model *m) {
  return m->g.n_initializer ? m->g.initializer[m->g.n_initializer - 1] : NULL;
}

static char **split(const char *s, size_t *n) {
  *n = 0;
  if (!s || !*s)
    return NULL;
  char **v = NULL;
  const char *p = s;
  for (;;) {
    const char *c = strchr(p, ',');
    size_t len = c ? (size_t)(c - p) : strlen(p);
    GROW(v, *n);
    v[*n] = xcalloc(len + 1, 1);
    memcpy(v[*n], p, len);
    (*n)++;
    if (!c)
      break;
    p = c + 1;
  }
  return v;
}

Onnx__NodeProto *mk_node(mk_model *m, const char *op, const char *ins, const char *outs) {
  Onnx__NodeProto *n = xcalloc(1, sizeof *n);
  onnx__node_proto__init(n);
  n->op_type = strdup(op);
  char name[64];
  snprintf(name, sizeof name, "n%zu_%s", m->g.n_node, op);
  n->name = strdup(name);
  n->input = split(ins, &n->n_input);
  n->output = split(outs, &n->n_output);
  GROW(m->g.node, m->g.n_node);
  m->g.node[m->g.n_node++] = n;
  return n;
}

static Onnx__AttributeProto *attr(Onnx__NodeProto *n, const char *name, int type) {
  Onnx__AttributeProto *a = xcalloc(1, sizeof *a);
  onnx__attribute_proto__init(a);
  a->name = strdup(name);
  a->has_type = 1;
  a->type = type;
  GROW(n->attribute, n->n_attribute);
  n->attribute[n->n_attribute++] = a;
  return a;
}

void mk_attr_i(Onnx__NodeProto *n, const char *name, int64_t v) {
  Onnx__AttributeProto *a = attr(n, name, 2);
  a->has_i = 1;
  a->i = v;
}

void mk_attr_f(Onnx__NodeProto *n, const char *name, float v) {
  Onnx__AttributeProto *a = attr(n, name, 1);
  a->has_f = 1;
  a->f = v;
}

void mk_attr_s(Onnx__NodeProto *n, const char *name, const char *v) {
  Onnx__AttributeProto *a = attr(n, name, 3);
  a->has_s = 1;
  a->s.len = strlen(v);
  a->s.data = (uint8_t *)strdup(v);
}

void mk_attr_ints(Onnx__NodeProto *n, const char *name, int count, const int64_t *v) {
  Onnx__AttributeProto *a = attr(n, name, 7);
  a->n_ints = (size_t)count;
  a->ints = xcalloc((size_t)count, sizeof *a->ints);
  memcpy(a->ints, v, (size_t)count * sizeof *v);
}

void mk_attr_floats(Onnx__NodeProto *n, const char *name, int count, const float *v) {
  Onnx__AttributeProto *a = attr(n, name, 6);
  a->n_floats = (size_t)count;
  a->floats = xcalloc((size_t)count, sizeof *a->floats);
  memcpy(a->floats, v, (size_t)count * sizeof *v);
}

void mk_attr_tensor_f(Onnx__NodeProto *n, const char *name, int rank, const int64_t *dims,
                      const float *v) {
  attr(n, name, 4)->t = tensor("", 1, rank, dims, v, 4);
}

void mk_attr_tensor_i(Onnx__NodeProto *n, const char *name, int rank, const int64_t *dims,
                      const int64_t *v) {
  attr(n, name, 4)->t = tensor("", 7, rank, dims, v, 8);
}

uint8_t *mk_bytes(mk_model *m, size_t *len) {
  *len = onnx__model_proto__get_packed_size(&m->m);
  uint8_t *b = xcalloc(*len + 1, 1);
  onnx__model_proto__pack(&m->m, b);
  return b;
}

int mk_write(mk_model *m, const char *path) {
  size_t len;
  uint8_t *b = mk_bytes(m, &len);
  FILE *f = fopen(path, "wb");
  int rc = f && fwrite(b, 1, len, f) == len ? 0 : -1;
  if (f && fclose(f) != 0)
    rc = -1;
  free(b);
  return rc;
}

/* The structs were built by hand, not by protobuf-c's unpacker, but every
 * pointer came from malloc, so protobuf-c's free walks them correctly. */
void mk_free(mk_model *m) {
  m->m.opset_import = NULL;
  m->m.n_opset_import = 0;
  m->m.graph = NULL;
  free(m->op.domain);
  Onnx__GraphProto *g = &m->g;
  for (size_t i = 0; i < g->n_node; i++)
    onnx__node_proto__free_unpacked(g->node[i], NULL);
  for (size_t i = 0; i < g->n_initializer; i++)
    onnx__tensor_proto__free_unpacked(g->initializer[i], NULL);
  for (size_t i = 0; i < g->n_input; i++)
    onnx__value_info_proto__free_unpacked(g->input[i], NULL);
  for (size_t i = 0; i < g->n_output; i++)
    onnx__value_info_proto__free_unpacked(g->output[i], NULL);
  free(g->node);
  free(g->initializer);
  free(g->input);
  free(g->output);
  free(g->name);
  free(m->m.producer_name);
  free(m);
}
