/* Images per second of the built-in runtime on one model: forward pass and
 * cross-entropy input gradient at a given batch size. Prints one line:
 * "forward IPS grad IPS" (grad 0 when the fourth argument is "forward",
 * which skips it). Driven by bench/runtime/run.py. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/runtime.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: bench_runtime MODEL BATCH [SECONDS [forward]]\n");
    return 2;
  }
  size_t batch = (size_t)strtoul(argv[2], NULL, 10);
  double secs = argc > 3 ? atof(argv[3]) : 2.0;
  mg_limits lim;
  mg_limits_default(&lim);
  mg_err err;
  mg_err_clear(&err);
  mg_model *m = NULL;
  if (batch == 0 || mg_model_load(argv[1], NULL, &lim, &m, &err)) {
    fprintf(stderr, "bench_runtime: %s\n", batch ? err.msg : "batch must be positive");
    return 2;
  }
  uint64_t d = mg_model_input_floats(m), k = mg_model_num_classes(m);
  float *x = malloc(batch * d * sizeof *x), *lg = malloc(batch * k * sizeof *lg);
  float *g = malloc(batch * d * sizeof *g);
  int32_t *t = malloc(batch * sizeof *t);
  if (!x || !lg || !g || !t)
    return 2;
  srand(1);
  for (size_t i = 0; i < batch * d; i++)
    x[i] = (float)rand() / (float)RAND_MAX;
  for (size_t i = 0; i < batch; i++)
    t[i] = (int32_t)(i % k);
  double ips[2] = {0, 0};
  int modes = argc > 4 && !strcmp(argv[4], "forward") ? 1 : 2;
  for (int mode = 0; mode < modes; mode++) {
    int runs = 0;
    double t0 = 0;
    for (int warm = 1;; warm = 0) {
      int rc = mode ? mg_model_input_grad(m, x, batch, t, NULL, NULL, lg, g, &err)
                    : mg_model_forward(m, x, batch, lg, NULL, NULL, &err);
      if (rc) {
        fprintf(stderr, "bench_runtime: %s\n", err.msg);
        return 2;
      }
      if (warm) {
        t0 = now();
        continue;
      }
      runs++;
      if (now() - t0 >= secs && runs >= 3)
        break;
    }
    ips[mode] = (double)runs * (double)batch / (now() - t0);
  }
  printf("forward %.1f grad %.1f\n", ips[0], ips[1]);
  free(x);
  free(lg);
  free(g);
  free(t);
  mg_model_free(m);
  return 0;
}
