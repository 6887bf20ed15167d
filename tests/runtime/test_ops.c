/* Every operator, forward and VJP: gradients of L = sum(w * Y) with
 * respect to every float input are checked against central finite
 * differences, on small graphs built with mkonnx.c. Inputs lie on a
 * shuffled lattice so ReLU kinks, Clip bounds and max-pool ties are at
 * least half a step away from any probe. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "mkonnx.h"
#include "runtime/ops/conv_direct.h"
#include "runtime/ops/gemm_packed.h"
#include "runtime/ops/maxpool2.h"
#include "runtime/rt_internal.h"

#define MAXIN 4

typedef struct gc_input {
  const char *name;
  rt_shape shape;
  float base, step; /* lattice: base + (k + 0.5) * step, k shuffled */
} gc_input;

static uint32_t rng = 12345;
static uint32_t next_rand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}
static float unif(void) {
  return (float)(next_rand() % 2000001) / 1000000.0f - 1.0f;
}

static rt_graph *load_model(mk_model *m, int *rc, mg_err *err) {
  size_t len;
  uint8_t *b = mk_bytes(m, &len);
  mg_limits lim;
  mg_limits_default(&lim);
  rt_graph *g = NULL;
  mg_err_clear(err);
  *rc = rt_graph_load(b, len, "test.onnx", NULL, &lim, &g, err);
  free(b);
  return g;
}

/* Loads m and runs it forward on the float input x of shape xs: the
 * execution state, its first output at e->t[(*gp)->outputs[0]]. */
static rt_exec *run_forward(mk_model *m, rt_shape xs, float *x, rt_graph **gp) {
  mg_err err;
  int rc;
  rt_graph *g = load_model(m, &rc, &err);
  ck_assert_msg(rc == 0, "%s", err.msg);
  int64_t count;
  ck_assert_int_eq(rt_shape_count(&xs, &count), 0);
  rt_exec *e = rt_exec_new(g);
  rt_tensor in = {RT_F32, xs, count, x};
  ck_assert_int_eq(rt_exec_plan(e, &in, &err), 0);
  ck_assert_int_eq(rt_exec_forward(e, &err), 0);
  *gp = g;
  return e;
}

static double loss_of(rt_exec *e, const rt_graph *g, rt_tensor *ins, const float *w, int *ok) {
  mg_err err;
  mg_err_clear(&err);
  e->keep_all = 0;
  if (rt_exec_plan(e, ins, &err) || rt_exec_forward(e, &err)) {
    fprintf(stderr, "forward: %s\n", err.msg);
    *ok = 0;
    return 0;
  }
  rt_tensor *y = &e->t[g->outputs[0]];
  double s = 0;
  for (int64_t i = 0; i < y->count; i++)
    s += (double)w[i] * ((float *)y->data)[i];
  rt_exec_reset(e);
  return s;
}

/* Builds inputs, compares analytic and numeric gradients; returns the
 * number of mismatching elements (and fails the test on any). */
static void gradcheck(mk_model *m, const gc_input *spec, int nin, const char *what) {
  mg_err err;
  int rc;
  rt_graph *g = load_model(m, &rc, &err);
  ck_assert_msg(rc == 0, "%s: load failed: %s", what, err.msg);
  ck_assert_int_eq((int)g->n_inputs, nin);
  rt_exec *e = rt_exec_new(g);
  ck_assert_ptr_nonnull(e);
  rt_tensor ins[MAXIN];
  for (int i = 0; i < nin; i++) {
    memset(&ins[i], 0, sizeof ins[i]);
    ins[i].dtype = RT_F32;
    ins[i].shape = spec[i].shape;
    rt_shape_count(&ins[i].shape, &ins[i].count);
    float *d = malloc((size_t)ins[i].count * sizeof(float));
    int64_t *perm = malloc((size_t)ins[i].count * sizeof(int64_t));
    for (int64_t k = 0; k < ins[i].count; k++)
      perm[k] = k;
    for (int64_t k = ins[i].count - 1; k > 0; k--) {
      int64_t j = next_rand() % (uint32_t)(k + 1), t = perm[k];
      perm[k] = perm[j];
      perm[j] = t;
    }
    for (int64_t k = 0; k < ins[i].count; k++)
      d[k] = spec[i].base + ((float)perm[k] + 0.5f) * spec[i].step;
    free(perm);
    ins[i].data = d;
  }
  /* forward once for the output size */
  rc = rt_exec_plan(e, ins, &err);
  ck_assert_msg(rc == 0, "%s: plan failed: %s", what, err.msg);
  int64_t ny = e->t[g->outputs[0]].count;
  float *w = malloc((size_t)(ny ? ny : 1) * sizeof(float));
  for (int64_t k = 0; k < ny; k++)
    w[k] = unif();
  e->keep_all = 1;
  rc = rt_exec_forward(e, &err);
  ck_assert_msg(rc == 0, "%s: forward failed: %s", what, err.msg);
  rc = rt_exec_backward(e, 0, w, &err);
  ck_assert_msg(rc == 0, "%s: backward failed: %s", what, err.msg);
  float *an[MAXIN];
  for (int i = 0; i < nin; i++) {
    an[i] = calloc((size_t)ins[i].count, sizeof(float));
    float *gr = e->grad[g->inputs[i]];
    if (gr)
      memcpy(an[i], gr, (size_t)ins[i].count * sizeof(float));
  }
  rt_exec_reset(e);
  int bad = 0, ok = 1;
  double worst = 0;
  for (int i = 0; i < nin; i++) {
    float *x = ins[i].data;
    float eps = spec[i].step * 0.25f;
    for (int64_t k = 0; k < ins[i].count; k++) {
      float keep = x[k];
      x[k] = keep + eps;
      double lp = loss_of(e, g, ins, w, &ok);
      x[k] = keep - eps;
      double lm = loss_of(e, g, ins, w, &ok);
      x[k] = keep;
      double num = (lp - lm) / (2.0 * eps);
      double diff = fabs(num - an[i][k]);
      double tol = 3e-3 + 1e-2 * fabs(num);
      if (diff > worst)
        worst = diff;
      if (!(diff <= tol)) {
        if (bad < 5)
          fprintf(stderr, "%s: input %d element %lld: analytic %g numeric %g\n", what, i,
                  (long long)k, an[i][k], num);
        bad++;
      }
    }
  }
  ck_assert_msg(ok, "%s: a perturbed forward failed", what);
  ck_assert_msg(bad == 0, "%s: %d gradient elements differ from finite differences", what, bad);
  /* The gradient must not be trivially zero where the output depends on x. */
  double norm = 0;
  for (int i = 0; i < nin; i++)
    for (int64_t k = 0; k < ins[i].count; k++)
      norm += fabs(an[i][k]);
  ck_assert_msg(norm > 0, "%s: gradient is identically zero", what);
  for (int i = 0; i < nin; i++) {
    free(an[i]);
    free(ins[i].data);
  }
  free(w);
  rt_exec_free(e);
  rt_graph_free(g);
  mk_free(m);
}

#define SHAPE(...)                                                                                 \
  {                                                                                                \
    sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t), {                                          \
      __VA_ARGS__                                                                                  \
    }                                                                                              \
  }

static gc_input in1(const char *name, rt_shape s, float base, float step) {
  gc_input g = {name, s, base, step};
  return g;
}

/* Declares input x of the given shape and a graph output y. */
static mk_model *model1(int64_t opset, const char *x, rt_shape s) {
  mk_model *m = mk_new(opset);
  mk_input(m, x, 1, (int)s.rank, s.d);
  mk_output(m, "y");
  return m;
}

static float *rnd(int64_t n) {
  float *v = malloc((size_t)n * sizeof(float));
  for (int64_t i = 0; i < n; i++)
    v[i] = unif();
  return v;
}

/* ---- Conv ---- */
/* Weight (m, c, ky, kx) as the packing reads it. */
static float weight(const conv_direct *d, const float *w, int flip, int64_t m, int64_t c,
                    int64_t ky, int64_t kx) {
  if (flip)
    return w[((c * d->m + m) * d->kh + d->kh - 1 - ky) * d->kw + d->kw - 1 - kx];
  return w[((m * d->c + c) * d->kh + ky) * d->kw + kx];
}

static double reference(const conv_direct *d, const float *x, const float *w, int flip, int64_t m,
                        int64_t oy, int64_t ox) {
  double s = 0;
  for (int64_t c = 0; c < d->c; c++)
    for (int64_t ky = 0; ky < d->kh; ky++)
      for (int64_t kx = 0; kx < d->kw; kx++) {
        int64_t i = oy * d->sh - d->pt + ky * d->dh, j = ox * d->sw - d->pl + kx * d->dw;
        if (i >= 0 && i < d->h && j >= 0 && j < d->w)
          s += (double)weight(d, w, flip, m, c, ky, kx) * x[(c * d->h + i) * d->w + j];
      }
  return s;
}

START_TEST(test_conv_grouped_strided_dilated) {
  rt_shape xs = SHAPE(2, 4, 7, 6);
  mk_model *m = model1(13, "x", xs);
  int64_t wd[] = {6, 2, 3, 2}, bd[] = {6};
  float *w = rnd(6 * 2 * 3 * 2), *b = rnd(6);
  mk_init_f(m, "w", 4, wd, w);
  mk_init_f(m, "b", 1, bd, b);
  Onnx__NodeProto *n = mk_node(m, "Conv", "x,w,b", "y");
  mk_attr_i(n, "group", 2);
  mk_attr_ints(n, "strides", 2, (int64_t[]){2, 1});
  mk_attr_ints(n, "pads", 4, (int64_t[]){1, 0, 1, 1});
  mk_attr_ints(n, "dilations", 2, (int64_t[]){2, 1});
  gc_input in[] = {in1("x", xs, -1.0f, 0.01f)};
  gradcheck(m, in, 1, "Conv groups/strides/dilations");
  free(w);
  free(b);
}
END_TEST

START_TEST(test_conv_same_pointwise_and_weight_grad) {
  rt_shape xs = SHAPE(3, 3, 5, 5), ws = SHAPE(4, 3, 3, 3);
  mk_model *m = mk_new(11);
  mk_input(m, "x", 1, 4, xs.d);
  mk_input(m, "w", 1, 4, ws.d);
  mk_output(m, "y");
  Onnx__NodeProto *n = mk_node(m, "Conv", "x,w", "c");
  mk_attr_s(n, "auto_pad", "SAME_UPPER");
  mk_attr_ints(n, "strides", 2, (int64_t[]){2, 2});
  int64_t pd[] = {2, 4, 1, 1};
  float *pw = rnd(8);
  mk_init_f(m, "pw", 4, pd, pw);
  mk_node(m, "Conv", "c,pw", "y");
  gc_input in[] = {in1("x", xs, -0.8f, 0.02f), in1("w", ws, -0.5f, 0.01f)};
  gradcheck(m, in, 2, "Conv SAME_UPPER + pointwise, dW");
  free(pw);
}
END_TEST

