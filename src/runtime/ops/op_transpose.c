/* Transpose (perm, default reversed axes); the VJP is the inverse
 * permutation added into the input gradient. */
#include "config.h"

#include "runtime/ops/ops.h"

#include <stdlib.h>
#include <string.h>

static int get_perm(const rt_node *n, uint32_t rank, uint32_t *perm, mg_err *err) {
  const int64_t *p;
  size_t np;
  int rc = rt_attr_ints(n, "perm", &p, &np, err);
  if (rc)
    return rc;
  if (!p) {
    for (uint32_t i = 0; i < rank; i++)
      perm[i] = rank - 1 - i;
    return MG_OK;
  }
  if (np != rank)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "perm has %zu values for rank %u", np, rank);
  uint8_t seen[RT_MAX_RANK] = {0};
  for (uint32_t i = 0; i < rank; i++) {
    uint32_t a;
    if ((rc = rt_axis(n, p[i], rank, &a, err)))
      return rc;
    if (seen[a]++)
      return rt_node_fail(n, MG_ERR_FORMAT, err, "perm repeats axis %u", a);
    perm[i] = a;
  }
  return MG_OK;
}

static int tr_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  if (n->n_in != 1 || n->in[0] < 0 || n->n_out != 1)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "needs 1 input and 1 output");
  rt_tensor *x = rt_in(e, n, 0);
  uint32_t perm[RT_MAX_RANK];
  int rc = get_perm(n, x->shape.rank, perm, err);
  if (rc)
    return rc;
  rt_shape s = {x->shape.rank, {0}};
  for (uint32_t i = 0; i < s.rank; i++)
    s.d[i] = x->shape.d[perm[i]];
  if (s.rank && perm[0] != 0)
    e->mixes_batch = 1;
  return rt_set_out(e, n, 0, x->dtype, &s, err);
}

/* dst[out index] op= src[in index] walking the output in order. */
static void permute(const void *src, void *dst, const rt_shape *in, const uint32_t *perm, size_t es,
                    int add) {
  uint32_t r = in->rank;
  int64_t istride[RT_MAX_RANK], ostride[RT_MAX_RANK], od[RT_MAX_RANK];
  int64_t s = 1;
  for (int i = (int)r - 1; i >= 0; i--) {
    istride[i] = s;
    s *= in->d[i];
  }
  int64_t total = s;
  for (uint32_t i = 0; i < r; i++) {
    od[i] = in->d[perm[i]];
    ostride[i] = istride[perm[i]];
  }
  if (!total)
    return;
  int64_t idx[RT_MAX_RANK] = {0};
  int64_t off = 0;
  for (int64_t o = 0; o < total; o++) {
    if (es == 8)
      ((int64_t *)dst)[o] = ((const int64_t *)src)[off];
    else if (add)
      ((float *)dst)[o] += ((const float *)src)[off];
    else
      ((float *)dst)[o] = ((const float *)src)[off];
    for (int i = (int)r - 1; i >= 0; i--) {
      off += ostride[i];
      if (++idx[i] < od[i])
        break;
      off -= ostride[i] * od[i];
      idx[i] = 0;
    }
  }
}

static int tr_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  rt_tensor *x = rt_in(e, n, 0);
  uint32_t perm[RT_MAX_RANK];
  int rc = get_perm(n, x->shape.rank, perm, err);
  if (rc)
    return rc;
  permute(x->data, rt_out(e, n, 0)->data, &x->shape, perm, rt_dtype_size(x->dtype), 0);
  return MG_OK;
}

static int tr_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  rt_tensor *y = rt_out(e, n, 0);
  uint32_t perm[RT_MAX_RANK], inv[RT_MAX_RANK];
  int rc = get_perm(n, y->shape.rank, perm, err);
  if (rc)
    return rc;
  for (uint32_t i = 0; i < y->shape.rank; i++)
    inv[perm[i]] = i;
  float *gx = rt_gin(e, n, 0);
  if (gx)
    permute(rt_gout(e, n, 0), gx, &y->shape, inv, 4, 1);
  return MG_OK;
}

const rt_op rt_op_transpose = {
    .name = "Transpose", .infer = tr_infer, .forward = tr_fwd, .vjp = tr_vjp};
