/* The runtime as modelgate uses it (runtime.h) and as an attacker meets it:
 * a small CNN classifier loaded from disk (shapes, classes, feature layer,
 * batched and threaded forward equal to row-by-row forward, cross-entropy
 * input gradient against finite differences), then hostile models that
 * must each fail with a clear message and no crash, and external data
 * confined to the model's directory. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "mkonnx.h"
#include "runtime/rt_internal.h"
#include "runtime/runtime.h"

static char tmpdir[256];

static void setup_dir(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/mg-rt-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void rm_rf(const char *d) {
  char cmd[512];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
  if (system(cmd) != 0)
    fprintf(stderr, "cannot remove %s\n", d);
}

static float frand(unsigned *s) {
  *s = *s * 1103515245u + 12345u;
  return (float)((*s >> 8) & 0xffff) / 32768.0f - 1.0f;
}

/* Conv(2->4,3x3,pad1) Relu MaxPool2 Flatten Gemm(16->3), input N x 2 x 4 x 4
 * (batch symbolic when dyn, else fixed 1 with a constant Reshape). */
static mk_model *cnn(int dyn) {
  unsigned s = 7;
  mk_model *m = mk_new(13);
  int64_t xd[] = {dyn ? -1 : 1, 2, 4, 4};
  mk_input(m, "x", 1, 4, xd);
  mk_output(m, "logits");
  float w[4 * 2 * 9], b[4], fw[3 * 16], fb[3];
  for (size_t i = 0; i < sizeof w / 4; i++)
    w[i] = frand(&s) * 0.5f;
  for (int i = 0; i < 4; i++)
    b[i] = frand(&s) * 0.1f;
  for (int i = 0; i < 48; i++)
    fw[i] = frand(&s) * 0.5f;
  for (int i = 0; i < 3; i++)
    fb[i] = frand(&s);
  mk_init_f(m, "w", 4, (int64_t[]){4, 2, 3, 3}, w);
  mk_init_f(m, "b", 1, (int64_t[]){4}, b);
  mk_init_f(m, "fw", 2, (int64_t[]){3, 16}, fw);
  mk_init_f(m, "fb", 1, (int64_t[]){3}, fb);
  mk_attr_ints(mk_node(m, "Conv", "x,w,b", "c"), "pads", 4, (int64_t[]){1, 1, 1, 1});
  mk_node(m, "Relu", "c", "r");
  Onnx__NodeProto *p = mk_node(m, "MaxPool", "r", "p");
  mk_attr_ints(p, "kernel_shape", 2, (int64_t[]){2, 2});
  mk_attr_ints(p, "strides", 2, (int64_t[]){2, 2});
  mk_init_i(m, "shape", 1, (int64_t[]){2}, (int64_t[]){dyn ? -1 : 1, 16});
  mk_node(m, "Reshape", "p,shape", "feat");
  mk_attr_i(mk_node(m, "Gemm", "feat,fw,fb", "logits"), "transB", 1);
  return m;
}

static mg_model *load_path(const char *path, const char *root, int *rc, mg_err *err) {
  mg_limits lim;
  mg_limits_default(&lim);
  mg_model *mm = NULL;
  mg_err_clear(err);
  *rc = mg_model_load(path, root, &lim, &mm, err);
  return mm;
}