START_TEST(test_conv_1d_and_3d) {
  rt_shape xs = SHAPE(2, 2, 9);
  mk_model *m = model1(13, "x", xs);
  int64_t wd[] = {3, 2, 3};
  float *w = rnd(18);
  mk_init_f(m, "w", 3, wd, w);
  Onnx__NodeProto *n = mk_node(m, "Conv", "x,w", "y");
  mk_attr_s(n, "auto_pad", "SAME_LOWER");
  gc_input in[] = {in1("x", xs, -0.3f, 0.02f)};
  gradcheck(m, in, 1, "Conv 1-D SAME_LOWER");
  free(w);
  rt_shape xs3 = SHAPE(1, 2, 3, 4, 3);
  m = model1(13, "x", xs3);
  int64_t wd3[] = {2, 2, 2, 2, 2};
  w = rnd(32);
  mk_init_f(m, "w", 5, wd3, w);
  n = mk_node(m, "Conv", "x,w", "y");
  mk_attr_ints(n, "pads", 6, (int64_t[]){1, 0, 1, 0, 1, 1});
  gc_input in3[] = {in1("x", xs3, -0.7f, 0.02f)};
  gradcheck(m, in3, 1, "Conv 3-D");
  free(w);
}
END_TEST

/* Padding wider than the kernel's reach and a dilated stride-1 row: whole
 * rows of the im2col matrix fall outside the input. Forward against a
 * direct loop, then the VJP against finite differences. */
START_TEST(test_conv_wide_pads_against_direct) {
  enum { N = 2, C = 2, H = 3, W = 4, M = 3, KH = 2, KW = 3, DW = 2 };
  const int64_t pt = 3, pl = 5, pb = 1, pr = 4;
  const int64_t oh = H + pt + pb - KH + 1, ow = W + pl + pr - (KW - 1) * DW - 1 + 1;
  rt_shape xs = SHAPE(N, C, H, W);
  mk_model *m = model1(13, "x", xs);
  int64_t wd[] = {M, C, KH, KW};
  float *w = rnd(M * C * KH * KW), *x = rnd(N * C * H * W);
  mk_init_f(m, "w", 4, wd, w);
  Onnx__NodeProto *n = mk_node(m, "Conv", "x,w", "y");
  mk_attr_ints(n, "pads", 4, (int64_t[]){pt, pl, pb, pr});
  mk_attr_ints(n, "dilations", 2, (int64_t[]){1, DW});
  rt_graph *g;
  rt_exec *e = run_forward(m, xs, x, &g);
  const rt_tensor *y = &e->t[g->outputs[0]];
  ck_assert_int_eq(y->count, N * M * oh * ow);
  conv_direct d = {C, H, W, M, KH, KW, 1, 1, 1, DW, pt, pl, oh, ow};
  for (int64_t b = 0; b < N; b++)
    for (int64_t mo = 0; mo < M; mo++)
      for (int64_t i = 0; i < oh; i++)
        for (int64_t j = 0; j < ow; j++) {
          double want = reference(&d, x + b * C * H * W, w, 0, mo, i, j);
          float got = ((const float *)y->data)[((b * M + mo) * oh + i) * ow + j];
          ck_assert_msg(fabs(got - want) < 1e-5, "y[%ld,%ld,%ld,%ld] = %g, want %g", (long)b,
                        (long)mo, (long)i, (long)j, got, want);
        }
  rt_exec_free(e);
  rt_graph_free(g);
  gc_input gi[] = {in1("x", xs, -0.6f, 0.02f)};
  gradcheck(m, gi, 1, "Conv wide pads, dilated row");
  free(w);
  free(x);
}
END_TEST

/* A BatchNormalization with constant parameters, a residual Add of another
 * tensor and a rectifier (relu 1: Relu, 2: LeakyRelu, 3: LeakyRelu of a
 * negative slope, which is not fused), each optional but in this order,
 * that alone read a Conv's output are done by the convolution itself; a
 * Conv output somebody asked to see keeps its own values (the fusion is
 * off then), and gradients through the fused nodes are right. */
static void check_conv_fusion(int bn, int add, int relu) {
  const float slope = relu == 2 ? 0.2f : relu == 3 ? -0.3f : 0.0f;
  enum { N = 2, C = 3, H = 6, W = 5, M = 5 };
  rt_shape xs = SHAPE(N, C, H, W);
  mk_model *m = model1(13, "x", xs);
  int64_t wd[] = {M, C, 3, 3}, sd[] = {N, M, H, W}, md[] = {M};
  float *w = rnd(M * C * 9), *x = rnd(N * C * H * W), *z = rnd(N * M * H * W);
  /* BatchNormalization's parameters, after the convolution's bias. */
  float *bp[5];
  for (int k = 0; k < 5; k++) {
    bp[k] = rnd(M);
    for (int i = 0; k == 4 && i < M; i++)
      bp[k][i] = 0.5f + bp[k][i] * bp[k][i]; /* variances */
  }
  mk_init_f(m, "w", 4, wd, w);
  mk_init_f(m, "s", 4, sd, z);
  const char *bnames[5] = {"b", "g", "beta", "mu", "var"};
  for (int k = 0; bn && k < 5; k++)
    mk_init_f(m, bnames[k], 1, md, bp[k]);
  Onnx__NodeProto *n = mk_node(m, "Conv", bn ? "x,w,b" : "x,w", "c");
  mk_attr_ints(n, "pads", 4, (int64_t[]){1, 1, 1, 1});
  const char *c_out = "c";
  if (bn) {
    mk_node(m, "BatchNormalization", "c,g,beta,mu,var", add || relu ? "n" : "y");
    c_out = "n";
  }
  /* The Add's operands either way round. */
  if (add)
    mk_node(m, "Add", add == 1 ? (bn ? "n,s" : "c,s") : (bn ? "s,n" : "s,c"), relu ? "a" : "y");
  if (relu) {
    n = mk_node(m, relu == 1 ? "Relu" : "LeakyRelu", add ? "a" : c_out, "y");
    if (relu > 1)
      mk_attr_f(n, "alpha", slope);
  }
  mg_err err;
  int rc;
  rt_graph *g = load_model(m, &rc, &err);
  ck_assert_msg(rc == 0, "%s", err.msg);
  int32_t cv = -1;
  for (uint32_t v = 0; v < g->n_values; v++)
    if (!strcmp(g->values[v].name, "c"))
      cv = (int32_t)v;
  ck_assert_int_ge(cv, 0);
  /* The input gradient of sum(dy * y), fused (keep 0) and not (keep 1);
   * finite differences would stumble on the kinks of Relu(conv). */
  float *dy = rnd(N * M * H * W), *gx[2];
  conv_direct d = {C, H, W, M, 3, 3, 1, 1, 1, 1, 1, 1, H, W}; /* c h w, m kh kw, s, d, pads, out */
  for (int keep = 0; keep < 2; keep++) {
    rt_exec *e = rt_exec_new(g);
    e->keep[cv] = (uint8_t)keep;
    e->keep_all = 1;
    rt_tensor in = {RT_F32, xs, N * C * H * W, x};
    ck_assert_int_eq(rt_exec_plan(e, &in, &err), 0);
    ck_assert_int_eq(rt_exec_forward(e, &err), 0);
    const float *y = e->t[g->outputs[0]].data, *c = keep ? e->t[cv].data : NULL;
    int negatives = 0;
    for (int64_t b = 0; b < N; b++)
      for (int64_t mo = 0; mo < M; mo++)
        for (int64_t i = 0; i < H; i++)
          for (int64_t j = 0; j < W; j++) {
            double conv = reference(&d, x + b * C * H * W, w, 0, mo, i, j);
            if (bn)
              conv += bp[0][mo];
            int64_t at = ((b * M + mo) * H + i) * W + j;
            double want = conv;
            if (bn)
              want = (conv - bp[3][mo]) / sqrt(bp[4][mo] + 1e-5) * bp[1][mo] + bp[2][mo];
            want += add ? z[at] : 0.0;
            negatives += want < 0;
            if (relu && want < 0)
              want *= slope;
            ck_assert_msg(fabs(y[at] - want) < 1e-5,
                          "bn %d add %d relu %d keep %d: y[%ld] = %g, "
                          "want %g",
                          bn, add, relu, keep, (long)at, y[at], want);
            if (c)
              ck_assert_msg(fabs(c[at] - conv) < 1e-5, "kept c[%ld] = %g, want %g", (long)at, c[at],
                            conv);
          }
    ck_assert_int_gt(negatives, 0); /* a Relu would have something to do */
    /* Fused, the output is the convolution's own buffer. */
    if (!keep && relu != 3)
      ck_assert_ptr_eq(y, e->t[cv].data);
    else if (!keep) /* not the rectifier, whatever else was */
      ck_assert_ptr_ne(y, e->t[cv].data);
    else
      ck_assert_ptr_ne(y, e->t[cv].data);
    ck_assert_int_eq(rt_exec_backward(e, 0, dy, &err), 0);
    ck_assert_ptr_nonnull(e->grad[g->inputs[0]]);
    gx[keep] = malloc(N * C * H * W * sizeof(float));
    memcpy(gx[keep], e->grad[g->inputs[0]], N * C * H * W * sizeof(float));
    rt_exec_free(e);
  }
  double norm = 0;
  for (int64_t k = 0; k < N * C * H * W; k++) {
    ck_assert_msg(fabs(gx[0][k] - gx[1][k]) < 1e-6, "dx[%ld] fused %g, unfused %g", (long)k,
                  gx[0][k], gx[1][k]);
    norm += fabs(gx[0][k]);
  }
  ck_assert(norm > 0);
  rt_graph_free(g);
  mk_free(m);
  free(gx[0]);
  free(gx[1]);
  free(dy);
  free(w);
  free(x);
  free(z);
  for (int k = 0; k < 5; k++)
    free(bp[k]);
}

/* A convolution keeps its packed weights across runs of one execution
 * state only while what they were packed for stays: the same state
 * alternating between the BatchNormalization folded in (fused) and not
 * (the Conv output kept) gives what fresh states give. */
