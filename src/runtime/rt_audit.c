/* mg_onnx_audit: what the loader sees in an ONNX file, as JSON, for the
 * onnx-integrity plugin. It reads the protobuf itself (so a file the
 * runtime refuses is still described), checks every external-data
 * reference without reading it, compares initializer byte sizes with
 * their dims, flags absurd declared dimensions, and then tries a full
 * load to report the runtime's own verdict. Schema: docs/runtime.md. */
#include "config.h"

#include "runtime/runtime.h"
#include "runtime/rt_internal.h"
#include "runtime/rt_onnx.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Dimensions above this are reported as absurd for a classifier. */
#define ABSURD_DIM (INT64_C(1) << 31)

typedef struct audit {
  json_t *root;
  int oom;
} audit;

static json_t *chk(audit *a, json_t *v) {
  if (!v)
    a->oom = 1;
  return v;
}

static void set(audit *a, json_t *obj, const char *key, json_t *v) {
  if (!obj || !v || json_object_set_new(obj, key, v) != 0)
    a->oom = 1;
}

static void push(audit *a, json_t *arr, json_t *v) {
  if (!arr || !v || json_array_append_new(arr, v) != 0)
    a->oom = 1;
}

static json_t *str(audit *a, const char *s) {
  /* json_string refuses invalid UTF-8: keep the report valid anyway. */
  json_t *v = json_string(s ? s : "");
  if (!v && s) {
    size_t n = strlen(s);
    char *c = malloc(n + 1);
    if (!c)
      return chk(a, NULL);
    for (size_t i = 0; i <= n; i++)
      c[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
    v = json_string(c);
    free(c);
  }
  return chk(a, v);
}

/* A JSON object key from file text: non-ASCII and control bytes become '?'
 * so a hostile name cannot make the report invalid. */
static void safe_key(const char *in, char *out, size_t len) {
  size_t i = 0;
  for (; in && in[i] && i + 1 < len; i++)
    out[i] = (unsigned char)in[i] < 0x20 || (unsigned char)in[i] >= 0x7f ? '?' : in[i];
  out[i] = '\0';
}

static int is_default(const char *d) {
  return !d || !d[0] || !strcmp(d, "ai.onnx");
}

static const char *type_name(int32_t t) {
  static const char *const n[] = {"undefined",  "float",   "uint8",  "int8",   "uint16",
                                  "int16",      "int32",   "int64",  "string", "bool",
                                  "float16",    "double",  "uint32", "uint64", "complex64",
                                  "complex128", "bfloat16"};
  return t >= 0 && t < (int32_t)(sizeof n / sizeof *n) ? n[t] : "other";
}

static size_t elem_bytes(int32_t t) {
  switch (t) {
  case 1:
  case 6:
  case 12:
    return 4;
  case 2:
  case 3:
  case 9:
    return 1;
  case 4:
  case 5:
  case 10:
  case 16:
    return 2;
  case 7:
  case 11:
  case 13:
  case 14:
    return 8;
  case 15:
    return 16;
  default:
    return 0;
  }
}

static json_t *dims_json(audit *a, const int64_t *d, size_t n) {
  json_t *arr = chk(a, json_array());
  for (size_t i = 0; i < n; i++)
    push(a, arr, chk(a, json_integer(d[i])));
  return arr;
}

static void absurd(audit *a, json_t *list, const char *where, const char *name, const char *why) {
  json_t *o = chk(a, json_object());
  set(a, o, "where", str(a, where));
  set(a, o, "name", str(a, name));
  set(a, o, "reason", str(a, why));
  push(a, list, o);
}

/* name, elem_type, shape of a ValueInfo; absurd dims recorded. */
static json_t *value_info(audit *a, const Onnx__ValueInfoProto *vi, const char *where,
                          json_t *absurd_list) {
  json_t *o = chk(a, json_object());
  set(a, o, "name", str(a, vi->name));
  const Onnx__TypeProto *tp = vi->type;
  if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type) {
    set(a, o, "kind", str(a, tp ? "non-tensor" : "untyped"));
    return o;
  }
  const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
  set(a, o, "elem_type", str(a, type_name(tt->has_elem_type ? tt->elem_type : 0)));
  if (!tt->shape) {
    set(a, o, "shape", chk(a, json_null()));
    return o;
  }
  json_t *shape = chk(a, json_array());
  for (size_t i = 0; i < tt->shape->n_dim; i++) {
    const Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];
    if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
      push(a, shape, chk(a, json_integer(d->dim_value)));
      if (d->dim_value < 0)
        absurd(a, absurd_list, where, vi->name, "negative dimension");
      else if (d->dim_value >= ABSURD_DIM)
        absurd(a, absurd_list, where, vi->name, "dimension of 2^31 or more");
    } else if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM) {
      push(a, shape, str(a, d->dim_param));
    } else {
      push(a, shape, chk(a, json_null()));
    }
  }
  if (tt->shape->n_dim > RT_MAX_RANK)
    absurd(a, absurd_list, where, vi->name, "rank above 8");
  set(a, o, "shape", shape);
  return o;
}

