/* Models exported by torch.onnx.export (tests/runtime/make_torch_models.py:
 * an MLP, a LeNet using x.view(x.size(0), -1), a CNN with BatchNorm and
 * Dropout, a small ResNet with residual Add and adaptive pooling; and, from
 * make_torch_modern.py, CNNs with GELU, LayerNorm, GroupNorm, Hardswish,
 * InstanceNorm, Mish, SELU, Hardsigmoid, SiLU and Softplus) must give
 * PyTorch's logits within 1e-4 and PyTorch autograd's input gradients of
 * the summed cross-entropy, through the public runtime.h API. A BatchNorm
 * CNN with the scale and shift of its last k BatchNormalization layers
 * amplified must give the numpy evaluator's logits of the edited model
 * (tests/runtime/make_bn_amplified.py). */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "data/dataset.h"
#include "runtime/runtime.h"

static const char *const names[] = {"mlp",       "lenet",     "bncnn",  "resnet",
                                    "gelu_ln13", "gelu_ln17", "acts13", "pools13"};

static float *load_npy(const char *dir, const char *name, const char *what, mg_array_header *h) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s_%s.npy", dir, name, what);
  mg_limits lim;
  mg_limits_default(&lim);
  mg_err err;
  mg_err_clear(&err);
  float *d = NULL;
  int rc = mg_array_load_f32(path, &lim, &d, h, &err);
  ck_assert_msg(rc == 0, "%s: %s", path, err.msg);
  return d;
}

START_TEST(test_torch_model) {
  const char *top = getenv("TOP_SRCDIR");
  char dir[1024], path[1100];
  snprintf(dir, sizeof dir, "%s/tests/runtime/torch", top ? top : MG_SOURCE_DIR);
  const char *name = names[_i];
  snprintf(path, sizeof path, "%s/%s.onnx", dir, name);
  mg_limits lim;
  mg_limits_default(&lim);
  mg_err err;
  mg_err_clear(&err);
  mg_model *m = NULL;
  int rc = mg_model_load(path, dir, &lim, &m, &err);
  ck_assert_msg(rc == 0, "%s", err.msg);
  mg_array_header hx, hl, hg, ht;
  float *x = load_npy(dir, name, "x", &hx), *want = load_npy(dir, name, "logits", &hl);
  float *wgrad = load_npy(dir, name, "grad", &hg), *tf = load_npy(dir, name, "t", &ht);
  size_t n = (size_t)hx.dims[0];
  uint64_t k = mg_model_num_classes(m), d = mg_model_input_floats(m);
  ck_assert_uint_eq(k, hl.dims[1]);
  ck_assert_uint_eq(d * n, hx.count);
  float *lg = calloc(n * k, sizeof *lg), *g = calloc(n * d, sizeof *g), *loss = calloc(n, 4);
  int32_t *t = calloc(n, sizeof *t);
  for (size_t i = 0; i < n; i++)
    t[i] = (int32_t)tf[i];
  rc = mg_model_forward(m, x, n, lg, NULL, NULL, &err);
  ck_assert_msg(rc == 0, "%s", err.msg);
  double worst = 0;
  for (size_t i = 0; i < n * k; i++)
    worst = fmax(worst, fabs(lg[i] - want[i]));
  ck_assert_msg(worst <= 1e-4, "%s: logits differ from PyTorch by %g", name, worst);
  rc = mg_model_input_grad(m, x, n, t, NULL, loss, NULL, g, &err);
  ck_assert_msg(rc == 0, "%s", err.msg);
  double gmax = 0, gdiff = 0;
  for (size_t i = 0; i < n * d; i++) {
    gmax = fmax(gmax, fabs(wgrad[i]));
    gdiff = fmax(gdiff, fabs(g[i] - wgrad[i]));
  }
  ck_assert_msg(gmax > 0, "%s: reference gradient is zero", name);
  ck_assert_msg(gdiff <= 1e-4 * gmax, "%s: input gradient differs by %g (max %g)", name, gdiff,
                gmax);
  for (size_t i = 0; i < n; i++) {
    double mx = -INFINITY, s = 0;
    for (uint64_t c = 0; c < k; c++)
      mx = fmax(mx, want[i * k + c]);
    for (uint64_t c = 0; c < k; c++)
      s += exp(want[i * k + c] - mx);
    ck_assert_double_eq_tol(loss[i], log(s) + mx - want[i * k + (size_t)t[i]], 1e-4);
  }
  fprintf(stderr, "%s: logits max diff %.3g, gradient max diff %.3g (max |grad| %.3g)\n", name,
          worst, gdiff, gmax);
  free(x);
  free(want);
  free(wgrad);
  free(tf);
  free(lg);
  free(g);
  free(loss);
  free(t);
  mg_model_free(m);
}
END_TEST