START_TEST(test_conv_packing_kept_across_runs) {
  enum { N = 3, C = 2, H = 7, W = 7, M = 9 };
  rt_shape xs = SHAPE(N, C, H, W);
  mk_model *m = model1(13, "x", xs);
  int64_t wd[] = {M, C, 3, 3}, md[] = {M};
  float *w = rnd(M * C * 9), *x = rnd(N * C * H * W), *bp[5];
  mk_init_f(m, "w", 4, wd, w);
  const char *names[5] = {"b", "g", "beta", "mu", "var"};
  for (int k = 0; k < 5; k++) {
    bp[k] = rnd(M);
    for (int i = 0; k == 4 && i < M; i++)
      bp[k][i] = 1.0f + bp[k][i] * bp[k][i];
    mk_init_f(m, names[k], 1, md, bp[k]);
  }
  Onnx__NodeProto *n = mk_node(m, "Conv", "x,w,b", "c");
  mk_attr_ints(n, "pads", 4, (int64_t[]){1, 1, 1, 1});
  mk_node(m, "BatchNormalization", "c,g,beta,mu,var", "y");
  mg_err err;
  int rc;
  rt_graph *g = load_model(m, &rc, &err);
  ck_assert_msg(rc == 0, "%s", err.msg);
  int cv = rt_value_find(g, "c");
  const size_t ny = N * M * H * W * sizeof(float);
  float *want[2];
  rt_tensor in = {RT_F32, xs, N * C * H * W, x};
  for (int keep = 0; keep < 2; keep++) { /* fresh states */
    rt_exec *e = rt_exec_new(g);
    e->keep[cv] = (uint8_t)keep;
    ck_assert_int_eq(rt_exec_plan(e, &in, &err), 0);
    ck_assert_int_eq(rt_exec_forward(e, &err), 0);
    want[keep] = malloc(ny);
    memcpy(want[keep], e->t[g->outputs[0]].data, ny);
    rt_exec_free(e);
  }
  /* Folded and not differ in rounding only. */
  for (int64_t i = 0; i < N * M * H * W; i++)
    ck_assert(fabsf(want[0][i] - want[1][i]) < 1e-5f);
  rt_exec *e = rt_exec_new(g);
  for (int run = 0; run < 5; run++) {
    int keep = run % 3 == 1;
    memset(e->keep, 0, g->n_values);
    e->keep[cv] = (uint8_t)keep;
    ck_assert_int_eq(rt_exec_plan(e, &in, &err), 0);
    ck_assert_int_eq(rt_exec_forward(e, &err), 0);
    ck_assert_msg(!memcmp(e->t[g->outputs[0]].data, want[keep], ny), "run %d (keep %d) differs",
                  run, keep);
    rt_exec_reset(e);
  }
  rt_exec_free(e);
  rt_graph_free(g);
  mk_free(m);
  free(want[0]);
  free(want[1]);
  free(w);
  free(x);
  for (int k = 0; k < 5; k++)
    free(bp[k]);
}
END_TEST

/* A Relu (relu 1) or LeakyRelu (2) that alone reads an Add, Sub or Mul
 * (here with a broadcast constant) is done by it; not after a Div, whose
 * VJP reads its output. Values against a double loop, fused or not (the
 * op's output kept), and equal input gradients. */
static void check_binary_fusion(const char *op, int relu) {
  enum { N = 2, C = 3, H = 4, W = 5 };
  rt_shape xs = SHAPE(N, C, H, W);
  mk_model *m = model1(13, "x", xs);
  int64_t sd[] = {C, 1, 1};
  float s[C] = {0.75f, -1.5f, 2.0f}, *x = rnd(N * C * H * W), *dy = rnd(N * C * H * W), *gx[2];
  const float slope = relu == 2 ? 0.3f : 0.0f;
  mk_init_f(m, "s", 3, sd, s);
  mk_node(m, op, "x,s", "a");
  Onnx__NodeProto *r = mk_node(m, relu == 1 ? "Relu" : "LeakyRelu", "a", "y");
  if (relu == 2)
    mk_attr_f(r, "alpha", slope);
  mg_err err;
  int rc;
  rt_graph *g = load_model(m, &rc, &err);
  ck_assert_msg(rc == 0, "%s", err.msg);
  int av = rt_value_find(g, "a");
  for (int keep = 0; keep < 2; keep++) {
    rt_exec *e = rt_exec_new(g);
    e->keep[av] = (uint8_t)keep;
    e->keep_all = 1;
    rt_tensor in = {RT_F32, xs, N * C * H * W, x};
    ck_assert_int_eq(rt_exec_plan(e, &in, &err), 0);
    ck_assert_int_eq(rt_exec_forward(e, &err), 0);
    const float *y = e->t[g->outputs[0]].data;
    int negatives = 0;
    for (int64_t i = 0; i < N * C * H * W; i++) {
      double v = x[i], c = s[i / (H * W) % C];
      double want = op[0] == 'A' ? v + c : op[0] == 'S' ? v - c : op[0] == 'M' ? v * c : v / c;
      negatives += want < 0;
      if (want < 0)
        want *= slope;
      ck_assert_msg(fabs(y[i] - want) < 1e-6, "%s relu %d keep %d: y[%ld] = %g, want %g", op, relu,
                    keep, (long)i, y[i], want);
    }
    ck_assert_int_gt(negatives, 0);
    int fused = !keep && strcmp(op, "Div") != 0;
    ck_assert_msg(fused ? y == e->t[av].data : y != e->t[av].data, "%s keep %d: fused %d", op, keep,
                  fused);
    ck_assert_int_eq(rt_exec_backward(e, 0, dy, &err), 0);
    gx[keep] = malloc(N * C * H * W * sizeof(float));
    memcpy(gx[keep], e->grad[g->inputs[0]], N * C * H * W * sizeof(float));
    rt_exec_free(e);
  }
  for (int64_t k = 0; k < N * C * H * W; k++)
    ck_assert_msg(fabs(gx[0][k] - gx[1][k]) < 1e-6, "%s: dx[%ld] fused %g, unfused %g", op, (long)k,
                  gx[0][k], gx[1][k]);
  rt_graph_free(g);
  mk_free(m);
  free(gx[0]);
  free(gx[1]);
  free(x);
  free(dy);
}

START_TEST(test_binary_fusion) {
  static const char *ops[] = {"Add", "Sub", "Mul", "Div"};
  for (int i = 0; i < 4; i++)
    for (int relu = 1; relu <= 2; relu++)
      check_binary_fusion(ops[i], relu);
}
END_TEST

/* Nodes listed out of order still run producers first (a file's own
 * order is kept only when it is a valid one). */
START_TEST(test_nodes_out_of_order) {
  rt_shape xs = SHAPE(2, 3);
  mk_model *m = model1(13, "x", xs);
  mk_node(m, "Relu", "a", "y");
  mk_node(m, "Add", "x,r", "a");
  mk_node(m, "Relu", "x", "r");
  float x[6] = {-2, -0.5f, 0, 0.5f, 1, 3};
  rt_graph *g;
  rt_exec *e = run_forward(m, xs, x, &g);
  const float *y = e->t[g->outputs[0]].data;
  for (int i = 0; i < 6; i++) {
    float a = x[i] + (x[i] > 0 ? x[i] : 0.0f);
    ck_assert_float_eq_tol(y[i], a > 0 ? a : 0.0f, 1e-7);
  }
  rt_exec_free(e);
  rt_graph_free(g);
  mk_free(m);
}
END_TEST

START_TEST(test_conv_fusion) {
  check_conv_fusion(0, 0, 1);
  check_conv_fusion(0, 1, 1);
  check_conv_fusion(0, 2, 1);
  check_conv_fusion(0, 2, 0);
  /* A BatchNormalization folded in, alone and before the others; a
   * LeakyRelu in the Relu's place. */
  for (int add = 0; add < 3; add++)
    for (int relu = 0; relu < 4; relu++)
      check_conv_fusion(1, add, relu);
  check_conv_fusion(0, 0, 2);
  check_conv_fusion(0, 0, 3);
}
END_TEST

/* ---- The direct convolution kernel ----
 * Every variant this CPU can run (the runtime picks only the best one, so
 * the graph tests above never reach the others), against a
 * double-precision loop over random geometries: strides split into
 * phases, dilations, pads of either sign, channel counts off the block
 * size, flipped weights, bias and accumulation, each on scratch that has
 * already served another sample. */
static int64_t pick(int64_t lo, int64_t hi) {
  return lo + (int64_t)(next_rand() % (uint32_t)(hi - lo + 1));
}

/* A random geometry with at least one output, that the kernel takes; with
 * vector_rows, output rows of 2 to 32 columns, a power of two: whole or
 * half vectors of some variant (the kernels' row modes). */
static conv_direct random_geometry(int vector_rows) {
  for (;;) {
    conv_direct d;
    d.c = pick(1, 19);
    d.m = pick(1, 21);
    d.kh = pick(1, 5);
    d.kw = pick(1, 5);
    d.sh = pick(1, 3);
    d.sw = pick(1, 3);
    d.dh = pick(1, 2);
    d.dw = pick(1, 2);
    d.h = pick(1, 23);
    d.w = pick(1, 37);
    d.pt = pick(-2, 4);
    d.pl = pick(-2, 4);
    int64_t pb = pick(-2, 4), pr = pick(-2, 4);
    if (vector_rows) {
      int64_t ow = (int64_t)1 << pick(1, 5);
      d.w = (ow - 1) * d.sw + 1 + (d.kw - 1) * d.dw - d.pl - pr;
      if (d.w < 1)
        continue;
    }
    int64_t eh = d.h + d.pt + pb - (d.kh - 1) * d.dh - 1,
            ew = d.w + d.pl + pr - (d.kw - 1) * d.dw - 1;
    if (eh < 0 || ew < 0)
      continue;
    d.oh = eh / d.sh + 1;
    d.ow = ew / d.sw + 1;
    if (conv_direct_worth(&d))
      return d;
  }
}