static void count_op(audit *a, json_t *hist, const char *key) {
  json_t *v = json_object_get(hist, key);
  set(a, hist, key, chk(a, json_integer(v ? json_integer_value(v) + 1 : 1)));
}

static int parse_i64(const char *s, int64_t *v) {
  if (!s || !*s)
    return -1;
  char *end;
  errno = 0;
  long long x = strtoll(s, &end, 10);
  if (errno || *end)
    return -1;
  *v = x;
  return 0;
}

static void initializer(audit *a, const Onnx__TensorProto *t, const char *base, json_t *ext,
                        json_t *mism, json_t *absurd_list) {
  const char *name = t->name ? t->name : "";
  int64_t count = 1;
  int overflow = 0;
  for (size_t i = 0; i < t->n_dims; i++) {
    if (t->dims[i] < 0) {
      absurd(a, absurd_list, "initializer", name, "negative dimension");
      overflow = 1;
    } else if (t->dims[i] >= ABSURD_DIM) {
      absurd(a, absurd_list, "initializer", name, "dimension of 2^31 or more");
    }
    if (!overflow && t->dims[i] && count > INT64_MAX / 16 / t->dims[i]) {
      absurd(a, absurd_list, "initializer", name, "element count overflows");
      overflow = 1;
    }
    if (!overflow)
      count *= t->dims[i];
  }
  int32_t dt = t->has_data_type ? t->data_type : 0;
  size_t es = elem_bytes(dt);
  if (t->has_data_location && t->data_location == 1) {
    json_t *o = chk(a, json_object());
    const char *loc = NULL;
    int64_t off = 0, len = -1;
    int bad = 0;
    for (size_t i = 0; i < t->n_external_data; i++) {
      const Onnx__StringStringEntryProto *kv = t->external_data[i];
      if (!kv->key)
        continue;
      if (!strcmp(kv->key, "location"))
        loc = kv->value;
      else if (!strcmp(kv->key, "offset"))
        bad |= parse_i64(kv->value, &off) != 0;
      else if (!strcmp(kv->key, "length"))
        bad |= parse_i64(kv->value, &len) != 0;
    }
    set(a, o, "tensor", str(a, name));
    set(a, o, "location", loc ? str(a, loc) : chk(a, json_null()));
    set(a, o, "offset", chk(a, json_integer(off)));
    set(a, o, "length", len >= 0 ? chk(a, json_integer(len)) : chk(a, json_null()));
    int status;
    uint64_t fsize = 0;
    if (bad || !loc) {
      status = RT_EXT_BAD;
    } else {
      mg_err e;
      mg_err_clear(&e);
      if (!overflow && es && len < 0)
        len = count * (int64_t)es;
      status = rt_ext_check(base, loc, off, len, &fsize, &e);
      if (status != RT_EXT_OK && status != RT_EXT_OUT_OF_RANGE)
        fsize = 0;
    }
    set(a, o, "status", str(a, rt_ext_status_name(status)));
    if (fsize)
      set(a, o, "file_size", chk(a, json_integer((json_int_t)fsize)));
    push(a, ext, o);
    return;
  }
  if (overflow || !es)
    return;
  uint64_t want = (uint64_t)count * es, have;
  const char *field;
  if (t->has_raw_data) {
    have = t->raw_data.len;
    field = "raw_data";
  } else {
    switch (dt) {
    case 1:
      have = t->n_float_data * es, field = "float_data";
      break;
    case 11:
      have = t->n_double_data * es, field = "double_data";
      break;
    case 7:
      have = t->n_int64_data * es, field = "int64_data";
      break;
    case 12:
    case 13:
      have = t->n_uint64_data * es, field = "uint64_data";
      break;
    case 14:
    case 15:
      return;
    default:
      have = t->n_int32_data * es, field = "int32_data";
      break;
    }
  }
  if (have == want)
    return;
  json_t *o = chk(a, json_object());
  set(a, o, "name", str(a, name));
  set(a, o, "dims", dims_json(a, t->dims, t->n_dims));
  set(a, o, "data_type", str(a, type_name(dt)));
  set(a, o, "field", str(a, field));
  set(a, o, "expected_bytes", chk(a, json_integer((json_int_t)want)));
  set(a, o, "actual_bytes", chk(a, json_integer((json_int_t)have)));
  push(a, mism, o);
}