START_TEST(test_classifier_api) {
  setup_dir();
  char path[512];
  snprintf(path, sizeof path, "%s/m.onnx", tmpdir);
  for (int dyn = 0; dyn < 2; dyn++) {
    mk_model *mk = cnn(dyn);
    ck_assert_int_eq(mk_write(mk, path), 0);
    mk_free(mk);
    mg_err err;
    int rc;
    mg_model *m = load_path(path, tmpdir, &rc, &err);
    ck_assert_msg(rc == 0, "%s", err.msg);
    uint32_t c, h, w;
    mg_model_input_shape(m, &c, &h, &w);
    ck_assert_uint_eq(c, 2);
    ck_assert_uint_eq(h, 4);
    ck_assert_uint_eq(w, 4);
    ck_assert_uint_eq(mg_model_input_floats(m), 32);
    ck_assert_uint_eq(mg_model_num_classes(m), 3);
    ck_assert_str_eq(mg_model_feature_layer(m), "feat");
    uint64_t dim;
    ck_assert_int_eq(mg_model_tensor_dim(m, NULL, &dim, &err), 0);
    ck_assert_uint_eq(dim, 16);
    ck_assert_int_eq(mg_model_tensor_dim(m, "c", &dim, &err), 0);
    ck_assert_uint_eq(dim, 64);
    ck_assert_int_eq(mg_model_tensor_dim(m, "nope", &dim, &err), MG_ERR_NOT_FOUND);
    ck_assert_int_ne(mg_model_set_feature_layer(m, "w", &err), 0); /* a constant */
    /* 1000 rows at once (two threads taking chunks of rows in turn)
     * equal row-by-row runs */
    enum { N = 1000 };
    unsigned s = 99;
    float *x = malloc(N * 32 * sizeof(float)), lg[N * 3], feat[N * 16], one[3], f1[16];
    for (int i = 0; i < N * 32; i++)
      x[i] = frand(&s);
    ck_assert_int_eq(mg_model_forward(m, x, N, lg, NULL, feat, &err), 0);
    for (int r = 0; r < N; r++) {
      ck_assert_int_eq(mg_model_forward(m, x + r * 32, 1, one, "feat", f1, &err), 0);
      for (int k = 0; k < 3; k++)
        ck_assert_float_eq_tol(one[k], lg[r * 3 + k], 1e-5);
      for (int k = 0; k < 16; k++)
        ck_assert_float_eq_tol(f1[k], feat[r * 16 + k], 1e-5);
    }
    /* cross-entropy gradient against finite differences on row 5 */
    int32_t tg[N];
    for (int r = 0; r < N; r++)
      tg[r] = r % 3;
    float *gx = malloc(N * 32 * sizeof(float)), loss[N], lg2[N * 3];
    ck_assert_int_eq(mg_model_input_grad(m, x, N, tg, NULL, loss, lg2, gx, &err), 0);
    for (int k = 0; k < N * 3; k++)
      ck_assert_float_eq_tol(lg2[k], lg[k], 1e-5);
    for (int i = 0; i < 32; i++) {
      float keep = x[5 * 32 + i], lp, lm, d[3];
      float eps = 1e-2f;
      x[5 * 32 + i] = keep + eps;
      float dummy[32];
      ck_assert_int_eq(mg_model_input_grad(m, x + 5 * 32, 1, tg + 5, NULL, &lp, d, dummy, &err), 0);
      x[5 * 32 + i] = keep - eps;
      ck_assert_int_eq(mg_model_input_grad(m, x + 5 * 32, 1, tg + 5, NULL, &lm, d, dummy, &err), 0);
      x[5 * 32 + i] = keep;
      double num = (lp - lm) / (2 * eps);
      ck_assert_msg(fabs(num - gx[5 * 32 + i]) < 2e-2 * (1 + fabs(num)),
                    "input %d: analytic %g numeric %g", i, gx[5 * 32 + i], num);
    }
    /* caller-supplied dL/dlogits: one-hot on class 1 gives d logit_1 / dx */
    float dl[3] = {0, 1, 0}, g1[32], l1;
    ck_assert_int_eq(mg_model_input_grad(m, x, 1, NULL, dl, &l1, NULL, g1, &err), 0);
    ck_assert_float_eq_tol(l1, lg[1], 1e-5);
    int32_t bad = 3;
    ck_assert_int_eq(mg_model_input_grad(m, x, 1, &bad, NULL, NULL, NULL, g1, &err), MG_ERR_ARGS);
    /* A bad target deep in a threaded batch fails the call, naming it. */
    tg[700] = -1;
    mg_err_clear(&err);
    ck_assert_int_eq(mg_model_input_grad(m, x, N, tg, NULL, loss, lg2, gx, &err), MG_ERR_ARGS);
    ck_assert_msg(strstr(err.msg, "row 700") != NULL, "%s", err.msg);
    free(x);
    free(gx);
    mg_model_free(m);
  }
  rm_rf(tmpdir);
}
END_TEST

/* ---- hostile models ---- */
static int load_bytes(const uint8_t *b, size_t len, mg_limits *lim, mg_err *err) {
  rt_graph *g = NULL;
  mg_err_clear(err);
  int rc = rt_graph_load(b, len, "evil.onnx", NULL, lim, &g, err);
  rt_graph_free(g);
  return rc;
}

static int load_mk(mk_model *m, mg_err *err) {
  size_t len;
  uint8_t *b = mk_bytes(m, &len);
  mg_limits lim;
  mg_limits_default(&lim);
  int rc = load_bytes(b, len, &lim, err);
  free(b);
  mk_free(m);
  return rc;
}