static void check_variant(int v) {
  for (int trial = 0; trial < 300; trial++) {
    conv_direct d = random_geometry(trial % 5 < 2);
    /* Plain, accumulating (z is y), adding another tensor (a fused
     * residual Add), each with and without a fused Relu or LeakyRelu. */
    int flip = trial % 3 == 1, acc = trial % 4 == 2, add = trial % 4 == 3, relu = trial % 7 < 3;
    float slope = relu && trial % 2 ? 0.1f : 0.0f;
    int with_bias = trial % 2, with_scale = trial % 5 == 3;
    size_t nx = (size_t)(d.c * d.h * d.w), nw = (size_t)(d.m * d.c * d.kh * d.kw),
           ny = (size_t)(d.m * d.oh * d.ow);
    float *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w), *y = malloc(ny * sizeof *y),
          *y0 = malloc(ny * sizeof *y0), *z = malloc(ny * sizeof *z),
          *b = malloc((size_t)d.m * sizeof *b), *sc = malloc((size_t)d.m * sizeof *sc);
    float *scratch = malloc(conv_direct_scratch(&d) * sizeof(float));
    ck_assert(x && w && y && y0 && z && b && sc && scratch);
    for (size_t i = 0; i < nx; i++)
      x[i] = unif();
    for (size_t i = 0; i < nw; i++)
      w[i] = unif();
    for (int64_t i = 0; i < d.m; i++) {
      b[i] = unif();
      sc[i] = 2.0f * unif();
    }
    for (size_t i = 0; i < ny; i++) {
      y[i] = y0[i] = unif();
      z[i] = unif();
    }
    /* Scratch left dirty from an earlier call must not leak into results,
     * nor may an earlier sample run on the same prepared scratch. */
    memset(scratch, 0x7f, conv_direct_scratch(&d) * sizeof(float));
    conv_direct_pack(&d, w, flip, with_scale ? sc : NULL, scratch);
    float *decoy = malloc(nx * sizeof *decoy), *ydecoy = malloc(ny * sizeof *ydecoy);
    ck_assert(decoy && ydecoy);
    for (size_t i = 0; i < nx; i++)
      decoy[i] = 1e3f + unif();
    conv_direct_run_variant(v, &d, decoy, with_bias ? b : NULL, NULL, 0, 0.0f, ydecoy, scratch);
    free(decoy);
    free(ydecoy);
    conv_direct_run_variant(v, &d, x, with_bias ? b : NULL,
                            acc   ? y
                            : add ? z
                                  : NULL,
                            relu, slope, y, scratch);
    for (int64_t m = 0; m < d.m; m++)
      for (int64_t oy = 0; oy < d.oh; oy++)
        for (int64_t ox = 0; ox < d.ow; ox++) {
          size_t at = (size_t)((m * d.oh + oy) * d.ow + ox);
          double want = reference(&d, x, w, flip, m, oy, ox) * (with_scale ? sc[m] : 1.0) +
                        (with_bias ? b[m] : 0.0) +
                        (acc   ? y0[at]
                         : add ? z[at]
                               : 0.0);
          if (relu && want < 0)
            want *= slope;
          ck_assert_msg(fabs(y[at] - want) <= 1e-5 * (1.0 + fabs(want)),
                        "variant %d trial %d: c %ld m %ld k %ldx%ld s %ldx%ld d %ldx%ld "
                        "in %ldx%ld pads %ld,%ld out %ldx%ld flip %d acc %d add %d relu %d "
                        "slope %g scale %d: "
                        "y[%ld,%ld,%ld] = %g, want %g",
                        v, trial, (long)d.c, (long)d.m, (long)d.kh, (long)d.kw, (long)d.sh,
                        (long)d.sw, (long)d.dh, (long)d.dw, (long)d.h, (long)d.w, (long)d.pt,
                        (long)d.pl, (long)d.oh, (long)d.ow, flip, acc, add, relu, slope, with_scale,
                        (long)m, (long)oy, (long)ox, y[at], want);
        }
    free(x);
    free(w);
    free(y);
    free(y0);
    free(z);
    free(b);
    free(sc);
    free(scratch);
  }
}

/* Runs check on every variant of a kernel (instruction set) this CPU
 * runs; the last, portable one runs everywhere. */
static void each_usable_variant(int variants, int (*usable)(int), void (*check)(int)) {
  int ran = 0;
  for (int v = 0; v < variants; v++)
    if (usable(v)) {
      check(v);
      ran++;
    }
  ck_assert_int_ge(ran, 1);
  ck_assert(usable(variants - 1));
}

START_TEST(test_every_usable_variant) {
  each_usable_variant(conv_direct_variants(), conv_direct_variant_usable, check_variant);
}
END_TEST

/* Past the tap bound the GEMM path is used; absurd strides are refused. */
START_TEST(test_worth_bounds) {
  /* A 3x3 "same" convolution of 8x8 maps, 16 outputs. */
  conv_direct d;
  memset(&d, 0, sizeof d);
  d.c = 355;
  d.h = d.w = d.oh = d.ow = 8;
  d.m = 16;
  d.kh = d.kw = 3;
  d.sh = d.sw = d.dh = d.dw = 1;
  d.pt = d.pl = 1;
  ck_assert(conv_direct_worth(&d));
  d.c = 356;
  ck_assert(!conv_direct_worth(&d));
  d.c = 16;
  d.sh = 5;
  ck_assert(!conv_direct_worth(&d));
}
END_TEST

/* ---- The packed GEMM kernel ----
 * Every variant this CPU runs against a double-precision loop: rows off
 * the block size, columns off the panel (the last panel's tail must be
 * neither read nor written past n), strides wider than the matrices,
 * either B layout, alpha, bias, accumulation and Relu. */
static void check_gemm_variant(int v) {
  for (int trial = 0; trial < 200; trial++) {
    /* Every tenth trial long enough for k to be cut into chunks. */
    int64_t m = pick(1, 29), n = pick(1, 70), k = trial % 10 == 9 ? pick(1000, 2600) : pick(1, 90);
    int64_t lda = k + pick(0, 3), ldc = n + pick(0, 3), ldb;
    int trans = trial % 2, with_bias = trial % 3 != 0, acc = trial % 4 == 1, relu = trial % 5 < 2;
    float alpha = trial % 7 == 3 ? -0.5f : 1.0f;
    ldb = (trans ? k : n) + pick(0, 2);
    float *a = rnd(m * lda), *b = rnd((trans ? n : k) * ldb), *bias = rnd(n), *c = rnd(m * ldc),
          *c0 = malloc((size_t)(m * ldc) * sizeof(float)),
          *bp = malloc(gemm_packed_floats(k, n) * sizeof(float));
    ck_assert(c0 && bp);
    memcpy(c0, c, (size_t)(m * ldc) * sizeof(float));
    gemm_pack(b, k, n, ldb, trans, alpha, bp);
    gemm_packed_run_variant(v, m, n, k, a, lda, bp, with_bias ? bias : NULL, acc, relu, c, ldc);
    for (int64_t i = 0; i < m; i++)
      for (int64_t j = 0; j < ldc; j++) {
        float got = c[i * ldc + j];
        if (j >= n) { /* past the matrix: untouched */
          ck_assert_msg(got == c0[i * ldc + j], "variant %d trial %d: c[%ld,%ld] written", v, trial,
                        (long)i, (long)j);
          continue;
        }
        double s = 0, mass = 0; /* float sums of k terms err in proportion to their mass */
        for (int64_t kk = 0; kk < k; kk++) {
          double t = (double)a[i * lda + kk] * (trans ? b[j * ldb + kk] : b[kk * ldb + j]);
          s += t;
          mass += fabs(t);
        }
        s = s * alpha + (with_bias ? bias[j] : 0.0) + (acc ? c0[i * ldc + j] : 0.0);
        if (relu && s < 0)
          s = 0;
        ck_assert_msg(fabs(got - s) <= 1e-5 * (1 + fabs(s)) + 2e-7 * mass,
                      "variant %d trial %d: m %ld n %ld k %ld trans %d bias %d acc %d relu %d: "
                      "c[%ld,%ld] = %g, want %g",
                      v, trial, (long)m, (long)n, (long)k, trans, with_bias, acc, relu, (long)i,
                      (long)j, got, s);
      }
    free(a);
    free(b);
    free(bias);
    free(c);
    free(c0);
    free(bp);
  }
}

START_TEST(test_gemm_every_usable_variant) {
  each_usable_variant(gemm_packed_variants(), gemm_packed_variant_usable, check_gemm_variant);
  /* Weights past the memory budget stay with OpenBLAS. */
  ck_assert(gemm_packed_worth(784, 64));
  ck_assert(gemm_packed_worth(9216, 128));
  ck_assert(!gemm_packed_worth(4096, 4096));
}
END_TEST

/* ---- MaxPool's 2x2 rows ----
 * Every variant this CPU runs against the arg-max rule one window at a
 * time, bit for bit: NaNs (the first in the window's order wins), signed
 * zeros and infinities, ties, widths off the vector, and an end of the
 * readable floats right after the last window (no vector step may read
 * past it). */
static void check_maxpool2_variant(int v) {
  static const float specials[] = {NAN, -0.0f, 0.0f, INFINITY, -INFINITY, 1.0f};
  for (int trial = 0; trial < 300; trial++) {
    int64_t ow = pick(1, 40), wd = 2 * ow + pick(0, 1), slack = trial % 2 ? pick(0, 20) : 0;
    int64_t n = 2 * wd + slack; /* two rows, then what may be read past */
    float *x = malloc((size_t)n * sizeof(float)), y[40], want[40];
    for (int64_t i = 0; i < n; i++)
      x[i] = trial % 3 == 0 && next_rand() % 5 == 0 ? specials[next_rand() % 6]
                                                    : (float)(next_rand() % 7) - 3.0f;
    const float *r0 = x, *r1 = x + wd;
    maxpool2_row_variant(v, r0, r1, ow, n - wd, y);
    for (int64_t o = 0; o < ow; o++) {
      const float w[4] = {r0[2 * o], r0[2 * o + 1], r1[2 * o], r1[2 * o + 1]};
      float m = w[0];
      for (int i = 1; i < 4; i++)
        m = MAX_TAKES(w[i], m) ? w[i] : m;
      want[o] = m;
      ck_assert_msg(!memcmp(&y[o], &want[o], sizeof(float)),
                    "variant %d trial %d ow %ld: y[%ld] = %g, want %g (%g %g %g %g)", v, trial,
                    (long)ow, (long)o, y[o], want[o], w[0], w[1], w[2], w[3]);
    }
    free(x);
  }
}

START_TEST(test_maxpool2_every_usable_variant) {
  each_usable_variant(maxpool2_variants(), maxpool2_variant_usable, check_maxpool2_variant);
}
END_TEST

/* ---- Gemm / MatMul ---- */
START_TEST(test_gemm_variants) {
  for (int v = 0; v < 4; v++) {
    int ta = v & 1, tb = (v >> 1) & 1;
    rt_shape as = ta ? (rt_shape)SHAPE(4, 3) : (rt_shape)SHAPE(3, 4);
    rt_shape bs = tb ? (rt_shape)SHAPE(5, 4) : (rt_shape)SHAPE(4, 5);
    rt_shape cs = SHAPE(5);
    mk_model *m = mk_new(13);
    mk_input(m, "a", 1, 2, as.d);
    mk_input(m, "b", 1, 2, bs.d);
    mk_input(m, "c", 1, 1, cs.d);
    mk_output(m, "y");
    Onnx__NodeProto *n = mk_node(m, "Gemm", "a,b,c", "y");
    mk_attr_i(n, "transA", ta);
    mk_attr_i(n, "transB", tb);
    mk_attr_f(n, "alpha", 0.7f);
    mk_attr_f(n, "beta", -1.3f);
    gc_input in[] = {in1("a", as, -0.5f, 0.1f), in1("b", bs, -0.6f, 0.05f),
                     in1("c", cs, -0.2f, 0.1f)};
    char what[64];
    snprintf(what, sizeof what, "Gemm transA=%d transB=%d", ta, tb);
    gradcheck(m, in, 3, what);
  }
}
END_TEST

