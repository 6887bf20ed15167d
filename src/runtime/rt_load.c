/* ONNX bytes -> rt_graph: protobuf-c parse under a memory budget, version
 * and opset checks, initializers and Constant-node tensors decoded, names
 * resolved (dangling inputs and double definitions refused), nodes sorted
 * topologically (cycles refused), every op's attributes parsed, and the
 * constant sub-graphs folded. Anything outside what the runtime
 * implements is an error naming the node, the op and the opset. */
#include "config.h"

#include "rt_internal.h"
#include "runtime/rt_onnx.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* protobuf-c allocator that refuses to grow past a budget, so a small
 * hostile file cannot make the parser allocate without bound. */
typedef struct budget {
  size_t left;
  int exceeded;
} budget;

static void *budget_alloc(void *ctx, size_t size) {
  budget *b = ctx;
  if (size > b->left || size > SIZE_MAX - 2 * sizeof(size_t)) {
    b->exceeded = 1;
    return NULL;
  }
  size_t *p = malloc(size + sizeof(size_t) * 2);
  if (!p)
    return NULL;
  p[0] = size;
  b->left -= size;
  return p + 2;
}

static void budget_free(void *ctx, void *ptr) {
  if (!ptr)
    return;
  budget *b = ctx;
  size_t *p = (size_t *)ptr - 2;
  b->left += p[0];
  free(p);
}

typedef struct unpacked {
  budget b;
  ProtobufCAllocator a;
  Onnx__ModelProto *m;
} unpacked;

/* Parses a ModelProto; returns an opaque handle (free with rt_onnx_free). */
void *rt_onnx_unpack(const uint8_t *buf, size_t len, const char *file, mg_err *err) {
  unpacked *u = calloc(1, sizeof *u);
  if (!u) {
    mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", file);
    return NULL;
  }
  size_t cap = len > (SIZE_MAX - (64u << 20)) / 8 ? SIZE_MAX : 8 * len + (64u << 20);
  u->b.left = cap;
  u->a.alloc = budget_alloc;
  u->a.free = budget_free;
  u->a.allocator_data = &u->b;
  u->m = onnx__model_proto__unpack(&u->a, len, buf);
  if (!u->m) {
    if (u->b.exceeded)
      mg_fail(err, MG_ERR_LIMIT, "%s: parsing the ONNX protobuf needs more than %zu MiB", file,
              cap >> 20);
    else
      mg_fail(err, MG_ERR_FORMAT, "%s: not a valid ONNX model (protobuf parse failed)", file);
    free(u);
    return NULL;
  }
  return u;
}

void rt_onnx_free(void *h) {
  unpacked *u = h;
  if (!u)
    return;
  onnx__model_proto__free_unpacked(u->m, &u->a);
  free(u);
}

const Onnx__ModelProto *rt_onnx_model(const void *h) {
  return ((const unpacked *)h)->m;
}

/* ---- name table ---- */
typedef struct names {
  char **key;
  int32_t *val;
  size_t cap;
} names;

static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static int names_init(names *t, size_t n) {
  size_t cap = 16;
  while (cap < n * 2 + 16)
    cap <<= 1;
  t->key = calloc(cap, sizeof *t->key);
  t->val = calloc(cap, sizeof *t->val);
  t->cap = cap;
  return t->key && t->val ? 0 : -1;
}

static void names_free(names *t) {
  free(t->key);
  free(t->val);
}

static int32_t names_get(const names *t, const char *k) {
  size_t i = hash_str(k) & (t->cap - 1);
  while (t->key[i]) {
    if (!strcmp(t->key[i], k))
      return t->val[i];
    i = (i + 1) & (t->cap - 1);
  }
  return -1;
}

/* Table sized for every name up front: never full. */
static void names_put(names *t, char *k, int32_t v) {
  size_t i = hash_str(k) & (t->cap - 1);
  while (t->key[i])
    i = (i + 1) & (t->cap - 1);
  t->key[i] = k;
  t->val[i] = v;
}

int rt_value_find(const rt_graph *g, const char *name) {
  for (uint32_t i = 0; i < g->n_values; i++)
    if (!strcmp(g->values[i].name, name))
      return (int)i;
  return -1;
}