#define EXPECT_FAIL(rc, err, code, needle)                                                         \
  do {                                                                                             \
    ck_assert_msg((rc) == (code), "expected error %d, got %d: %s", code, rc, (err).msg);           \
    ck_assert_msg(strstr((err).msg, needle), "message '%s' lacks '%s'", (err).msg, needle);        \
    ck_assert_msg(!strchr((err).msg, '\n'), "message is not one line");                            \
  } while (0)

static mk_model *base(int64_t opset) {
  mk_model *m = mk_new(opset);
  mk_input(m, "x", 1, 2, (int64_t[]){-1, 4});
  mk_output(m, "y");
  return m;
}

START_TEST(test_hostile_models) {
  mg_err err;
  mg_limits lim;
  mg_limits_default(&lim);
  uint8_t junk[64];
  for (int i = 0; i < 64; i++)
    junk[i] = (uint8_t)(i * 37 + 11);
  EXPECT_FAIL(load_bytes(junk, sizeof junk, &lim, &err), err, MG_ERR_FORMAT, "evil.onnx");

  mk_model *m = base(13); /* cycle */
  mk_node(m, "Relu", "b", "a");
  mk_node(m, "Relu", "a", "b");
  mk_node(m, "Add", "x,b", "y");
  EXPECT_FAIL(load_mk(m, &err), err, MG_ERR_FORMAT, "cycle");

  m = base(13); /* dangling input */
  mk_node(m, "Add", "x,ghost", "y");
  EXPECT_FAIL(load_mk(m, &err), err, MG_ERR_FORMAT, "'ghost'");

  m = base(13); /* unsupported op names op, node and opset */
  mk_node(m, "Einsum", "x", "y");
  EXPECT_FAIL(load_mk(m, &err), err, MG_ERR_UNSUPPORTED, "'Einsum'");
  ck_assert(strstr(err.msg, "n0_Einsum") && strstr(err.msg, "opset 13"));

  m = base(13); /* custom domain */
  mk_node(m, "Relu", "x", "y")->domain = strdup("com.evil");
  EXPECT_FAIL(load_mk(m, &err), err, MG_ERR_UNSUPPORTED, "com.evil");

  m = base(5); /* opset too old */
  mk_node(m, "Relu", "x", "y");
  EXPECT_FAIL(load_mk(m, &err), err, MG_ERR_UNSUPPORTED, "opset 5");

  m = base(13); /* initializer larger than its bytes */
  mk_init_f(m, "w", 1, (int64_t[]){4}, NULL);
  mk_last_init(m)->raw_data.len = 7;
  mk_node(m, "Add", "x,w", "y");
  EXPECT_FAIL(load_mk(m, &err), err, MG_ERR_FORMAT, "raw_data has 7 bytes");

  m = base(13); /* huge declared dims: overflow and limit */
  mk_init_f(m, "w", 1, (int64_t[]){1}, NULL);
  Onnx__TensorProto *t = mk_last_init(m);
  t->dims = realloc(t->dims, 3 * sizeof *t->dims);
  t->n_dims = 3;
  t->dims[0] = t->dims[1] = t->dims[2] = INT64_C(1) << 40;
  mk_node(m, "Add", "x,w", "y");
  EXPECT_FAIL(load_mk(m, &err), err, MG_ERR_FORMAT, "overflow");

  m = base(13);
  mk_init_f(m, "w", 1, (int64_t[]){1}, NULL);
  mk_last_init(m)->dims[0] = INT64_C(1) << 33;
  mk_node(m, "Add", "x,w", "y");
  EXPECT_FAIL(load_mk(m, &err), err, MG_ERR_LIMIT, "tensor-bytes");

  m = base(13); /* attribute of the wrong type */
  mk_attr_f(mk_node(m, "Softmax", "x", "y"), "axis", 1.0f);
  EXPECT_FAIL(load_mk(m, &err), err, MG_ERR_FORMAT, "'axis' must be an integer");

  m = base(13); /* axis out of range (found when planning at load) */
  mk_attr_i(mk_node(m, "Softmax", "x", "y"), "axis", 5);
  rt_graph *g = NULL;
  size_t len;
  uint8_t *b = mk_bytes(m, &len);
  mk_free(m);
  ck_assert_int_eq(rt_graph_load(b, len, "evil.onnx", NULL, &lim, &g, &err), 0);
  free(b);
  rt_exec *e = rt_exec_new(g);
  float xv[8] = {0};
  rt_tensor in = {RT_F32, {2, {2, 4}}, 8, xv};
  mg_err_clear(&err);
  int rc = rt_exec_plan(e, &in, &err);
  EXPECT_FAIL(rc, err, MG_ERR_FORMAT, "axis 5 out of range");
  rt_exec_free(e);
  rt_graph_free(g);

  m = base(13); /* a tensor defined twice */
  mk_node(m, "Relu", "x", "y");
  mk_node(m, "Sigmoid", "x", "y");
  EXPECT_FAIL(load_mk(m, &err), err, MG_ERR_FORMAT, "defined twice");

  m = base(13); /* graph-nodes limit */
  mk_node(m, "Relu", "x", "a");
  mk_node(m, "Relu", "a", "y");
  b = mk_bytes(m, &len);
  mk_free(m);
  mg_limits small = lim;
  small.value[MG_LIMIT_GRAPH_NODES] = 1;
  EXPECT_FAIL(load_bytes(b, len, &small, &err), err, MG_ERR_LIMIT, "graph-nodes");
  free(b);

  m = base(13); /* ConstantOfShape bomb folded at load */
  mk_init_i(m, "s", 1, (int64_t[]){3}, (int64_t[]){1 << 20, 1 << 20, 1 << 10});
  mk_node(m, "ConstantOfShape", "s", "big");
  mk_node(m, "Add", "x,big", "y");
  EXPECT_FAIL(load_mk(m, &err), err, MG_ERR_LIMIT, "tensor-bytes");

  m = mk_new(13); /* no output */
  mk_input(m, "x", 1, 2, (int64_t[]){-1, 4});
  mk_node(m, "Relu", "x", "y");
  rc = load_mk(m, &err);
  ck_assert_int_ne(rc, 0);
}
END_TEST