/* Gemm and MatMul with a constant B run the packed kernel (B packed at
 * load): every C the rule allows (none, a bias row of each shape, a full
 * matrix, a column), alpha and beta, both B layouts, and a Relu after it,
 * fused, against a double-precision loop; a kept Gemm output keeps its
 * own values; then the input gradient against finite differences. */
static float *check_gemm_const_b(int tb, int cshape, int relu, int keep) {
  enum { M = 11, K = 37, N = 21 };
  static const int64_t crank[] = {0, 0, 1, 1, 2, 2, 2, 2};
  static const int64_t cdims[][2] = {{0, 0}, {0, 0}, {1, 0}, {N, 0},
                                     {1, 1}, {1, N}, {M, N}, {M, 1}};
  rt_shape xs = SHAPE(M, K);
  mk_model *m = model1(13, "x", xs);
  int64_t bd[] = {tb ? N : K, tb ? K : N};
  float *b = rnd(K * N), *c = rnd(M * N), *x = rnd(M * K);
  const float alpha = 0.75f, beta = -1.25f;
  mk_init_f(m, "b", 2, bd, b);
  if (cshape)
    mk_init_f(m, "c", (int)crank[cshape], cdims[cshape], c);
  Onnx__NodeProto *n = mk_node(m, "Gemm", cshape ? "x,b,c" : "x,b", relu ? "g" : "y");
  mk_attr_i(n, "transB", tb);
  mk_attr_f(n, "alpha", alpha);
  mk_attr_f(n, "beta", beta);
  if (relu)
    mk_node(m, "Relu", "g", "y");
  mg_err err;
  int rc;
  rt_graph *g = load_model(m, &rc, &err);
  ck_assert_msg(rc == 0, "%s", err.msg);
  rt_exec *e = rt_exec_new(g);
  int gv = rt_value_find(g, relu ? "g" : "y");
  e->keep[gv] = (uint8_t)keep;
  e->keep_all = 1;
  rt_tensor in = {RT_F32, xs, M * K, x};
  ck_assert_int_eq(rt_exec_plan(e, &in, &err), 0);
  ck_assert_int_eq(rt_exec_forward(e, &err), 0);
  const float *y = e->t[g->outputs[0]].data, *kept = e->t[gv].data;
  if (relu) /* fused, the Relu's output is the Gemm's buffer */
    ck_assert(keep ? y != kept : y == kept);
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++) {
      double s = 0;
      for (int64_t k = 0; k < K; k++)
        s += (double)x[i * K + k] * b[tb ? j * K + k : k * N + j];
      s *= alpha;
      if (cshape) {
        int64_t at = cshape == 6 ? i * N + j : cshape == 7 ? i : cshape == 3 || cshape == 5 ? j : 0;
        s += beta * (double)c[at];
      }
      double want = relu && s < 0 ? 0 : s;
      ck_assert_msg(fabs(y[i * N + j] - want) <= 1e-5 * (1 + fabs(want)),
                    "tb %d c %d relu %d keep %d: y[%ld,%ld] = %g, want %g", tb, cshape, relu, keep,
                    (long)i, (long)j, y[i * N + j], want);
      if (keep)
        ck_assert_msg(fabs(kept[i * N + j] - s) <= 1e-5 * (1 + fabs(s)), "kept g = %g, want %g",
                      kept[i * N + j], s);
    }
  /* The input gradient of sum(dy * y), for the caller to hold against
   * the unfused one: finite differences would stumble on Relu's kink. */
  float *dy = rnd(M * N), *gx = malloc(M * K * sizeof(float));
  ck_assert_int_eq(rt_exec_backward(e, 0, dy, &err), 0);
  memcpy(gx, e->grad[g->inputs[0]], M * K * sizeof(float));
  free(dy);
  rt_exec_free(e);
  rt_graph_free(g);
  if (relu) {
    mk_free(m);
  } else {
    gc_input gi[] = {in1("x", xs, -0.9f, 0.005f)};
    gradcheck(m, gi, 1, "Gemm with a constant B"); /* frees m */
  }
  free(b);
  free(c);
  free(x);
  return gx;
}

START_TEST(test_gemm_constant_b) {
  for (int tb = 0; tb < 2; tb++)
    for (int cshape = 0; cshape < 8; cshape++) {
      int relu = cshape % 3 == 1;
      uint32_t seed = rng;
      float *gx = check_gemm_const_b(tb, cshape, relu, 0);
      if (relu) { /* the same data again, the Relu not fused */
        rng = seed;
        float *unfused = check_gemm_const_b(tb, cshape, relu, 1);
        for (int64_t k = 0; k < 11 * 37; k++)
          ck_assert_msg(fabs(gx[k] - unfused[k]) < 1e-6, "tb %d c %d: dx[%ld] fused %g, unfused %g",
                        tb, cshape, (long)k, gx[k], unfused[k]);
        free(unfused);
      }
      free(gx);
    }
  /* MatMul by a constant matrix, A with batch axes: one packed product
   * over all its rows. */
  rt_shape xs = SHAPE(3, 5, 19);
  mk_model *m = model1(13, "x", xs);
  int64_t wd[] = {19, 40};
  float *w = rnd(19 * 40);
  mk_init_f(m, "w", 2, wd, w);
  mk_node(m, "MatMul", "x,w", "y");
  float *x = rnd(3 * 5 * 19);
  rt_graph *g;
  rt_exec *e = run_forward(m, xs, x, &g);
  const float *y = e->t[g->outputs[0]].data;
  for (int64_t r = 0; r < 15; r++)
    for (int64_t j = 0; j < 40; j++) {
      double s = 0;
      for (int64_t k = 0; k < 19; k++)
        s += (double)x[r * 19 + k] * w[k * 40 + j];
      ck_assert_msg(fabs(y[r * 40 + j] - s) <= 1e-5 * (1 + fabs(s)),
                    "MatMul y[%ld,%ld] = %g, want %g", (long)r, (long)j, y[r * 40 + j], s);
    }
  rt_exec_free(e);
  rt_graph_free(g);
  gc_input gi[] = {in1("x", xs, -0.7f, 0.004f)};
  gradcheck(m, gi, 1, "MatMul with a constant B");
  free(w);
  free(x);
}
END_TEST

START_TEST(test_matmul_broadcast) {
  rt_shape as = SHAPE(2, 1, 3, 4), bs = SHAPE(3, 4, 2);
  mk_model *m = mk_new(13);
  mk_input(m, "a", 1, 4, as.d);
  mk_input(m, "b", 1, 3, bs.d);
  mk_output(m, "y");
  mk_node(m, "MatMul", "a,b", "y");
  gc_input in[] = {in1("a", as, -1.0f, 0.05f), in1("b", bs, -0.5f, 0.05f)};
  gradcheck(m, in, 2, "MatMul batched broadcast");
  rt_shape xs = SHAPE(5, 6);
  m = model1(13, "x", xs);
  int64_t wd[] = {6, 3}, vd[] = {3};
  float *w = rnd(18), *v = rnd(3);
  mk_init_f(m, "w", 2, wd, w);
  mk_init_f(m, "v", 1, vd, v);
  mk_node(m, "MatMul", "x,w", "h");
  mk_node(m, "MatMul", "h,v", "y");
  gc_input in2[] = {in1("x", xs, -0.7f, 0.05f)};
  gradcheck(m, in2, 1, "MatMul matrix then vector");
  free(w);
  free(v);
}
END_TEST

/* ---- elementwise ---- */
START_TEST(test_binary_broadcast) {
  static const char *ops[] = {"Add", "Sub", "Mul", "Div"};
  for (int i = 0; i < 4; i++) {
    rt_shape as = SHAPE(2, 3, 4), bs = SHAPE(3, 1);
    mk_model *m = mk_new(14);
    mk_input(m, "a", 1, 3, as.d);
    mk_input(m, "b", 1, 2, bs.d);
    mk_output(m, "y");
    mk_node(m, ops[i], "a,b", "y");
    gc_input in[] = {in1("a", as, -1.0f, 0.08f), in1("b", bs, 0.5f, 0.2f)};
    gradcheck(m, in, 2, ops[i]);
  }
  /* same tensor on both sides */
  rt_shape xs = SHAPE(3, 4);
  mk_model *m = model1(14, "x", xs);
  mk_node(m, "Mul", "x,x", "y");
  gc_input in[] = {in1("x", xs, -1.0f, 0.1f)};
  gradcheck(m, in, 1, "Mul(x, x)");
}
END_TEST

START_TEST(test_legacy_broadcast_opset6) {
  rt_shape as = SHAPE(2, 3, 4), bs = SHAPE(3);
  mk_model *m = mk_new(6);
  mk_input(m, "a", 1, 3, as.d);
  mk_input(m, "b", 1, 1, bs.d);
  mk_output(m, "y");
  Onnx__NodeProto *n = mk_node(m, "Mul", "a,b", "y");
  mk_attr_i(n, "broadcast", 1);
  mk_attr_i(n, "axis", 1);
  gc_input in[] = {in1("a", as, -1.0f, 0.08f), in1("b", bs, 0.5f, 0.2f)};
  gradcheck(m, in, 2, "Mul opset 6 broadcast axis=1");
}
END_TEST

START_TEST(test_activations) {
  static const char *ops[] = {"Relu", "LeakyRelu", "Elu", "Sigmoid", "Tanh"};
  for (int i = 0; i < 5; i++) {
    rt_shape xs = SHAPE(3, 7);
    mk_model *m = model1(13, "x", xs);
    Onnx__NodeProto *n = mk_node(m, ops[i], "x", "y");
    if (i == 1)
      mk_attr_f(n, "alpha", 0.2f);
    if (i == 2)
      mk_attr_f(n, "alpha", 0.7f);
    gc_input in[] = {in1("x", xs, -1.0f, 0.1f)};
    gradcheck(m, in, 1, ops[i]);
  }
}
END_TEST

/* Tanh, Sigmoid, Elu and the newer layers' functions against double-
 * precision libm, from deep in the flat tails (where a naive
 * log(1 + exp(x)) overflows) to 0, a count that leaves a remainder after
 * the four-lane vector math, and NaN carried through. */