void rt_graph_free(rt_graph *g) {
  if (!g)
    return;
  for (uint32_t i = 0; i < g->n_values; i++) {
    free(g->values[i].name);
    rt_tensor_free(&g->values[i].konst);
  }
  for (uint32_t i = 0; i < g->n_nodes; i++) {
    rt_node *n = &g->nodes[i];
    free(n->name);
    free(n->op_type);
    free(n->domain);
    free(n->in);
    free(n->out);
    free(n->p);
    for (uint32_t k = 0; k < n->n_attrs; k++) {
      rt_attr *a = &n->attrs[k];
      free(a->name);
      free(a->s);
      free(a->floats);
      free(a->ints);
      if (a->t) {
        rt_tensor_free(a->t);
        free(a->t);
      }
    }
    free(n->attrs);
  }
  free(g->values);
  free(g->nodes);
  free(g->inputs);
  free(g->outputs);
  free(g->in_dtype);
  free(g->in_shape);
  free(g->file);
  free(g);
}

static char *dup_str(const char *s) {
  return strdup(s ? s : "");
}

static int is_default_domain(const char *d) {
  return !d || !d[0] || !strcmp(d, "ai.onnx");
}

/* Element type of a graph input -> runtime dtype (0: unsupported). */
static int input_dtype(int32_t t) {
  if (t == 1)
    return RT_F32;
  if (t == 7 || t == 6)
    return RT_I64;
  return 0;
}

static int copy_attr(rt_graph *g, const rt_node *n, const Onnx__AttributeProto *ap, rt_attr *a,
                     const char *base, mg_err *err) {
  if (!ap->name || !ap->name[0])
    return rt_node_fail(n, MG_ERR_FORMAT, err, "an attribute has no name");
  a->name = strdup(ap->name);
  if (!a->name)
    return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", g->file);
  if (ap->ref_attr_name)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "attribute '%s' refers to a function attribute",
                        ap->name);
  int type = ap->has_type ? ap->type : 0;
  if (!type) /* very old files: infer from what is set */
    type = ap->n_floats ? RT_AT_FLOATS
           : ap->n_ints ? RT_AT_INTS
           : ap->t      ? RT_AT_TENSOR
           : ap->has_s  ? RT_AT_STRING
           : ap->has_f  ? RT_AT_FLOAT
                        : RT_AT_INT;
  a->type = type;
  switch (type) {
  case RT_AT_FLOAT:
    a->f = ap->f;
    break;
  case RT_AT_INT:
    a->i = ap->i;
    break;
  case RT_AT_STRING:
    a->s = malloc(ap->s.len + 1);
    if (!a->s)
      return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", g->file);
    if (ap->s.len)
      memcpy(a->s, ap->s.data, ap->s.len);
    a->s[ap->s.len] = '\0';
    break;
  case RT_AT_FLOATS:
    a->n_floats = ap->n_floats;
    a->floats = malloc((ap->n_floats + 1) * sizeof(float));
    if (!a->floats)
      return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", g->file);
    if (ap->n_floats)
      memcpy(a->floats, ap->floats, ap->n_floats * sizeof(float));
    break;
  case RT_AT_INTS:
    a->n_ints = ap->n_ints;
    a->ints = malloc((ap->n_ints + 1) * sizeof(int64_t));
    if (!a->ints)
      return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", g->file);
    if (ap->n_ints)
      memcpy(a->ints, ap->ints, ap->n_ints * sizeof(int64_t));
    break;
  case RT_AT_TENSOR: {
    if (!ap->t)
      return rt_node_fail(n, MG_ERR_FORMAT, err, "tensor attribute '%s' is empty", ap->name);
    a->t = calloc(1, sizeof *a->t);
    if (!a->t)
      return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", g->file);
    int rc = rt_tensor_from_proto(ap->t, g->file, base, &g->lim, NULL, a->t, err);
    if (rc) {
      free(a->t);
      a->t = NULL;
      return mg_fail_wrap(err, rc, "node '%s' (%s) attribute '%s'", n->name, n->op_type, ap->name);
    }
    break;
  }
  default:
    /* Graphs, sparse tensors, strings lists...: no op here reads them;
     * keep the name so an op that finds it can refuse precisely. */
    break;
  }
  return MG_OK;
}

/* Whether every node reads only values produced before it: ONNX asks
 * files to be in that order, and exporters write a layer's nodes together,
 * which keeps each activation's producer next to its reader (what the
 * planner's fusions look for, rt_plan.c). */
