/* Models exported by torch.onnx.export (tests/runtime/make_torch_models.py:
 * an MLP, a LeNet using x.view(x.size(0), -1), a CNN with BatchNorm and
 * Dropout, a small ResNet with residual Add and adaptive pooling) must give
 * PyTorch's logits within 1e-4 and PyTorch autograd's input gradients of
 * the summed cross-entropy, through the public runtime.h API. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "data/dataset.h"
#include "runtime/runtime.h"

static const char *const names[] = {"mlp", "lenet", "bncnn", "resnet"};

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

int main(void) {
  Suite *s = suite_create("runtime torch");
  TCase *tc = tcase_create("torch");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, test_torch_model, 0, (int)(sizeof names / sizeof *names));
  suite_add_tcase(s, tc);
  return mg_check_run(s);
}
