/* Numpy-style broadcasting, written once: the output shape of two inputs,
 * a walk over the output in innermost-axis runs (so the elementwise ops
 * keep a tight inner loop), and the reverse reduction for gradients. */
#include "config.h"

#include "rt_internal.h"

#include <string.h>

int rt_bcast_shape(const rt_node *n, const rt_shape *a, const rt_shape *b, rt_shape *out,
                   mg_err *err) {
  uint32_t r = a->rank > b->rank ? a->rank : b->rank;
  out->rank = r;
  for (uint32_t i = 0; i < r; i++) {
    int64_t da = i + a->rank >= r ? a->d[i + a->rank - r] : 1;
    int64_t db = i + b->rank >= r ? b->d[i + b->rank - r] : 1;
    if (da == db || db == 1)
      out->d[i] = da;
    else if (da == 1)
      out->d[i] = db;
    else {
      char sa[128], sb[128];
      rt_shape_str(a, sa, sizeof sa);
      rt_shape_str(b, sb, sizeof sb);
      return rt_node_fail(n, MG_ERR_FORMAT, err, "shapes %s and %s do not broadcast", sa, sb);
    }
  }
  return MG_OK;
}

void rt_bcast_strides(const rt_shape *in, const rt_shape *out, int64_t *strides) {
  int64_t s = 1;
  for (int i = (int)out->rank - 1; i >= 0; i--) {
    int j = i - (int)(out->rank - in->rank);
    if (j < 0 || in->d[j] == 1) {
      strides[i] = 0;
      if (j >= 0)
        s *= in->d[j];
    } else {
      strides[i] = s;
      s *= in->d[j];
    }
  }
}

void rt_bcast_walk(const rt_shape *out, const rt_shape *sa, const rt_shape *sb, rt_bcast_fn fn,
                   void *ctx) {
  int64_t ta[RT_MAX_RANK], tb[RT_MAX_RANK];
  rt_bcast_strides(sa, out, ta);
  rt_bcast_strides(sb, out, tb);
  uint32_t r = out->rank;
  int64_t total = 1;
  for (uint32_t i = 0; i < r; i++)
    total *= out->d[i];
  if (total == 0)
    return;
  if (r == 0) {
    fn(ctx, 0, 0, 0, 1, 0, 0);
    return;
  }
  /* Merge trailing axes where both inputs are contiguous or both constant
   * so runs are as long as possible. */
  int64_t len = out->d[r - 1], la = ta[r - 1], lb = tb[r - 1];
  uint32_t inner = r - 1;
  while (inner > 0) {
    uint32_t k = inner - 1;
    int ok_a = (la == 0 && ta[k] == 0) || (la != 0 && ta[k] == la * len);
    int ok_b = (lb == 0 && tb[k] == 0) || (lb != 0 && tb[k] == lb * len);
    if (la == 0 && ta[k] != 0)
      ok_a = 0;
    if (!ok_a || !ok_b)
      break;
    len *= out->d[k];
    inner = k;
  }
  int64_t idx[RT_MAX_RANK] = {0};
  int64_t o = 0;
  for (;;) {
    int64_t oa = 0, ob = 0;
    for (uint32_t i = 0; i < inner; i++) {
      oa += idx[i] * ta[i];
      ob += idx[i] * tb[i];
    }
    fn(ctx, o, oa, ob, len, la ? 1 : 0, lb ? 1 : 0);
    o += len;
    int i = (int)inner - 1;
    for (; i >= 0; i--) {
      if (++idx[i] < out->d[i])
        break;
      idx[i] = 0;
    }
    if (i < 0)
      break;
  }
}

struct reduce_ctx {
  const float *g;
  float *gin;
};

static void reduce_run(void *ctx, int64_t o, int64_t a, int64_t b, int64_t len, int64_t sa,
                       int64_t sb) {
  (void)b;
  (void)sb;
  struct reduce_ctx *c = ctx;
  const float *g = c->g + o;
  float *d = c->gin + a;
  if (sa) {
    for (int64_t i = 0; i < len; i++)
      d[i] += g[i];
  } else {
    float s = 0;
    for (int64_t i = 0; i < len; i++)
      s += g[i];
    d[0] += s;
  }
}

void rt_bcast_reduce_add(const float *g, const rt_shape *out, const rt_shape *in, float *gin) {
  if (rt_shape_equal(out, in)) {
    int64_t c = 1;
    for (uint32_t i = 0; i < out->rank; i++)
      c *= out->d[i];
    for (int64_t i = 0; i < c; i++)
      gin[i] += g[i];
    return;
  }
  struct reduce_ctx c = {g, gin};
  rt_bcast_walk(out, in, in, reduce_run, &c);
}