/* Loads m and plans it for a 2 x 4 float input: shape errors show here. */
static int plan_mk(mk_model *m, mg_err *err) {
  mg_limits lim;
  mg_limits_default(&lim);
  mg_err_clear(err);
  size_t len;
  uint8_t *b = mk_bytes(m, &len);
  mk_free(m);
  rt_graph *g = NULL;
  int rc = rt_graph_load(b, len, "evil.onnx", NULL, &lim, &g, err);
  free(b);
  if (rc)
    return rc;
  rt_exec *e = rt_exec_new(g);
  float x[8] = {0};
  rt_tensor in = {RT_F32, {2, {2, 4}}, 8, x};
  rc = e ? rt_exec_plan(e, &in, err) : MG_ERR_NOMEM;
  rt_exec_free(e);
  rt_graph_free(g);
  return rc;
}

/* The newer layers' attributes (at load) and shapes (when planned). */
START_TEST(test_hostile_new_ops) {
  mg_err err;
  mk_model *m;
  int rc;
  m = base(17); /* LayerNormalization axis past the rank */
  mk_init_f(m, "s", 1, (int64_t[]){4}, (float[]){1, 1, 1, 1});
  mk_attr_i(mk_node(m, "LayerNormalization", "x,s", "y"), "axis", 2);
  rc = plan_mk(m, &err);
  EXPECT_FAIL(rc, err, MG_ERR_FORMAT, "axis");

  m = base(17); /* scale that does not broadcast to the normalised axes */
  mk_init_f(m, "s", 1, (int64_t[]){3}, (float[]){1, 1, 1});
  mk_node(m, "LayerNormalization", "x,s", "y");
  rc = plan_mk(m, &err);
  EXPECT_FAIL(rc, err, MG_ERR_FORMAT, "broadcast");

  m = base(13); /* InstanceNormalization scale of the wrong size */
  mk_init_f(m, "s", 1, (int64_t[]){3}, (float[]){1, 1, 1});
  mk_init_f(m, "b", 1, (int64_t[]){4}, (float[]){0, 0, 0, 0});
  mk_node(m, "InstanceNormalization", "x,s,b", "y");
  rc = plan_mk(m, &err);
  EXPECT_FAIL(rc, err, MG_ERR_FORMAT, "one value per channel");

  m = base(13); /* negative epsilon */
  mk_init_f(m, "s", 1, (int64_t[]){4}, (float[]){1, 1, 1, 1});
  mk_attr_f(mk_node(m, "InstanceNormalization", "x,s,s", "y"), "epsilon", -1.0f);
  rc = load_mk(m, &err);
  EXPECT_FAIL(rc, err, MG_ERR_FORMAT, "epsilon");

  m = base(13); /* infinite HardSigmoid slope */
  mk_attr_f(mk_node(m, "HardSigmoid", "x", "y"), "alpha", INFINITY);
  rc = load_mk(m, &err);
  EXPECT_FAIL(rc, err, MG_ERR_FORMAT, "'alpha' must be finite");

  m = base(20); /* unknown Gelu approximation */
  mk_attr_s(mk_node(m, "Gelu", "x", "y"), "approximate", "cubic");
  rc = load_mk(m, &err);
  EXPECT_FAIL(rc, err, MG_ERR_UNSUPPORTED, "approximate='cubic'");

  m = base(13); /* Cast to a type the runtime does not hold */
  mk_attr_i(mk_node(m, "Cast", "x", "y"), "to", 8);
  rc = load_mk(m, &err);
  EXPECT_FAIL(rc, err, MG_ERR_UNSUPPORTED, "element type 8");

  m = base(13); /* Cast without a target */
  mk_node(m, "Cast", "x", "y");
  rc = load_mk(m, &err);
  EXPECT_FAIL(rc, err, MG_ERR_FORMAT, "'to' is required");
}
END_TEST