static void describe(audit *a, const Onnx__ModelProto *m, const char *base) {
  json_t *r = a->root;
  set(a, r, "ir_version", m->has_ir_version ? chk(a, json_integer(m->ir_version)) : json_null());
  json_t *ops = chk(a, json_array()), *domains = chk(a, json_array());
  for (size_t i = 0; i < m->n_opset_import; i++) {
    const Onnx__OperatorSetIdProto *o = m->opset_import[i];
    json_t *e = chk(a, json_object());
    set(a, e, "domain", str(a, o->domain));
    set(a, e, "version", o->has_version ? chk(a, json_integer(o->version)) : json_null());
    push(a, ops, e);
    if (!is_default(o->domain) && strcmp(o->domain, "ai.onnx.ml") != 0)
      push(a, domains, str(a, o->domain));
  }
  set(a, r, "opset_imports", ops);
  set(a, r, "producer_name", str(a, m->producer_name));
  set(a, r, "producer_version", str(a, m->producer_version));
  set(a, r, "model_domain", str(a, m->domain));
  set(a, r, "model_version", chk(a, json_integer(m->has_model_version ? m->model_version : 0)));
  json_t *meta = chk(a, json_object());
  for (size_t i = 0; i < m->n_metadata_props; i++) {
    const Onnx__StringStringEntryProto *kv = m->metadata_props[i];
    char key[512];
    safe_key(kv->key, key, sizeof key);
    if (kv->key)
      set(a, meta, key, str(a, kv->value));
  }
  set(a, r, "metadata_props", meta);
  set(a, r, "functions", chk(a, json_integer((json_int_t)m->n_functions)));
  set(a, r, "training_info", chk(a, json_integer((json_int_t)m->n_training_info)));
  const Onnx__GraphProto *g = m->graph;
  json_t *absurd_list = chk(a, json_array());
  json_t *ins = chk(a, json_array()), *outs = chk(a, json_array()), *shadow = chk(a, json_array());
  json_t *hist = chk(a, json_object()), *unsup = chk(a, json_array());
  json_t *ext = chk(a, json_array()), *mism = chk(a, json_array());
  if (g) {
    set(a, r, "graph_name", str(a, g->name));
    set(a, r, "node_count", chk(a, json_integer((json_int_t)g->n_node)));
    set(a, r, "initializer_count", chk(a, json_integer((json_int_t)g->n_initializer)));
    set(a, r, "sparse_initializers", chk(a, json_integer((json_int_t)g->n_sparse_initializer)));
    /* Name sets are jansson objects (hashed): a hostile file with many
     * names must not make the audit quadratic. */
    json_t *inits = chk(a, json_object());
    for (size_t k = 0; k < g->n_initializer && inits; k++)
      if (g->initializer[k]->name &&
          json_object_set_new_nocheck(inits, g->initializer[k]->name, json_true()) != 0)
        a->oom = 1;
    for (size_t i = 0; i < g->n_input; i++) {
      json_t *v = value_info(a, g->input[i], "input", absurd_list);
      int init = g->input[i]->name && inits && json_object_get(inits, g->input[i]->name);
      set(a, v, "has_initializer", chk(a, json_boolean(init)));
      if (init)
        push(a, shadow, str(a, g->input[i]->name));
      push(a, ins, v);
    }
    json_decref(inits);
    for (size_t i = 0; i < g->n_output; i++)
      push(a, outs, value_info(a, g->output[i], "output", absurd_list));
    for (size_t i = 0; i < g->n_value_info; i++)
      json_decref(value_info(a, g->value_info[i], "value_info", absurd_list));
    for (size_t i = 0; i < g->n_initializer; i++)
      initializer(a, g->initializer[i], base, ext, mism, absurd_list);
    json_t *seen_dom = chk(a, json_object()), *seen_op = chk(a, json_object());
    for (size_t i = 0; i < m->n_opset_import; i++)
      if (seen_dom && m->opset_import[i]->domain &&
          json_object_set_new_nocheck(seen_dom, m->opset_import[i]->domain, json_true()) != 0)
        a->oom = 1;
    for (size_t i = 0; i < g->n_node && seen_dom && seen_op; i++) {
      const Onnx__NodeProto *n = g->node[i];
      char raw[512], key[512];
      snprintf(raw, sizeof raw, "%s%s%s", is_default(n->domain) ? "" : n->domain,
               is_default(n->domain) ? "" : ".", n->op_type ? n->op_type : "");
      safe_key(raw, key, sizeof key);
      count_op(a, hist, key);
      if (!is_default(n->domain) && !json_object_get(seen_dom, n->domain)) {
        if (json_object_set_new_nocheck(seen_dom, n->domain, json_true()) != 0)
          a->oom = 1;
        push(a, domains, str(a, n->domain));
      }
      if (!rt_op_find(n->domain, n->op_type ? n->op_type : "") && !json_object_get(seen_op, key)) {
        if (json_object_set_new_nocheck(seen_op, key, json_true()) != 0)
          a->oom = 1;
        push(a, unsup, str(a, key));
      }
      for (size_t k = 0; k < n->n_attribute; k++)
        if (n->attribute[k]->t)
          initializer(a, n->attribute[k]->t, base, ext, mism, absurd_list);
    }
    json_decref(seen_dom);
    json_decref(seen_op);
  }
  set(a, r, "inputs", ins);
  set(a, r, "outputs", outs);
  set(a, r, "op_histogram", hist);
  set(a, r, "unsupported_ops", unsup);
  set(a, r, "custom_domains", domains);
  set(a, r, "external_data", ext);
  set(a, r, "shadowed_inputs", shadow);
  set(a, r, "initializer_size_mismatches", mism);
  set(a, r, "absurd_dims", absurd_list);
}