static double transcendental_ref(int op, double v) {
  switch (op) {
  case 0:
    return v > 0 ? v : 0.7 * expm1(v);
  case 1:
    return 1.0 / (1.0 + exp(-v));
  case 2:
    return tanh(v);
  case 3: /* Softplus */
    return v > 0 ? v + log1p(exp(-v)) : log1p(exp(v));
  case 4: /* Selu */
    return 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * expm1(v));
  case 5: /* HardSwish */
    return v * fmin(1, fmax(0, v / 6 + 0.5));
  case 6: /* Gelu */
    return 0.5 * v * erfc(-v / sqrt(2.0));
  default:
    return erf(v);
  }
}

START_TEST(test_transcendental_values) {
  static const char *ops[] = {"Elu",  "Sigmoid",   "Tanh", "Softplus",
                              "Selu", "HardSwish", "Gelu", "Erf"};
  static const float xv[] = {-200,  -30,  -9.5f, -3, -1,    -0.25f, 0,
                             1e-6f, 0.3f, 2,     3,  8.75f, 40,     200};
  enum { K = sizeof xv / sizeof xv[0] };
  for (int i = 0; i < 8; i++) {
    rt_shape xs = SHAPE(1, K + 1);
    mk_model *m = model1(i == 6 ? 20 : i > 2 ? 17 : 13, "x", xs);
    Onnx__NodeProto *n = mk_node(m, ops[i], "x", "y");
    if (i == 0)
      mk_attr_f(n, "alpha", 0.7f);
    float x[K + 1];
    memcpy(x, xv, sizeof xv);
    x[K] = NAN;
    rt_graph *g;
    rt_exec *e = run_forward(m, xs, x, &g);
    const float *y = e->t[g->outputs[0]].data;
    for (int k = 0; k < K; k++) {
      /* Beyond libmvec's, a few ulps; Gelu's tail: erfc(z) moves by
       * 2 z^2 times a relative change of z. */
      double v = x[k], want = transcendental_ref(i, v);
      double tol = i < 3 ? 4e-7 : 1e-6 + (i == 6 ? 0.6e-7 * v * v : 0);
      ck_assert_msg(fabs(y[k] - want) <= tol * fabs(want) + 1e-30, "%s(%g) = %.9g, want %.9g",
                    ops[i], v, y[k], want);
    }
    ck_assert_msg(isnan(y[K]), "%s(NaN) = %g", ops[i], y[K]);
    rt_exec_free(e);
    rt_graph_free(g);
    mk_free(m);
  }
}
END_TEST

START_TEST(test_prelu_and_clip) {
  rt_shape xs = SHAPE(2, 3, 2, 2), ss = SHAPE(3, 1, 1);
  mk_model *m = mk_new(16);
  mk_input(m, "x", 1, 4, xs.d);
  mk_input(m, "s", 1, 3, ss.d);
  mk_output(m, "y");
  mk_node(m, "PRelu", "x,s", "y");
  gc_input in[] = {in1("x", xs, -1.2f, 0.1f), in1("s", ss, 0.1f, 0.1f)};
  gradcheck(m, in, 2, "PRelu");
  /* Clip with min/max inputs (opset 13) and attributes (opset 9) */
  for (int v = 0; v < 2; v++) {
    rt_shape cs = SHAPE(4, 5);
    m = model1(v ? 9 : 13, "x", cs);
    if (v) {
      Onnx__NodeProto *n = mk_node(m, "Clip", "x", "y");
      mk_attr_f(n, "min", -0.30f);
      mk_attr_f(n, "max", 0.40f);
    } else {
      mk_init_f(m, "lo", 0, NULL, (float[]){-0.30f});
      mk_init_f(m, "hi", 0, NULL, (float[]){0.40f});
      mk_node(m, "Clip", "x,lo,hi", "y");
    }
    gc_input ci[] = {in1("x", cs, -1.0f, 0.1f)};
    gradcheck(m, ci, 1, v ? "Clip opset 9" : "Clip opset 13");
  }
}
END_TEST

START_TEST(test_softmax_family) {
  for (int v = 0; v < 4; v++) {
    rt_shape xs = SHAPE(2, 3, 4);
    mk_model *m = model1(v & 1 ? 11 : 13, "x", xs);
    Onnx__NodeProto *n = mk_node(m, v & 2 ? "LogSoftmax" : "Softmax", "x", "y");
    mk_attr_i(n, "axis", 1);
    gc_input in[] = {in1("x", xs, -2.0f, 0.15f)};
    char what[64];
    snprintf(what, sizeof what, "%s opset %d", v & 2 ? "LogSoftmax" : "Softmax", v & 1 ? 11 : 13);
    gradcheck(m, in, 1, what);
  }
}
END_TEST

/* Opset 11 coerces to 2-D at axis 1; opset 13 normalises along axis 1
 * only: the outputs of the same input must differ accordingly. */
START_TEST(test_softmax_axis_semantics) {
  float out[2][24];
  for (int v = 0; v < 2; v++) {
    rt_shape xs = SHAPE(2, 3, 4);
    mk_model *m = model1(v ? 13 : 11, "x", xs);
    mk_attr_i(mk_node(m, "Softmax", "x", "y"), "axis", 1);
    float x[24];
    for (int i = 0; i < 24; i++)
      x[i] = (float)i * 0.1f;
    rt_graph *g;
    rt_exec *e = run_forward(m, xs, x, &g);
    memcpy(out[v], e->t[g->outputs[0]].data, sizeof out[v]);
    rt_exec_free(e);
    rt_graph_free(g);
    mk_free(m);
  }
  double s11 = 0, s13 = 0;
  for (int i = 0; i < 12; i++)
    s11 += out[0][i]; /* row 0: all 12 values sum to 1 */
  for (int c = 0; c < 3; c++)
    s13 += out[1][c * 4]; /* axis 1 at position 0 sums to 1 */
  ck_assert_double_eq_tol(s11, 1.0, 1e-5);
  ck_assert_double_eq_tol(s13, 1.0, 1e-5);
  ck_assert(fabs(out[0][0] - out[1][0]) > 1e-3);
}
END_TEST

/* ---- pooling ---- */
START_TEST(test_pools) {
  for (int v = 0; v < 4; v++) {
    rt_shape xs = SHAPE(2, 2, 7, 6);
    mk_model *m = model1(19, "x", xs);
    Onnx__NodeProto *n = mk_node(m, v < 2 ? "MaxPool" : "AveragePool", "x", "y");
    mk_attr_ints(n, "kernel_shape", 2, (int64_t[]){3, 2});
    mk_attr_ints(n, "strides", 2, (int64_t[]){2, 2});
    mk_attr_ints(n, "pads", 4, (int64_t[]){1, 0, 1, 1});
    mk_attr_i(n, "ceil_mode", 1);
    if (v == 1)
      mk_attr_ints(n, "dilations", 2, (int64_t[]){2, 1});
    if (v == 3)
      mk_attr_i(n, "count_include_pad", 1);
    gc_input in[] = {in1("x", xs, -1.0f, 0.01f)};
    static const char *names[] = {"MaxPool ceil/pads", "MaxPool dilations", "AveragePool",
                                  "AveragePool count_include_pad"};
    gradcheck(m, in, 1, names[v]);
  }
  /* Unpadded 2-D windows take the vectorised path: four outputs at a time
   * (rows of 10 and 5 leave a remainder), stride 2 read as pairs. */
  for (int v = 0; v < 3; v++) {
    rt_shape wide = SHAPE(2, 2, 9, 20), odd = SHAPE(1, 3, 8, 17), xs = v == 0 ? wide : odd;
    mk_model *m = model1(13, "x", xs);
    Onnx__NodeProto *n = mk_node(m, "MaxPool", "x", "y");
    mk_attr_ints(n, "kernel_shape", 2, v == 0 ? (int64_t[]){2, 2} : (int64_t[]){3, 2});
    mk_attr_ints(n, "strides", 2, v == 0 ? (int64_t[]){2, 2} : (int64_t[]){1, v == 1 ? 1 : 3});
    if (v == 2)
      mk_attr_ints(n, "dilations", 2, (int64_t[]){1, 2});
    gc_input in[] = {in1("x", xs, -1.0f, 0.01f)};
    static const char *names[] = {"MaxPool 2x2 stride 2", "MaxPool 3x2 stride 1",
                                  "MaxPool stride 3 dilated"};
    gradcheck(m, in, 1, names[v]);
  }
  rt_shape xs = SHAPE(2, 3, 4, 5);
  mk_model *m = model1(13, "x", xs);
  mk_node(m, "GlobalAveragePool", "x", "y");
  gc_input in[] = {in1("x", xs, -1.0f, 0.01f)};
  gradcheck(m, in, 1, "GlobalAveragePool");
}
END_TEST

START_TEST(test_batchnorm) {
  for (int v = 0; v < 2; v++) {
    rt_shape xs = SHAPE(2, 3, 2, 2), ps = SHAPE(3);
    mk_model *m = model1(v ? 9 : 15, "x", xs);
    float sc[] = {0.5f, -1.5f, 2.0f}, bb[] = {0.1f, 0.2f, -0.3f}, mu[] = {0.3f, -0.2f, 0.0f},
          var[] = {0.5f, 2.0f, 0.1f};
    mk_init_f(m, "s", 1, ps.d, sc);
    mk_init_f(m, "b", 1, ps.d, bb);
    mk_init_f(m, "m", 1, ps.d, mu);
    mk_init_f(m, "v", 1, ps.d, var);
    mk_attr_f(mk_node(m, "BatchNormalization", "x,s,b,m,v", "y"), "epsilon", 1e-3f);
    gc_input in[] = {in1("x", xs, -1.0f, 0.05f)};
    gradcheck(m, in, 1, v ? "BatchNormalization opset 9" : "BatchNormalization opset 15");
  }
}
END_TEST