START_TEST(test_unsupported_model_shapes) {
  setup_dir();
  char path[512];
  snprintf(path, sizeof path, "%s/m.onnx", tmpdir);
  mk_model *m = mk_new(13);
  mk_input(m, "a", 1, 2, (int64_t[]){-1, 4});
  mk_input(m, "b", 1, 2, (int64_t[]){-1, 4});
  mk_output(m, "y");
  mk_node(m, "Add", "a,b", "y");
  ck_assert_int_eq(mk_write(m, path), 0);
  mk_free(m);
  mg_err err;
  int rc;
  mg_model *mm = load_path(path, tmpdir, &rc, &err);
  EXPECT_FAIL(rc, err, MG_ERR_UNSUPPORTED, "2 inputs");
  ck_assert_ptr_null(mm);
  m = mk_new(13);
  mk_input(m, "a", 1, 2, (int64_t[]){-1, -1});
  mk_output(m, "y");
  mk_node(m, "Relu", "a", "y");
  ck_assert_int_eq(mk_write(m, path), 0);
  mk_free(m);
  mm = load_path(path, tmpdir, &rc, &err);
  EXPECT_FAIL(rc, err, MG_ERR_UNSUPPORTED, "not a fixed positive size");
  rm_rf(tmpdir);
}
END_TEST

/* external data: only regular files below the model's directory */
static mk_model *ext_model(const char *location, const char *offset, const char *length) {
  mk_model *m = base(13);
  mk_init_f(m, "w", 1, (int64_t[]){4}, NULL);
  Onnx__TensorProto *t = mk_last_init(m);
  free(t->raw_data.data);
  t->raw_data.data = NULL;
  t->raw_data.len = 0;
  t->has_raw_data = 0;
  t->has_data_location = 1;
  t->data_location = 1;
  const char *keys[] = {"location", "offset", "length"};
  const char *vals[] = {location, offset, length};
  t->external_data = calloc(3, sizeof *t->external_data);
  for (int i = 0; i < 3; i++) {
    if (!vals[i])
      continue;
    Onnx__StringStringEntryProto *kv = calloc(1, sizeof *kv);
    onnx__string_string_entry_proto__init(kv);
    kv->key = strdup(keys[i]);
    kv->value = strdup(vals[i]);
    t->external_data[t->n_external_data++] = kv;
  }
  mk_node(m, "Add", "x,w", "y");
  return m;
}

static int try_ext(const char *loc, const char *off, const char *len, mg_err *err) {
  char path[512];
  snprintf(path, sizeof path, "%s/pkg/model/m.onnx", tmpdir);
  mk_model *m = ext_model(loc, off, len);
  ck_assert_int_eq(mk_write(m, path), 0);
  mk_free(m);
  char root[512];
  snprintf(root, sizeof root, "%s/pkg", tmpdir);
  int rc;
  mg_model *mm = load_path(path, root, &rc, err);
  if (!rc) {
    float x[4] = {1, 2, 3, 4}, y[4];
    ck_assert_int_eq(mg_model_forward(mm, x, 1, y, NULL, NULL, err), 0);
    ck_assert_float_eq(y[0], 1.5f);
    ck_assert_float_eq(y[3], 8.0f);
    mg_model_free(mm);
  }
  return rc;
}