int mg_onnx_audit(const char *path, const char *root, const mg_limits *lim, json_t **out,
                  mg_err *err) {
  *out = NULL;
  audit a = {json_object(), 0};
  if (!a.root)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  set(&a, a.root, "file", str(&a, path));
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (fd >= 0)
      close(fd);
    json_decref(a.root);
    return mg_fail(err, MG_ERR_IO, "%s: cannot read the model", path);
  }
  set(&a, a.root, "size", json_integer((json_int_t)st.st_size));
  mg_err e;
  mg_err_clear(&e);
  uint8_t *buf = NULL;
  size_t len = (size_t)st.st_size;
  int rc = mg_limit_check(lim, MG_LIMIT_MODEL_BYTES, (uint64_t)st.st_size, path, &e);
  if (!rc) {
    buf = malloc(len ? len : 1);
    if (!buf) {
      close(fd);
      json_decref(a.root);
      return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", path);
    }
    size_t done = 0;
    while (done < len) {
      ssize_t n = read(fd, buf + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      done += (size_t)n;
    }
    if (done != len) {
      free(buf);
      close(fd);
      json_decref(a.root);
      return mg_fail(err, MG_ERR_IO, "%s: read failed", path);
    }
  }
  close(fd);
  char *base = NULL;
  mg_err be;
  mg_err_clear(&be);
  if (rt_model_base_dir(path, root, &base, &be) == MG_ERR_UNSAFE)
    set(&a, a.root, "outside_root", json_true());
  void *h = NULL;
  if (!rc) {
    h = rt_onnx_unpack(buf, len, path, &e);
    rc = h ? MG_OK : e.code;
  }
  set(&a, a.root, "parsed", json_boolean(h != NULL));
  if (h)
    describe(&a, rt_onnx_model(h), base);
  rt_onnx_free(h);
  free(buf);
  free(base);
  if (!rc) {
    mg_model *m = NULL;
    rc = mg_model_load(path, root, lim, &m, &e);
    if (!rc) {
      set(&a, a.root, "feature_layer", str(&a, mg_model_feature_layer(m)));
      set(&a, a.root, "num_classes", json_integer(mg_model_num_classes(m)));
    }
    mg_model_free(m);
  }
  set(&a, a.root, "loaded", json_boolean(rc == MG_OK));
  if (rc) {
    json_t *eo = json_object();
    set(&a, eo, "code", str(&a, mg_strerror(rc)));
    set(&a, eo, "message", str(&a, e.msg));
    set(&a, a.root, "load_error", eo);
  } else {
    set(&a, a.root, "load_error", json_null());
  }
  if (a.oom) {
    json_decref(a.root);
    return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory building the audit", path);
  }
  *out = a.root;
  return MG_OK;
}