/* ---- layout ---- */
START_TEST(test_layout_ops) {
  rt_shape xs = SHAPE(2, 3, 4);
  /* Flatten -> Reshape(0,-1 style) -> Transpose -> Unsqueeze -> Squeeze */
  mk_model *m = model1(13, "x", xs);
  mk_attr_i(mk_node(m, "Flatten", "x", "f"), "axis", 2);
  int64_t sd[] = {3}, sv[] = {0, 2, -1};
  mk_init_i(m, "shape", 1, sd, sv);
  mk_node(m, "Reshape", "f,shape", "r");
  mk_attr_ints(mk_node(m, "Transpose", "r", "t"), "perm", 3, (int64_t[]){2, 0, 1});
  int64_t ad[] = {2}, av[] = {1, -1};
  mk_init_i(m, "axes", 1, ad, av);
  mk_node(m, "Unsqueeze", "t,axes", "u");
  mk_node(m, "Squeeze", "u,axes", "s");
  mk_node(m, "Identity", "s", "i");
  mk_node(m, "Dropout", "i", "y");
  gc_input in[] = {in1("x", xs, -1.0f, 0.05f)};
  gradcheck(m, in, 1, "Flatten/Reshape/Transpose/Unsqueeze/Squeeze/Identity/Dropout");
  /* Opset 11: axes as attributes */
  m = model1(11, "x", xs);
  mk_attr_ints(mk_node(m, "Unsqueeze", "x", "u"), "axes", 1, (int64_t[]){0});
  mk_attr_ints(mk_node(m, "Squeeze", "u", "s"), "axes", 1, (int64_t[]){0});
  mk_attr_ints(mk_node(m, "Transpose", "s", "y"), "perm", 3, (int64_t[]){1, 2, 0});
  gc_input in2[] = {in1("x", xs, -1.0f, 0.05f)};
  gradcheck(m, in2, 1, "Unsqueeze/Squeeze opset 11");
}
END_TEST

START_TEST(test_concat_pad_reduce_gather) {
  rt_shape xs = SHAPE(2, 3, 4);
  mk_model *m = model1(13, "x", xs);
  mk_node(m, "Sigmoid", "x", "s");
  mk_attr_i(mk_node(m, "Concat", "x,s,x", "c"), "axis", 1);
  int64_t pd[] = {6}, pv[] = {0, 1, 0, 0, 2, 1};
  mk_init_i(m, "pads", 1, pd, pv);
  mk_init_f(m, "val", 0, NULL, (float[]){0.25f});
  mk_node(m, "Pad", "c,pads,val", "p");
  int64_t id[] = {2, 2}, iv[] = {1, -1, 0, 3};
  mk_init_i(m, "idx", 2, id, iv);
  mk_attr_i(mk_node(m, "Gather", "p,idx", "g"), "axis", 2);
  Onnx__NodeProto *r = mk_node(m, "ReduceMean", "g", "y");
  mk_attr_ints(r, "axes", 2, (int64_t[]){1, -1});
  mk_attr_i(r, "keepdims", 0);
  gc_input in[] = {in1("x", xs, -1.0f, 0.05f)};
  gradcheck(m, in, 1, "Concat/Pad/Gather/ReduceMean");
  /* Pad with attributes (opset 9), ReduceMean axes input (opset 18) */
  m = model1(18, "x", xs);
  int64_t rd[] = {1}, rv[] = {0};
  mk_init_i(m, "raxes", 1, rd, rv);
  mk_node(m, "ReduceMean", "x,raxes", "y");
  gc_input in2[] = {in1("x", xs, -1.0f, 0.05f)};
  gradcheck(m, in2, 1, "ReduceMean opset 18");
  m = model1(9, "x", xs);
  Onnx__NodeProto *p = mk_node(m, "Pad", "x", "y");
  mk_attr_ints(p, "pads", 6, (int64_t[]){0, 1, 1, 0, 0, 2});
  mk_attr_f(p, "value", -2.0f);
  gc_input in3[] = {in1("x", xs, -1.0f, 0.05f)};
  gradcheck(m, in3, 1, "Pad opset 9");
}
END_TEST

/* Slice (constant inputs, negative and INT64_MAX bounds, a negative step)
 * feeding the other reductions: ReduceSum with axes as an input (opset 13),
 * ReduceMax and ReduceMin (attribute axes), ReduceSumSquare. Distinct input
 * values keep each max and min unique, so the subgradient is the gradient. */
START_TEST(test_slice_reduce_family) {
  rt_shape xs = SHAPE(2, 5, 6);
  mk_model *m = model1(13, "x", xs);
  int64_t d3[] = {3};
  mk_init_i(m, "st", 1, d3, (int64_t[]){1, -1, 0});
  mk_init_i(m, "en", 1, d3, (int64_t[]){INT64_MAX, -6, 5});
  mk_init_i(m, "ax", 1, d3, (int64_t[]){1, 2, -3});
  mk_init_i(m, "sp", 1, d3, (int64_t[]){2, -2, 1});
  mk_node(m, "Slice", "x,st,en,ax,sp", "s"); /* 2 x 2 x 3 */
  int64_t d1[] = {1};
  mk_init_i(m, "raxes", 1, d1, (int64_t[]){2});
  mk_node(m, "ReduceSum", "s,raxes", "a");
  mk_attr_ints(mk_node(m, "ReduceMax", "x", "b"), "axes", 1, (int64_t[]){2});
  mk_attr_ints(mk_node(m, "ReduceMin", "x", "c"), "axes", 1, (int64_t[]){-1});
  mk_attr_ints(mk_node(m, "ReduceSumSquare", "x", "q"), "axes", 1, (int64_t[]){2});
  mk_attr_i(mk_node(m, "Concat", "a,b,c,q", "y"), "axis", 1);
  gc_input in[] = {in1("x", xs, -1.0f, 0.037f)};
  gradcheck(m, in, 1, "Slice/ReduceSum/ReduceMax/ReduceMin/ReduceSumSquare");
  /* Slice with attributes (opset 9), keepdims 0 */
  m = model1(9, "x", xs);
  Onnx__NodeProto *sl = mk_node(m, "Slice", "x", "s");
  mk_attr_ints(sl, "starts", 2, (int64_t[]){-4, 1});
  mk_attr_ints(sl, "ends", 2, (int64_t[]){100, 3});
  mk_attr_ints(sl, "axes", 2, (int64_t[]){2, 1});
  Onnx__NodeProto *r = mk_node(m, "ReduceMax", "s", "y");
  mk_attr_ints(r, "axes", 1, (int64_t[]){1});
  mk_attr_i(r, "keepdims", 0);
  gc_input in2[] = {in1("x", xs, 1.0f, -0.029f)};
  gradcheck(m, in2, 1, "Slice opset 9, ReduceMax keepdims 0");
}
END_TEST

/* x.view(x.size(0), -1) as torch exports it: the shape sub-graph is folded
 * when planning, so the Reshape is an ordinary activation op. */
START_TEST(test_view_pattern_folded) {
  int64_t xd[] = {-1, 2, 3, 3};
  mk_model *m = mk_new(13);
  mk_input(m, "x", 1, 4, xd);
  mk_output(m, "y");
  mk_node(m, "Shape", "x", "sh");
  mk_init_i(m, "zero", 0, NULL, (int64_t[]){0});
  mk_node(m, "Gather", "sh,zero", "n");
  mk_init_i(m, "ax", 1, (int64_t[]){1}, (int64_t[]){0});
  mk_node(m, "Unsqueeze", "n,ax", "nu");
  mk_init_i(m, "m1", 1, (int64_t[]){1}, (int64_t[]){-1});
  mk_attr_i(mk_node(m, "Concat", "nu,m1", "shape"), "axis", 0);
  mk_node(m, "Reshape", "x,shape", "flat");
  Onnx__NodeProto *c = mk_node(m, "ConstantOfShape", "cs", "ones");
  mk_attr_tensor_f(c, "value", 1, (int64_t[]){1}, (float[]){0.5f});
  mk_init_i(m, "cs", 1, (int64_t[]){1}, (int64_t[]){18});
  Onnx__NodeProto *k = mk_node(m, "Constant", "", "two");
  mk_attr_f(k, "value_float", 2.0f);
  mk_node(m, "Mul", "flat,two", "f2");
  mk_node(m, "Add", "f2,ones", "y");
  mg_err err;
  int rc;
  rt_graph *g = load_model(m, &rc, &err);
  ck_assert_msg(rc == 0, "%s", err.msg);
  for (uint32_t i = 0; i < g->n_nodes; i++) {
    const rt_node *n = &g->nodes[i];
    if (!strcmp(n->op_type, "Shape") || !strcmp(n->op_type, "Gather") ||
        !strcmp(n->op_type, "Concat") || !strcmp(n->op_type, "Unsqueeze"))
      ck_assert_msg(n->cls == RT_PLAN, "%s not folded when planning", n->op_type);
    if (!strcmp(n->op_type, "ConstantOfShape") || !strcmp(n->op_type, "Constant"))
      ck_assert_msg(n->cls == RT_CONST, "%s not folded at load", n->op_type);
  }
  rt_graph_free(g);
  gc_input in[] = {in1("x", (rt_shape)SHAPE(4, 2, 3, 3), -1.0f, 0.02f)};
  gradcheck(m, in, 1, "view pattern + ConstantOfShape + Constant");
}
END_TEST

/* ---- Sum and LRN (beyond the required set: exported ResNets, AlexNet) ---- */
START_TEST(test_sum_lrn) {
  rt_shape as = SHAPE(2, 3, 2), bs = SHAPE(3, 1), cs = SHAPE(2, 3, 2);
  mk_model *m = mk_new(13);
  mk_input(m, "a", 1, 3, as.d);
  mk_input(m, "b", 1, 2, bs.d);
  mk_input(m, "c", 1, 3, cs.d);
  mk_output(m, "y");
  mk_node(m, "Sum", "a,b,c", "y");
  gc_input in[] = {in1("a", as, -1.0f, 0.1f), in1("b", bs, -0.2f, 0.1f), in1("c", cs, -0.5f, 0.1f)};
  gradcheck(m, in, 3, "Sum");
  rt_shape xs = SHAPE(2, 5, 2, 2);
  m = model1(13, "x", xs);
  Onnx__NodeProto *n = mk_node(m, "LRN", "x", "y");
  mk_attr_i(n, "size", 3);
  mk_attr_f(n, "alpha", 0.5f);
  mk_attr_f(n, "beta", 0.75f);
  mk_attr_f(n, "bias", 2.0f);
  gc_input in2[] = {in1("x", xs, -1.0f, 0.05f)};
  gradcheck(m, in2, 1, "LRN");
}
END_TEST