static int in_order(const rt_graph *g) {
  for (uint32_t i = 0; i < g->n_nodes; i++)
    for (uint32_t k = 0; k < g->nodes[i].n_in; k++) {
      int32_t v = g->nodes[i].in[k];
      if (v >= 0 && g->values[v].producer >= (int32_t)i)
        return 0;
    }
  return 1;
}

/* The file's order when it is one, else Kahn's algorithm over node
 * indices; cycles are refused. */
static int topo_sort(rt_graph *g, mg_err *err) {
  if (in_order(g))
    return MG_OK;
  uint32_t nn = g->n_nodes;
  uint32_t *indeg = calloc(nn + 1, sizeof *indeg);
  uint32_t *order = malloc((nn + 1) * sizeof *order);
  /* consumers as CSR */
  uint32_t *cnt = calloc(g->n_values + 1, sizeof *cnt);
  uint32_t *start = NULL, *list = NULL;
  int rc = MG_OK;
  if (!indeg || !order || !cnt) {
    rc = mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", g->file);
    goto done;
  }
  size_t total = 0;
  for (uint32_t i = 0; i < nn; i++)
    for (uint32_t k = 0; k < g->nodes[i].n_in; k++) {
      int32_t v = g->nodes[i].in[k];
      if (v >= 0 && g->values[v].producer >= 0) {
        indeg[i]++;
        cnt[v]++;
        total++;
      }
    }
  start = calloc(g->n_values + 1, sizeof *start);
  list = malloc((total + 1) * sizeof *list);
  if (!start || !list) {
    rc = mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", g->file);
    goto done;
  }
  for (uint32_t v = 0; v < g->n_values; v++)
    start[v + 1] = start[v] + cnt[v];
  memset(cnt, 0, (g->n_values + 1) * sizeof *cnt);
  for (uint32_t i = 0; i < nn; i++)
    for (uint32_t k = 0; k < g->nodes[i].n_in; k++) {
      int32_t v = g->nodes[i].in[k];
      if (v >= 0 && g->values[v].producer >= 0)
        list[start[v] + cnt[v]++] = i;
    }
  uint32_t head = 0, tail = 0;
  for (uint32_t i = 0; i < nn; i++)
    if (!indeg[i])
      order[tail++] = i;
  while (head < tail) {
    const rt_node *n = &g->nodes[order[head++]];
    for (uint32_t o = 0; o < n->n_out; o++) {
      int32_t v = n->out[o];
      if (v < 0)
        continue;
      for (uint32_t j = start[v]; j < start[v + 1]; j++)
        if (--indeg[list[j]] == 0)
          order[tail++] = list[j];
    }
  }
  if (tail != nn) {
    for (uint32_t i = 0; i < nn; i++)
      if (indeg[i]) {
        rc = mg_fail(err, MG_ERR_FORMAT, "%s: the graph has a cycle through node '%s' (%s)",
                     g->file, g->nodes[i].name, g->nodes[i].op_type);
        break;
      }
    goto done;
  }
  rt_node *sorted = malloc((nn + 1) * sizeof *sorted);
  if (!sorted) {
    rc = mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", g->file);
    goto done;
  }
  for (uint32_t i = 0; i < nn; i++)
    sorted[i] = g->nodes[order[i]];
  free(g->nodes);
  g->nodes = sorted;
  for (uint32_t i = 0; i < nn; i++)
    for (uint32_t o = 0; o < g->nodes[i].n_out; o++)
      if (g->nodes[i].out[o] >= 0)
        g->values[g->nodes[i].out[o]].producer = (int32_t)i;
done:
  free(indeg);
  free(order);
  free(cnt);
  free(start);
  free(list);
  return rc;
}

static int add_value(rt_graph *g, names *tab, const char *name, int32_t *idx, mg_err *err) {
  rt_value *v = &g->values[g->n_values];
  memset(v, 0, sizeof *v);
  v->name = dup_str(name);
  if (!v->name)
    return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", g->file);
  v->producer = -1;
  *idx = (int32_t)g->n_values++;
  names_put(tab, v->name, *idx);
  return MG_OK;
}

