/* libFuzzer harness for the ONNX loader: protobuf parse, graph checks,
 * constant folding, then (when it loads) planning with the declared input
 * shapes and a forward and backward pass, under small limits so a hostile
 * shape cannot just exhaust memory. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/rt_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mg_limits lim;
  mg_limits_default(&lim);
  lim.value[MG_LIMIT_TENSOR_BYTES] = 4u << 20;
  lim.value[MG_LIMIT_MODEL_BYTES] = 64u << 20;
  lim.value[MG_LIMIT_GRAPH_NODES] = 2000;
  mg_err err;
  mg_err_clear(&err);
  rt_graph *g = NULL;
  if (rt_graph_load(data, size, "fuzz.onnx", NULL, &lim, &g, &err) != 0)
    return 0;
  rt_tensor in[16];
  uint32_t n = g->n_inputs < 16 ? g->n_inputs : 0;
  int ok = n > 0;
  memset(in, 0, sizeof in);
  for (uint32_t i = 0; i < n && ok; i++) {
    rt_shape s = g->in_shape[i];
    if (s.rank == UINT32_MAX)
      s.rank = 1, s.d[0] = 1;
    for (uint32_t d = 0; d < s.rank; d++)
      if (s.d[d] < 0)
        s.d[d] = 1;
    int64_t count;
    if (rt_shape_count(&s, &count) != 0 || count > (1 << 16)) {
      ok = 0;
      break;
    }
    in[i].dtype = g->in_dtype[i];
    in[i].shape = s;
    in[i].count = count;
    in[i].data = calloc((size_t)count + 1, 8);
    if (!in[i].data)
      ok = 0;
    for (int64_t k = 0; ok && k < count && g->in_dtype[i] == RT_F32; k++)
      ((float *)in[i].data)[k] = (float)(k % 7) * 0.25f - 0.5f;
  }
  rt_exec *e = ok ? rt_exec_new(g) : NULL;
  if (e) {
    e->keep_all = 1;
    mg_err_clear(&err);
    if (rt_exec_plan(e, in, &err) == 0 && rt_exec_forward(e, &err) == 0) {
      rt_tensor *y = &e->t[g->outputs[0]];
      if (g->values[g->outputs[0]].cls == RT_DYN && y->dtype == RT_F32 && y->count < (1 << 20)) {
        float *dy = calloc((size_t)y->count + 1, sizeof(float));
        if (dy) {
          for (int64_t k = 0; k < y->count; k++)
            dy[k] = 1.0f;
          mg_err_clear(&err);
          rt_exec_backward(e, 0, dy, &err);
          free(dy);
        }
      }
    }
    rt_exec_free(e);
  }
  for (uint32_t i = 0; i < n; i++)
    free(in[i].data);
  rt_graph_free(g);
  return 0;
}