/* ---- pointwise math of newer layers (GELU, LayerNorm, Hardswish...) ---- */
START_TEST(test_pointwise_vjp) {
  static const struct {
    const char *op;
    float base, step; /* lattice away from the kinks (HardSigmoid at +-1, HardSwish at +-3) */
    float alpha, beta;
    const char *approximate;
  } cases[] = {
      {"Erf", -2.0f, 0.2f, 0, 0, NULL},         {"Sqrt", 0.3f, 0.1f, 0, 0, NULL},
      {"Exp", -2.0f, 0.2f, 0, 0, NULL},         {"Neg", -2.0f, 0.2f, 0, 0, NULL},
      {"Abs", -2.0f, 0.2f, 0, 0, NULL},         {"Softplus", -4.0f, 0.4f, 0, 0, NULL},
      {"Mish", -4.0f, 0.4f, 0, 0, NULL},        {"Selu", -2.0f, 0.2f, 0, 0, NULL},
      {"Selu", -2.0f, 0.2f, 1.5f, 0.8f, NULL},  {"HardSigmoid", -1.6f, 0.2f, 0.5f, 0.5f, NULL},
      {"HardSigmoid", -4.0f, 0.4f, 0, 0, NULL}, {"HardSwish", -4.1f, 0.4f, 0, 0, NULL},
      {"Gelu", -3.0f, 0.3f, 0, 0, NULL},        {"Gelu", -3.0f, 0.3f, 0, 0, "tanh"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    rt_shape xs = SHAPE(3, 7);
    mk_model *m = model1(!strcmp(cases[i].op, "Gelu") ? 20 : 18, "x", xs);
    Onnx__NodeProto *n = mk_node(m, cases[i].op, "x", "y");
    if (cases[i].alpha != 0)
      mk_attr_f(n, "alpha", cases[i].alpha);
    if (cases[i].beta != 0)
      mk_attr_f(n, !strcmp(cases[i].op, "Selu") ? "gamma" : "beta", cases[i].beta);
    if (cases[i].approximate)
      mk_attr_s(n, "approximate", cases[i].approximate);
    gc_input in[] = {in1("x", xs, cases[i].base, cases[i].step)};
    char what[64];
    snprintf(what, sizeof what, "%s #%zu", cases[i].op, i);
    gradcheck(m, in, 1, what);
  }
}
END_TEST

/* Pow (broadcast, float and integer exponents), LayerNormalization (with
 * and without bias, Mean and InvStdDev differentiated too) and
 * InstanceNormalization, with respect to every float input. */
START_TEST(test_pow_and_norms) {
  rt_shape as = SHAPE(2, 3, 4), bs = SHAPE(3, 1);
  mk_model *m = mk_new(15);
  mk_input(m, "a", 1, 3, as.d);
  mk_input(m, "b", 1, 2, bs.d);
  mk_output(m, "y");
  mk_node(m, "Pow", "a,b", "y");
  gc_input in[] = {in1("a", as, 0.2f, 0.1f), in1("b", bs, -0.55f, 0.3f)};
  gradcheck(m, in, 2, "Pow broadcast");
  m = model1(13, "x", as);
  mk_init_i(m, "two", 0, NULL, (int64_t[]){2});
  mk_node(m, "Pow", "x,two", "y");
  gc_input in2[] = {in1("x", as, -1.2f, 0.1f)};
  gradcheck(m, in2, 1, "Pow integer exponent, negative base");
  for (int v = 0; v < 3; v++) {
    rt_shape xs = SHAPE(2, 3, 4), ss = v == 1 ? (rt_shape)SHAPE(4) : (rt_shape)SHAPE(3, 4);
    mk_model *l = mk_new(17);
    mk_input(l, "x", 1, 3, xs.d);
    mk_input(l, "s", 1, (int)ss.rank, ss.d);
    if (v != 2)
      mk_input(l, "b", 1, (int)ss.rank, ss.d);
    mk_output(l, "y");
    Onnx__NodeProto *n;
    if (v == 2) { /* the statistics outputs feed the loss too */
      n = mk_node(l, "LayerNormalization", "x,s", "ln,mean,inv");
      mk_node(l, "Add", "ln,mean", "t");
      mk_node(l, "Mul", "t,inv", "y");
    } else {
      n = mk_node(l, "LayerNormalization", "x,s,b", "y");
    }
    mk_attr_i(n, "axis", v == 1 ? -1 : 1);
    mk_attr_f(n, "epsilon", 1e-2f);
    gc_input li[] = {in1("x", xs, -1.0f, 0.08f), in1("s", ss, -0.6f, 0.1f),
                     in1("b", ss, -0.3f, 0.05f)};
    char what[64];
    snprintf(what, sizeof what, "LayerNormalization #%d", v);
    gradcheck(l, li, v == 2 ? 2 : 3, what);
  }
  rt_shape xs = SHAPE(2, 3, 2, 3), cs = SHAPE(3);
  m = mk_new(13);
  mk_input(m, "x", 1, 4, xs.d);
  mk_input(m, "s", 1, 1, cs.d);
  mk_input(m, "b", 1, 1, cs.d);
  mk_output(m, "y");
  mk_attr_f(mk_node(m, "InstanceNormalization", "x,s,b", "y"), "epsilon", 1e-2f);
  gc_input ii[] = {in1("x", xs, -1.0f, 0.05f), in1("s", cs, 0.5f, 0.3f), in1("b", cs, -0.2f, 0.1f)};
  gradcheck(m, ii, 3, "InstanceNormalization");
}
END_TEST

/* Max/Min broadcast over three inputs (lattices offset so no two inputs
 * tie), Max(x, x) whose tie splits the gradient, and Cast: float to float
 * (and CastLike of a float) passes the gradient; to integer types it truncates and wraps through
 * the target's range; NaN to an integer is an error. */
START_TEST(test_minmax_cast) {
  for (int v = 0; v < 2; v++) {
    rt_shape as = SHAPE(2, 3, 4), bs = SHAPE(3, 1), cs = SHAPE(4);
    mk_model *m = mk_new(13);
    mk_input(m, "a", 1, 3, as.d);
    mk_input(m, "b", 1, 2, bs.d);
    mk_input(m, "c", 1, 1, cs.d);
    mk_output(m, "y");
    mk_node(m, v ? "Min" : "Max", "a,b,c", "y");
    /* lattices a third of a step apart: probes (a quarter step) never cross */
    gc_input in[] = {in1("a", as, -2.0f, 0.2f), in1("b", bs, -0.5333f, 0.2f),
                     in1("c", cs, -0.8667f, 0.2f)};
    gradcheck(m, in, 3, v ? "Min" : "Max");
  }
  rt_shape xs = SHAPE(3, 4);
  mk_model *m = model1(13, "x", xs);
  mk_node(m, "Max", "x,x", "t");
  mk_attr_i(mk_node(m, "Cast", "t", "c"), "to", 1);
  mk_node(m, "CastLike", "c,x", "y");
  gc_input in[] = {in1("x", xs, -1.0f, 0.1f)};
  gradcheck(m, in, 1, "Max(x, x) then Cast and CastLike to float");
  static const struct {
    int64_t to;
    float x;
    int64_t want;
  } ints[] = {{7, -2.75f, -2}, {7, 3.5f, 3},  {3, 200.0f, -56},      {2, -1.0f, 255},
              {9, 0.0f, 0},    {9, -0.5f, 1}, {6, 3e9f, -1294967296}};
  for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
    rt_shape s1 = SHAPE(1, 1);
    m = model1(13, "x", s1);
    mk_attr_i(mk_node(m, "Cast", "x", "y"), "to", ints[i].to);
    float x = ints[i].x;
    rt_graph *g;
    rt_exec *e = run_forward(m, s1, &x, &g);
    rt_tensor *y = &e->t[g->outputs[0]];
    ck_assert_int_eq(y->dtype, RT_I64);
    ck_assert_msg(((int64_t *)y->data)[0] == ints[i].want, "Cast(%g) to %d = %lld, want %lld",
                  (double)x, (int)ints[i].to, (long long)((int64_t *)y->data)[0],
                  (long long)ints[i].want);
    rt_exec_free(e);
    rt_graph_free(g);
    mk_free(m);
  }
  rt_shape s1 = SHAPE(1, 1);
  m = model1(13, "x", s1);
  mk_attr_i(mk_node(m, "Cast", "x", "y"), "to", 7);
  mg_err err;
  int rc;
  rt_graph *g = load_model(m, &rc, &err);
  ck_assert_int_eq(rc, 0);
  rt_exec *e = rt_exec_new(g);
  float nan = NAN;
  rt_tensor tin = {RT_F32, s1, 1, &nan};
  ck_assert_int_eq(rt_exec_plan(e, &tin, &err), 0);
  ck_assert_int_eq(rt_exec_forward(e, &err), MG_ERR_NUMERIC);
  rt_exec_free(e);
  rt_graph_free(g);
  mk_free(m);
  /* float16 is no element type of the runtime: refused at load */
  m = model1(13, "x", s1);
  mk_attr_i(mk_node(m, "Cast", "x", "y"), "to", 10);
  g = load_model(m, &rc, &err);
  ck_assert_int_eq(rc, MG_ERR_UNSUPPORTED);
  ck_assert_msg(strstr(err.msg, "element type 10"), "%s", err.msg);
  mk_free(m);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("runtime ops");
  TCase *t = tcase_create("vjp");
  tcase_set_timeout(t, 120);
  tcase_add_test(t, test_conv_grouped_strided_dilated);
  tcase_add_test(t, test_conv_same_pointwise_and_weight_grad);
  tcase_add_test(t, test_conv_1d_and_3d);
  tcase_add_test(t, test_conv_wide_pads_against_direct);
  tcase_add_test(t, test_conv_fusion);
  tcase_add_test(t, test_conv_packing_kept_across_runs);
  tcase_add_test(t, test_binary_fusion);
  tcase_add_test(t, test_nodes_out_of_order);
  tcase_add_test(t, test_gemm_variants);
  tcase_add_test(t, test_gemm_constant_b);
  tcase_add_test(t, test_matmul_broadcast);
  tcase_add_test(t, test_binary_broadcast);
  tcase_add_test(t, test_legacy_broadcast_opset6);
  tcase_add_test(t, test_activations);
  tcase_add_test(t, test_transcendental_values);
  tcase_add_test(t, test_prelu_and_clip);
  tcase_add_test(t, test_softmax_family);
  tcase_add_test(t, test_softmax_axis_semantics);
  tcase_add_test(t, test_pools);
  tcase_add_test(t, test_batchnorm);
  tcase_add_test(t, test_layout_ops);
  tcase_add_test(t, test_concat_pad_reduce_gather);
  tcase_add_test(t, test_slice_reduce_family);
  tcase_add_test(t, test_view_pattern_folded);
  tcase_add_test(t, test_sum_lrn);
  tcase_add_test(t, test_pointwise_vjp);
  tcase_add_test(t, test_pow_and_norms);
  tcase_add_test(t, test_minmax_cast);
  suite_add_tcase(s, t);
  TCase *k = tcase_create("conv_direct");
  tcase_set_timeout(k, 120);
  tcase_add_test(k, test_every_usable_variant);
  tcase_add_test(k, test_worth_bounds);
  tcase_add_test(k, test_gemm_every_usable_variant);
  tcase_add_test(k, test_maxpool2_every_usable_variant);
  suite_add_tcase(s, k);
  return s;
}

int main(void) {
  return mg_check_run(suite());
}