static int load_graph(rt_graph *g, const Onnx__ModelProto *m, const char *base, mg_err *err) {
  const Onnx__GraphProto *gp = m->graph;
  if (!gp)
    return mg_fail(err, MG_ERR_FORMAT, "%s: the model has no graph", g->file);
  if (!m->has_ir_version)
    return mg_fail(err, MG_ERR_FORMAT, "%s: ir_version is missing", g->file);
  g->ir_version = m->ir_version;
  if (m->ir_version < RT_MIN_IR || m->ir_version > RT_MAX_IR)
    return mg_fail(err, MG_ERR_UNSUPPORTED,
                   "%s: IR version %" PRId64 " is not supported (supported: %d to %d)", g->file,
                   m->ir_version, RT_MIN_IR, RT_MAX_IR);
  g->opset = -1;
  for (size_t i = 0; i < m->n_opset_import; i++)
    if (is_default_domain(m->opset_import[i]->domain))
      g->opset = m->opset_import[i]->has_version ? m->opset_import[i]->version : -1;
  if (g->opset < 0)
    return mg_fail(err, m->n_opset_import ? MG_ERR_UNSUPPORTED : MG_ERR_FORMAT,
                   "%s: the model imports no version of the default ONNX operator set", g->file);
  if (g->opset < RT_MIN_OPSET || g->opset > RT_MAX_OPSET)
    return mg_fail(err, MG_ERR_UNSUPPORTED,
                   "%s: ONNX opset %" PRId64 " is not supported (supported: %d to %d)", g->file,
                   g->opset, RT_MIN_OPSET, RT_MAX_OPSET);
  if (gp->n_sparse_initializer)
    return mg_fail(err, MG_ERR_UNSUPPORTED, "%s: sparse initializers are not supported", g->file);
  char what[512];
  snprintf(what, sizeof what, "%s: graph", g->file);
  if (mg_limit_check(&g->lim, MG_LIMIT_GRAPH_NODES, gp->n_node, what, err))
    return err ? err->code : MG_ERR_LIMIT;

  size_t n_out_total = 0;
  for (size_t i = 0; i < gp->n_node; i++)
    n_out_total += gp->node[i]->n_output;
  size_t max_values = gp->n_initializer + gp->n_input + n_out_total + 1;
  names tab;
  if (names_init(&tab, max_values) != 0)
    return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", g->file);
  int rc = MG_OK;
  g->values = calloc(max_values, sizeof *g->values);
  g->nodes = calloc(gp->n_node + 1, sizeof *g->nodes);
  g->inputs = calloc(gp->n_input + 1, sizeof *g->inputs);
  g->in_dtype = calloc(gp->n_input + 1, sizeof *g->in_dtype);
  g->in_shape = calloc(gp->n_input + 1, sizeof *g->in_shape);
  g->outputs = calloc(gp->n_output + 1, sizeof *g->outputs);
  if (!g->values || !g->nodes || !g->inputs || !g->outputs || !g->in_dtype || !g->in_shape) {
    rc = mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", g->file);
    goto done;
  }

  uint64_t ext_bytes = 0;
  for (size_t i = 0; i < gp->n_initializer; i++) {
    const Onnx__TensorProto *tp = gp->initializer[i];
    if (!tp->name || !tp->name[0]) {
      rc = mg_fail(err, MG_ERR_FORMAT, "%s: initializer %zu has no name", g->file, i);
      goto done;
    }
    if (names_get(&tab, tp->name) >= 0) {
      rc = mg_fail(err, MG_ERR_FORMAT, "%s: initializer '%s' is defined twice", g->file, tp->name);
      goto done;
    }
    int32_t idx;
    if ((rc = add_value(g, &tab, tp->name, &idx, err)))
      goto done;
    g->values[idx].cls = RT_CONST;
    if ((rc = rt_tensor_from_proto(tp, g->file, base, &g->lim, &ext_bytes, &g->values[idx].konst,
                                   err)))
      goto done;
  }
  for (size_t i = 0; i < gp->n_input; i++) {
    const Onnx__ValueInfoProto *vi = gp->input[i];
    if (!vi->name || !vi->name[0]) {
      rc = mg_fail(err, MG_ERR_FORMAT, "%s: graph input %zu has no name", g->file, i);
      goto done;
    }
    int32_t idx = names_get(&tab, vi->name);
    /* An input with an initializer of the same name: IR < 4 lists weights
     * as inputs. The weights are used (mg_onnx_audit reports it). */
    if (idx >= 0 && g->values[idx].cls == RT_CONST)
      continue;
    if (idx >= 0) {
      rc = mg_fail(err, MG_ERR_FORMAT, "%s: graph input '%s' is declared twice", g->file, vi->name);
      goto done;
    }
    if ((rc = add_value(g, &tab, vi->name, &idx, err)))
      goto done;
    uint32_t k = g->n_inputs++;
    g->inputs[k] = idx;
    const Onnx__TypeProto *tp = vi->type;
    if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type) {
      rc = mg_fail(err, MG_ERR_UNSUPPORTED, "%s: graph input '%s' is not a tensor", g->file,
                   vi->name);
      goto done;
    }
    const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
    g->in_dtype[k] = input_dtype(tt->has_elem_type ? tt->elem_type : 0);
    if (!g->in_dtype[k]) {
      rc = mg_fail(err, MG_ERR_UNSUPPORTED,
                   "%s: graph input '%s' has element type %d (only float and integer inputs)",
                   g->file, vi->name, tt->has_elem_type ? (int)tt->elem_type : 0);
      goto done;
    }
    /* Integer inputs are shapes, indices or axes: known when planning. */
    g->values[idx].cls = g->in_dtype[k] == RT_I64 ? RT_PLAN : RT_DYN;
    rt_shape *s = &g->in_shape[k];
    if (!tt->shape) {
      s->rank = UINT32_MAX; /* unknown rank */
    } else {
      if (tt->shape->n_dim > RT_MAX_RANK) {
        rc = mg_fail(err, MG_ERR_UNSUPPORTED, "%s: graph input '%s' has rank %zu (max %d)", g->file,
                     vi->name, tt->shape->n_dim, RT_MAX_RANK);
        goto done;
      }
      s->rank = (uint32_t)tt->shape->n_dim;
      for (size_t d = 0; d < tt->shape->n_dim; d++) {
        const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[d];
        s->d[d] = dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
                      ? dim->dim_value
                      : -1;
        if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE &&
            dim->dim_value < 0) {
          rc = mg_fail(err, MG_ERR_FORMAT, "%s: graph input '%s' has negative dimension %" PRId64,
                       g->file, vi->name, dim->dim_value);
          goto done;
        }
      }
    }
  }

  /* Nodes: outputs first so inputs can refer to nodes listed later. */
  g->n_nodes = (uint32_t)gp->n_node;
  for (size_t i = 0; i < gp->n_node; i++) {
    const Onnx__NodeProto *np = gp->node[i];
    rt_node *n = &g->nodes[i];
    n->name = dup_str(np->name);
    n->op_type = dup_str(np->op_type);
    n->domain = dup_str(np->domain);
    n->n_in = (uint32_t)np->n_input;
    n->n_out = (uint32_t)np->n_output;
    n->in = malloc((np->n_input + 1) * sizeof *n->in);
    n->out = malloc((np->n_output + 1) * sizeof *n->out);
    if (!n->name || !n->op_type || !n->domain || !n->in || !n->out) {
      rc = mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", g->file);
      goto done;
    }
    n->opset = (int)g->opset;
    if (!np->op_type || !np->op_type[0]) {
      rc = mg_fail(err, MG_ERR_FORMAT, "%s: node %zu ('%s') has no op_type", g->file, i, n->name);
      goto done;
    }
    for (size_t o = 0; o < np->n_output; o++) {
      const char *on = np->output[o];
      if (!on || !on[0]) {
        n->out[o] = -1;
        continue;
      }
      if (names_get(&tab, on) >= 0) {
        rc = mg_fail(err, MG_ERR_FORMAT, "%s: tensor '%s' (output of node '%s') is defined twice",
                     g->file, on, n->name);
        goto done;
      }
      if ((rc = add_value(g, &tab, on, &n->out[o], err)))
        goto done;
      g->values[n->out[o]].producer = (int32_t)i;
    }
  }
  for (size_t i = 0; i < gp->n_node; i++) {
    const Onnx__NodeProto *np = gp->node[i];
    rt_node *n = &g->nodes[i];
    for (size_t k = 0; k < np->n_input; k++) {
      const char *in = np->input[k];
      if (!in || !in[0]) {
        n->in[k] = -1;
        continue;
      }
      n->in[k] = names_get(&tab, in);
      if (n->in[k] < 0) {
        rc = mg_fail(err, MG_ERR_FORMAT,
                     "%s: input '%s' of node '%s' (%s) is not produced by any node, initializer "
                     "or graph input",
                     g->file, in, n->name, n->op_type);
        goto done;
      }
      g->values[n->in[k]].n_uses++;
    }
    n->op = is_default_domain(np->domain) ? rt_op_find("", n->op_type) : NULL;
    if (!n->op) {
      rc = mg_fail(err, MG_ERR_UNSUPPORTED,
                   "%s: operator '%s%s%s' of node '%s' is not supported by the runtime "
                   "(opset %" PRId64 ")",
                   g->file, is_default_domain(np->domain) ? "" : np->domain,
                   is_default_domain(np->domain) ? "" : ".", n->op_type, n->name, g->opset);
      goto done;
    }
    n->attrs = calloc(np->n_attribute + 1, sizeof *n->attrs);
    if (!n->attrs) {
      rc = mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", g->file);
      goto done;
    }
    for (size_t k = 0; k < np->n_attribute; k++) {
      n->n_attrs++;
      if ((rc = copy_attr(g, n, np->attribute[k], &n->attrs[k], base, err)))
        goto done;
      for (size_t j = 0; j < k; j++)
        if (!strcmp(n->attrs[j].name, n->attrs[k].name)) {
          rc = rt_node_fail(n, MG_ERR_FORMAT, err, "attribute '%s' is given twice",
                            n->attrs[k].name);
          goto done;
        }
    }
  }
  for (size_t i = 0; i < gp->n_output; i++) {
    const char *on = gp->output[i]->name;
    int32_t idx = on ? names_get(&tab, on) : -1;
    if (idx < 0) {
      rc = mg_fail(err, MG_ERR_FORMAT, "%s: graph output '%s' is not produced by the graph",
                   g->file, on ? on : "");
      goto done;
    }
    g->outputs[g->n_outputs++] = idx;
    g->values[idx].is_output = 1;
  }
  if (!g->n_outputs) {
    rc = mg_fail(err, MG_ERR_FORMAT, "%s: the graph has no outputs", g->file);
    goto done;
  }
  if ((rc = topo_sort(g, err)))
    goto done;
  for (uint32_t i = 0; i < g->n_nodes; i++) {
    rt_node *n = &g->nodes[i];
    if (n->op->parse && (rc = n->op->parse(g, n, err)))
      goto done;
    int cls = RT_CONST, any = 0;
    for (uint32_t k = 0; k < n->n_in; k++) {
      if (n->in[k] < 0)
        continue;
      int c = g->values[n->in[k]].cls;
      if (c < cls)
        cls = c;
      any = 1;
    }
    (void)any;
    if ((n->op->flags & RT_OP_SHAPE_ONLY) && cls == RT_DYN)
      cls = RT_PLAN;
    n->cls = cls;
    for (uint32_t o = 0; o < n->n_out; o++)
      if (n->out[o] >= 0)
        g->values[n->out[o]].cls = cls;
  }
  if ((rc = rt_graph_fold(g, err)))
    goto done;
  for (uint32_t i = 0; i < g->n_nodes && !rc; i++)
    if (g->nodes[i].cls == RT_DYN && g->nodes[i].op->prepare)
      rc = g->nodes[i].op->prepare(g, &g->nodes[i], err);
done:
  names_free(&tab);
  return rc;
}

int rt_graph_load(const uint8_t *buf, size_t len, const char *file, const char *base,
                  const mg_limits *lim, rt_graph **out, mg_err *err) {
  *out = NULL;
  char what[512];
  snprintf(what, sizeof what, "%s", file);
  if (mg_limit_check(lim, MG_LIMIT_MODEL_BYTES, len, what, err))
    return err ? err->code : MG_ERR_LIMIT;
  rt_graph *g = calloc(1, sizeof *g);
  if (!g)
    return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", file);
  g->lim = *lim;
  g->file = strdup(file);
  if (!g->file) {
    free(g);
    return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", file);
  }
  void *h = rt_onnx_unpack(buf, len, file, err);
  if (!h) {
    rt_graph_free(g);
    return err ? err->code : MG_ERR_FORMAT;
  }
  int rc = load_graph(g, rt_onnx_model(h), base, err);
  rt_onnx_free(h);
  if (rc) {
    rt_graph_free(g);
    return rc;
  }
  *out = g;
  return MG_OK;
}