START_TEST(test_external_data) {
  setup_dir();
  char p[600];
  snprintf(p, sizeof p, "%s/pkg/model/sub", tmpdir);
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s' '%s/outside'", p, tmpdir);
  ck_assert_int_eq(system(cmd), 0);
  float w[6] = {9, 0.5f, 1, 2, 4, 9};
  snprintf(p, sizeof p, "%s/pkg/model/sub/w.bin", tmpdir);
  FILE *f = fopen(p, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(fwrite(w, 4, 6, f), 6);
  fclose(f);
  snprintf(p, sizeof p, "%s/outside/w.bin", tmpdir);
  f = fopen(p, "wb");
  ck_assert_int_eq(fwrite(w, 4, 6, f), 6);
  fclose(f);
  char link[600];
  snprintf(link, sizeof link, "%s/pkg/model/link.bin", tmpdir);
  ck_assert_int_eq(symlink(p, link), 0);
  snprintf(link, sizeof link, "%s/pkg/model/dirlink", tmpdir);
  snprintf(p, sizeof p, "%s/outside", tmpdir);
  ck_assert_int_eq(symlink(p, link), 0);
  mg_err err;
  ck_assert_int_eq(try_ext("sub/w.bin", "4", "16", &err), 0);
  ck_assert_int_eq(try_ext("./sub/w.bin", "4", NULL, &err), 0); /* length is optional */
  EXPECT_FAIL(try_ext("sub/w.bin", "4", "12", &err), err, MG_ERR_FORMAT, "does not match");
  EXPECT_FAIL(try_ext("/etc/passwd", NULL, NULL, &err), err, MG_ERR_UNSAFE, "absolute");
  EXPECT_FAIL(try_ext("../../outside/w.bin", "4", "16", &err), err, MG_ERR_UNSAFE, "'..'");
  EXPECT_FAIL(try_ext("sub/../../../outside/w.bin", "4", "16", &err), err, MG_ERR_UNSAFE, "'..'");
  EXPECT_FAIL(try_ext("link.bin", "4", "16", &err), err, MG_ERR_UNSAFE, "symbolic link");
  EXPECT_FAIL(try_ext("dirlink/w.bin", "4", "16", &err), err, MG_ERR_UNSAFE, "symbolic link");
  EXPECT_FAIL(try_ext("sub/none.bin", "0", "16", &err), err, MG_ERR_NOT_FOUND, "does not exist");
  EXPECT_FAIL(try_ext("sub/w.bin", "16", "16", &err), err, MG_ERR_FORMAT, "outside the file");
  EXPECT_FAIL(try_ext("sub/w.bin", "-4", "16", &err), err, MG_ERR_FORMAT, "not a number");
  EXPECT_FAIL(try_ext("sub", "0", "16", &err), err, MG_ERR_UNSAFE, "not a regular file");
  rm_rf(tmpdir);
}
END_TEST

/* The audit describes a hostile model instead of failing on it. */
START_TEST(test_audit) {
  setup_dir();
  mk_model *m = mk_new(13);
  mk_input(m, "x", 1, 2, (int64_t[]){-1, INT64_C(1) << 33});
  mk_input(m, "w", 1, 1, (int64_t[]){4});
  mk_output(m, "y");
  mk_init_f(m, "w", 1, (int64_t[]){4}, NULL); /* shadows input w */
  mk_init_f(m, "bad", 1, (int64_t[]){4}, NULL);
  mk_last_init(m)->raw_data.len = 12; /* 12 bytes for 16 */
  mk_node(m, "Add", "x,w", "a");
  mk_node(m, "Frobnicate", "a", "b")->domain = strdup("com.evil");
  mk_node(m, "LpNormalization", "b", "y");
  Onnx__ModelProto *mp = mk_proto(m);
  Onnx__StringStringEntryProto kv = ONNX__STRING_STRING_ENTRY_PROTO__INIT, *kvp = &kv;
  kv.key = "author";
  kv.value = "mallory";
  mp->n_metadata_props = 1;
  mp->metadata_props = &kvp;
  char path[512];
  snprintf(path, sizeof path, "%s/m.onnx", tmpdir);
  ck_assert_int_eq(mk_write(m, path), 0);
  mp->n_metadata_props = 0;
  mp->metadata_props = NULL;
  mk_free(m);
  m = ext_model("../../secret", "0", "16");
  char path2[512];
  snprintf(path2, sizeof path2, "%s/e.onnx", tmpdir);
  ck_assert_int_eq(mk_write(m, path2), 0);
  mk_free(m);

  mg_limits lim;
  mg_limits_default(&lim);
  mg_err err;
  mg_err_clear(&err);
  json_t *a = NULL;
  ck_assert_int_eq(mg_onnx_audit(path, tmpdir, &lim, &a, &err), 0);
  ck_assert(json_is_false(json_object_get(a, "loaded")));
  const char *msg = json_string_value(json_object_get(json_object_get(a, "load_error"), "message"));
  ck_assert_msg(msg && strstr(msg, "raw_data has 12 bytes"), "load error: %s", msg ? msg : "-");
  ck_assert_int_eq(json_integer_value(json_object_get(a, "ir_version")), 7);
  ck_assert_int_eq(json_integer_value(
                       json_object_get(json_object_get(a, "op_histogram"), "com.evil.Frobnicate")),
                   1);
  json_t *un = json_object_get(a, "unsupported_ops");
  ck_assert_int_eq(json_array_size(un), 2);
  ck_assert_str_eq(json_string_value(json_array_get(un, 0)), "com.evil.Frobnicate");
  ck_assert_str_eq(json_string_value(json_array_get(un, 1)), "LpNormalization");
  ck_assert_str_eq(json_string_value(json_array_get(json_object_get(a, "custom_domains"), 0)),
                   "com.evil");
  ck_assert_str_eq(json_string_value(json_array_get(json_object_get(a, "shadowed_inputs"), 0)),
                   "w");
  json_t *mm = json_array_get(json_object_get(a, "initializer_size_mismatches"), 0);
  ck_assert_str_eq(json_string_value(json_object_get(mm, "name")), "bad");
  ck_assert_int_eq(json_integer_value(json_object_get(mm, "expected_bytes")), 16);
  ck_assert_int_eq(json_integer_value(json_object_get(mm, "actual_bytes")), 12);
  json_t *ab = json_array_get(json_object_get(a, "absurd_dims"), 0);
  ck_assert_str_eq(json_string_value(json_object_get(ab, "name")), "x");
  ck_assert_str_eq(
      json_string_value(json_object_get(json_object_get(a, "metadata_props"), "author")),
      "mallory");
  json_t *in0 = json_array_get(json_object_get(a, "inputs"), 0);
  ck_assert_str_eq(json_string_value(json_array_get(json_object_get(in0, "shape"), 0)), "N");
  json_decref(a);

  ck_assert_int_eq(mg_onnx_audit(path2, tmpdir, &lim, &a, &err), 0);
  json_t *ext = json_array_get(json_object_get(a, "external_data"), 0);
  ck_assert_str_eq(json_string_value(json_object_get(ext, "status")), "escapes");
  ck_assert_str_eq(json_string_value(json_object_get(ext, "location")), "../../secret");
  ck_assert(json_is_false(json_object_get(a, "loaded")));
  json_decref(a);

  /* not ONNX at all: still a report */
  FILE *f = fopen(path, "wb");
  fputs("\x08\x07garbage", f);
  fclose(f);
  ck_assert_int_eq(mg_onnx_audit(path, tmpdir, &lim, &a, &err), 0);
  ck_assert(json_is_false(json_object_get(a, "parsed")));
  ck_assert(json_is_false(json_object_get(a, "loaded")));
  json_decref(a);
  snprintf(path, sizeof path, "%s/none.onnx", tmpdir);
  ck_assert_int_eq(mg_onnx_audit(path, tmpdir, &lim, &a, &err), MG_ERR_IO);
  rm_rf(tmpdir);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("runtime model");
  TCase *t = tcase_create("model");
  tcase_set_timeout(t, 120);
  tcase_add_test(t, test_classifier_api);
  tcase_add_test(t, test_hostile_models);
  tcase_add_test(t, test_hostile_new_ops);
  tcase_add_test(t, test_unsupported_model_shapes);
  tcase_add_test(t, test_external_data);
  tcase_add_test(t, test_audit);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  return mg_check_run(suite());
}