/* The variants make_bn_amplified.py wrote: last k layers times factor. */
static const struct {
  uint32_t last;
  float factor;
  const char *file;
} amplified[] = {
    {1, 3.0f, "logits_k1_f3"},
    {2, 1.5f, "logits_k2_f1.5"},
    {3, 0.5f, "logits_k3_f0.5"},
    {0, 1.0f, "logits_k0_f1"}, /* last: restored to the model as loaded */
};

static double max_diff(const float *a, const float *b, size_t n, double *scale) {
  double worst = 0;
  *scale = 0;
  for (size_t i = 0; i < n; i++) {
    worst = fmax(worst, fabs(a[i] - b[i]));
    *scale = fmax(*scale, fabs(b[i]));
  }
  return worst;
}

START_TEST(test_bn_amplified) {
  const char *top = getenv("TOP_SRCDIR");
  char dir[1024], path[1100];
  snprintf(dir, sizeof dir, "%s/tests/fixtures/models", top ? top : MG_SOURCE_DIR);
  snprintf(path, sizeof path, "%s/clean-bncnn.onnx", dir);
  mg_limits lim;
  mg_limits_default(&lim);
  mg_err err;
  mg_err_clear(&err);
  mg_model *m = NULL;
  ck_assert_msg(mg_model_load(path, dir, &lim, &m, &err) == 0, "%s", err.msg);
  ck_assert_uint_eq(mg_model_bn_count(m), 3);
  snprintf(dir, sizeof dir, "%s/tests/runtime/bn-amplified", top ? top : MG_SOURCE_DIR);
  mg_array_header hx, hl;
  float *x = load_npy(dir, "rows", "x", &hx), *plain = load_npy(dir, "logits_k0", "f1", &hl);
  size_t n = (size_t)hx.dims[0], k = mg_model_num_classes(m);
  float *lg = calloc(n * k, sizeof *lg);
  for (size_t v = 0; v < sizeof amplified / sizeof *amplified; v++) {
    char stem[64], *us;
    snprintf(stem, sizeof stem, "%s", amplified[v].file);
    us = strrchr(stem, '_');
    *us = '\0';
    float *want = load_npy(dir, stem, us + 1, &hl);
    ck_assert_uint_eq(hl.count, n * k);
    ck_assert_int_eq(mg_model_bn_amplify(m, amplified[v].last, amplified[v].factor, &err), 0);
    ck_assert_msg(mg_model_forward(m, x, n, lg, NULL, NULL, &err) == 0, "%s", err.msg);
    double scale, worst = max_diff(lg, want, n * k, &scale), moved = 0;
    ck_assert_msg(worst <= 1e-4 * fmax(1, scale), "%s: logits differ from numpy by %g (max %g)",
                  amplified[v].file, worst, scale);
    if (amplified[v].last) { /* the amplification changed the answer */
      moved = max_diff(want, plain, n * k, &scale);
      ck_assert_msg(moved > 1e-2, "%s: the reference did not move", amplified[v].file);
    }
    fprintf(stderr, "bn-amplified %s: max diff %.3g\n", amplified[v].file, worst);
    free(want);
  }
  ck_assert_int_ne(mg_model_bn_amplify(m, 4, 2.0f, &err), 0); /* more layers than it has */
  free(x);
  free(plain);
  free(lg);
  mg_model_free(m);
}
END_TEST

int main(void) {
  Suite *s = suite_create("runtime torch");
  TCase *tc = tcase_create("torch");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, test_torch_model, 0, (int)(sizeof names / sizeof *names));
  tcase_add_test(tc, test_bn_amplified);
  suite_add_tcase(s, tc);
  return mg_check_run(s);
}
