/* Gemm (transA/transB/alpha/beta, C broadcast to M x N) and MatMul (numpy
 * semantics: 1-D operands promoted, batch axes broadcast), through
 * cblas_sgemm, or, when B is a constant matrix small enough, through the
 * packed kernel of gemm_packed.h with B packed once at load (Gemm then
 * also adds a constant bias row and applies a Relu that follows). VJPs
 * through cblas_sgemm. */
#include "config.h"

#include "runtime/ops/gemm_packed.h"
#include "runtime/ops/ops.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

/* Gemm's attributes; MatMul has none and uses only the packing. */
typedef struct gemm_params {
  int64_t ta, tb;
  float alpha, beta;
  /* Set by prepare: alpha * B packed (k x n), and for Gemm beta * C as
   * one row of n when C is a constant that broadcasts along the rows
   * (else NULL, and C is added as the ONNX rule says); bp NULL when B is
   * not packed. */
  float *bp, *bias;
  int64_t k, n;
  float mem[];
} gemm_params;

static int gemm_parse(rt_graph *g, rt_node *n, mg_err *err) {
  (void)g;
  gemm_params *p = calloc(1, sizeof *p);
  if (!p)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  n->p = p;
  int rc;
  if ((rc = rt_attr_int(n, "transA", 0, &p->ta, err)) ||
      (rc = rt_attr_int(n, "transB", 0, &p->tb, err)) ||
      (rc = rt_attr_float(n, "alpha", 1.0f, &p->alpha, err)) ||
      (rc = rt_attr_float(n, "beta", 1.0f, &p->beta, err)))
    return rc;
  return MG_OK;
}

typedef struct gemm_dims {
  int64_t m, k, n;
} gemm_dims;

static int gemm_dims_of(rt_exec *e, const rt_node *n, gemm_dims *d, mg_err *err) {
  const gemm_params *p = n->p;
  rt_tensor *a = rt_in(e, n, 0), *b = rt_in(e, n, 1);
  if (a->shape.rank != 2 || b->shape.rank != 2)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "A and B must be matrices");
  d->m = p->ta ? a->shape.d[1] : a->shape.d[0];
  d->k = p->ta ? a->shape.d[0] : a->shape.d[1];
  int64_t kb = p->tb ? b->shape.d[1] : b->shape.d[0];
  d->n = p->tb ? b->shape.d[0] : b->shape.d[1];
  if (kb != d->k)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "inner dimensions %lld and %lld differ",
                        (long long)d->k, (long long)kb);
  if (d->m > INT32_MAX || d->n > INT32_MAX || d->k > INT32_MAX)
    return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "matrix too large");
  return MG_OK;
}

static int gemm_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  if (n->n_in < 2 || n->n_in > 3 || n->in[0] < 0 || n->in[1] < 0 || n->n_out != 1)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "needs inputs A, B[, C] and 1 output");
  if (n->opset < 11 && (n->n_in < 3 || n->in[2] < 0))
    return rt_node_fail(n, MG_ERR_FORMAT, err, "input C is required before opset 11");
  int rc;
  for (uint32_t i = 0; i < n->n_in; i++)
    if (rt_in(e, n, i) && (rc = rt_need_dtype(n, rt_in(e, n, i), i, RT_F32, err)))
      return rc;
  gemm_dims d;
  if ((rc = gemm_dims_of(e, n, &d, err)))
    return rc;
  rt_shape s = {2, {d.m, d.n}};
  rt_tensor *c = rt_in(e, n, 2);
  if (c) {
    rt_shape o;
    if ((rc = rt_bcast_shape(n, &c->shape, &s, &o, err)))
      return rc;
    if (!rt_shape_equal(&o, &s))
      return rt_node_fail(n, MG_ERR_FORMAT, err, "C does not broadcast to M x N");
  }
  return rt_set_out(e, n, 0, RT_F32, &s, err);
}

struct fill_ctx {
  const float *c;
  float *y;
  float beta;
};

static void fill_run(void *ctx, int64_t o, int64_t a, int64_t b, int64_t len, int64_t sa,
                     int64_t sb) {
  (void)b;
  (void)sb;
  struct fill_ctx *f = ctx;
  for (int64_t i = 0; i < len; i++)
    f->y[o + i] = f->beta * f->c[a + i * sa];
}

/* B of node n (input 1, a constant matrix, k x n or n x k when trans) is
 * packed into n->p, which grows by extra floats after the packing. The
 * parameters are those Gemm parsed, or zeros (MatMul). */
static int pack_b(rt_graph *g, rt_node *n, int trans, float alpha, size_t extra, mg_err *err) {
  const rt_value *bv = n->n_in >= 2 && n->in[1] >= 0 ? &g->values[n->in[1]] : NULL;
  if (!bv || bv->cls != RT_CONST || bv->konst.dtype != RT_F32 || bv->konst.shape.rank != 2)
    return MG_OK;
  int64_t r0 = bv->konst.shape.d[0], r1 = bv->konst.shape.d[1];
  int64_t k = trans ? r1 : r0, cols = trans ? r0 : r1;
  if (!gemm_packed_worth(k, cols))
    return MG_OK;
  size_t floats = gemm_packed_floats(k, cols) + extra;
  gemm_params *p = realloc(n->p, sizeof *p + floats * sizeof(float));
  if (!p)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  if (!n->p)
    memset(p, 0, sizeof *p);
  n->p = p;
  p->bp = p->mem;
  p->k = k;
  p->n = cols;
  gemm_pack(bv->konst.data, k, cols, r1, trans, alpha, p->bp);
  return MG_OK;
}

static int gemm_prepare(rt_graph *g, rt_node *n, mg_err *err) {
  gemm_params *p = n->p;
  if (p->ta || n->n_in < 2 || n->in[1] < 0 || g->values[n->in[1]].konst.shape.rank != 2)
    return MG_OK;
  int64_t cols = g->values[n->in[1]].konst.shape.d[p->tb ? 0 : 1];
  int rc = pack_b(g, n, (int)p->tb, p->alpha, (size_t)cols, err);
  if (rc || !(p = n->p)->bp)
    return rc;
  /* A constant C of shape [], [1], [n], [1, 1] or [1, n]: a bias row. */
  const rt_value *cv = n->n_in > 2 && n->in[2] >= 0 ? &g->values[n->in[2]] : NULL;
  if (!cv || p->beta == 0.0f)
    return MG_OK;
  const rt_tensor *c = &cv->konst;
  int row = cv->cls == RT_CONST && c->dtype == RT_F32 && c->shape.rank <= 2 &&
            (c->count == 1 || c->count == cols) && (c->shape.rank < 2 || c->shape.d[0] == 1);
  if (!row)
    return MG_OK;
  p->bias = p->bp + gemm_packed_floats(p->k, p->n);
  const float *cd = c->data;
  for (int64_t j = 0; j < cols; j++)
    p->bias[j] = p->beta * cd[c->count == 1 ? 0 : j];
  return MG_OK;
}

static int gemm_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  const gemm_params *p = n->p;
  gemm_dims d;
  int rc = gemm_dims_of(e, n, &d, err);
  if (rc)
    return rc;
  rt_tensor *a = rt_in(e, n, 0), *b = rt_in(e, n, 1), *c = rt_in(e, n, 2), *y = rt_out(e, n, 0);
  float beta = 0.0f;
  if (c && p->beta != 0.0f && !p->bias) {
    struct fill_ctx f = {c->data, y->data, p->beta};
    rt_bcast_walk(&y->shape, &c->shape, &c->shape, fill_run, &f);
    beta = 1.0f;
  }
  if (p->bp && d.m && d.n) {
    /* A Relu that follows is taken, not a LeakyRelu, an Add or a
     * channel map. */
    const rt_epilogue ep = e->epilogue;
    int relu = !ep.scale && !ep.add && ep.relu && ep.slope == 0.0f;
    e->epilogue.taken = relu;
    gemm_packed_run(d.m, d.n, d.k, a->data, d.k, p->bp, p->bias, beta != 0.0f, relu, y->data, d.n);
    return MG_OK;
  }
  if (d.m && d.n)
    cblas_sgemm(CblasRowMajor, p->ta ? CblasTrans : CblasNoTrans, p->tb ? CblasTrans : CblasNoTrans,
                (int)d.m, (int)d.n, (int)d.k, p->alpha, a->data, (int)a->shape.d[1], b->data,
                (int)b->shape.d[1], beta, y->data, (int)d.n);
  return MG_OK;
}

static int gemm_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  const gemm_params *p = n->p;
  gemm_dims d;
  int rc = gemm_dims_of(e, n, &d, err);
  if (rc)
    return rc;
  rt_tensor *a = rt_in(e, n, 0), *b = rt_in(e, n, 1), *c = rt_in(e, n, 2), *y = rt_out(e, n, 0);
  const float *gy = rt_gout(e, n, 0);
  float *ga = rt_gin(e, n, 0), *gb = rt_gin(e, n, 1), *gc = rt_gin(e, n, 2);
  int lda = (int)a->shape.d[1], ldb = (int)b->shape.d[1];
  int M = (int)d.m, N = (int)d.n, K = (int)d.k;
  if (ga && M && K) {
    if (!p->ta)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, p->tb ? CblasNoTrans : CblasTrans, M, K, N, p->alpha,
                  gy, N, b->data, ldb, 1.0f, ga, K);
    else
      cblas_sgemm(CblasRowMajor, p->tb ? CblasTrans : CblasNoTrans, CblasTrans, K, M, N, p->alpha,
                  b->data, ldb, gy, N, 1.0f, ga, M);
  }
  if (gb && K && N) {
    if (!p->tb)
      cblas_sgemm(CblasRowMajor, p->ta ? CblasNoTrans : CblasTrans, CblasNoTrans, K, N, M, p->alpha,
                  a->data, lda, gy, N, 1.0f, gb, N);
    else
      cblas_sgemm(CblasRowMajor, CblasTrans, p->ta ? CblasTrans : CblasNoTrans, N, K, M, p->alpha,
                  gy, N, a->data, lda, 1.0f, gb, K);
  }
  if (gc) {
    float *tmp = rt_scratch(e, (size_t)y->count, err);
    if (!tmp)
      return err->code;
    for (int64_t i = 0; i < y->count; i++)
      tmp[i] = p->beta * gy[i];
    rt_bcast_reduce_add(tmp, &y->shape, &c->shape, gc);
  }
  return MG_OK;
}

const rt_op rt_op_gemm = {.name = "Gemm",
                          .parse = gemm_parse,
                          .infer = gemm_infer,
                          .forward = gemm_fwd,
                          .vjp = gemm_vjp,
                          .prepare = gemm_prepare};

/* ---- MatMul ---- */
typedef struct mm_geom {
  int64_t m, k, n;
  rt_shape batch, ba, bb; /* output batch shape, A's and B's batch shapes */
  int64_t nbatch;
} mm_geom;

static int mm_geometry(const rt_node *n, const rt_shape *a, const rt_shape *b, mm_geom *g,
                       rt_shape *out, mg_err *err) {
  if (a->rank == 0 || b->rank == 0)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "operands must have rank >= 1");
  g->m = a->rank == 1 ? 1 : a->d[a->rank - 2];
  g->k = a->d[a->rank - 1];
  int64_t kb = b->rank == 1 ? b->d[0] : b->d[b->rank - 2];
  g->n = b->rank == 1 ? 1 : b->d[b->rank - 1];
  if (kb != g->k)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "inner dimensions %lld and %lld differ",
                        (long long)g->k, (long long)kb);
  if (g->m > INT32_MAX || g->n > INT32_MAX || g->k > INT32_MAX)
    return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "matrix too large");
  g->ba.rank = a->rank > 2 ? a->rank - 2 : 0;
  g->bb.rank = b->rank > 2 ? b->rank - 2 : 0;
  memcpy(g->ba.d, a->d, g->ba.rank * sizeof(int64_t));
  memcpy(g->bb.d, b->d, g->bb.rank * sizeof(int64_t));
  int rc = rt_bcast_shape(n, &g->ba, &g->bb, &g->batch, err);
  if (rc)
    return rc;
  g->nbatch = 1;
  for (uint32_t i = 0; i < g->batch.rank; i++)
    g->nbatch *= g->batch.d[i];
  *out = g->batch;
  if (a->rank > 1)
    out->d[out->rank++] = g->m;
  if (b->rank > 1)
    out->d[out->rank++] = g->n;
  return MG_OK;
}

static int mm_infer(rt_exec *e, const rt_node *n, mg_err *err) {
  if (n->n_in != 2 || n->in[0] < 0 || n->in[1] < 0 || n->n_out != 1)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "needs 2 inputs and 1 output");
  rt_tensor *a = rt_in(e, n, 0), *b = rt_in(e, n, 1);
  int rc = rt_need_dtype(n, a, 0, RT_F32, err);
  if (!rc)
    rc = rt_need_dtype(n, b, 1, RT_F32, err);
  if (rc)
    return rc;
  mm_geom g;
  rt_shape s;
  if ((rc = mm_geometry(n, &a->shape, &b->shape, &g, &s, err)))
    return rc;
  return rt_set_out(e, n, 0, RT_F32, &s, err);
}

/* Offsets (in matrices) of A and B for output batch index i. */
static void mm_offsets(const mm_geom *g, int64_t i, int64_t *oa, int64_t *ob) {
  int64_t sa[RT_MAX_RANK], sb[RT_MAX_RANK];
  rt_bcast_strides(&g->ba, &g->batch, sa);
  rt_bcast_strides(&g->bb, &g->batch, sb);
  int64_t a = 0, b = 0;
  for (int d = (int)g->batch.rank - 1; d >= 0; d--) {
    int64_t idx = i % g->batch.d[d];
    i /= g->batch.d[d];
    a += idx * sa[d];
    b += idx * sb[d];
  }
  *oa = a;
  *ob = b;
}

static int mm_fwd(rt_exec *e, const rt_node *n, mg_err *err) {
  rt_tensor *a = rt_in(e, n, 0), *b = rt_in(e, n, 1), *y = rt_out(e, n, 0);
  mm_geom g;
  rt_shape s;
  int rc = mm_geometry(n, &a->shape, &b->shape, &g, &s, err);
  if (rc)
    return rc;
  const float *A = a->data, *B = b->data;
  float *Y = y->data;
  if (!y->count)
    return MG_OK;
  if (!g.k) {
    memset(Y, 0, (size_t)y->count * sizeof(float));
    return MG_OK;
  }
  int M = (int)g.m, N = (int)g.n, K = (int)g.k;
  if (g.bb.rank == 0) {
    /* B is one matrix: all of A's rows in one GEMM. */
    int64_t rows = g.nbatch * g.m;
    const gemm_params *p = n->p;
    if (p && p->bp && b->shape.rank == 2) {
      gemm_packed_run(rows, N, K, A, K, p->bp, NULL, 0, 0, Y, N);
      return MG_OK;
    }
    if (rows > INT32_MAX)
      return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "matrix too large");
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, N, K, 1.0f, A, K, B, N, 0.0f,
                Y, N);
    return MG_OK;
  }
  for (int64_t i = 0; i < g.nbatch; i++) {
    int64_t oa, ob;
    mm_offsets(&g, i, &oa, &ob);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, A + oa * g.m * g.k, K,
                B + ob * g.k * g.n, N, 0.0f, Y + i * g.m * g.n, N);
  }
  return MG_OK;
}

static int mm_vjp(rt_exec *e, const rt_node *n, mg_err *err) {
  rt_tensor *a = rt_in(e, n, 0), *b = rt_in(e, n, 1), *y = rt_out(e, n, 0);
  mm_geom g;
  rt_shape s;
  int rc = mm_geometry(n, &a->shape, &b->shape, &g, &s, err);
  if (rc)
    return rc;
  const float *A = a->data, *B = b->data, *gy = rt_gout(e, n, 0);
  float *ga = rt_gin(e, n, 0), *gb = rt_gin(e, n, 1);
  if (!y->count || !g.k)
    return MG_OK;
  int M = (int)g.m, N = (int)g.n, K = (int)g.k;
  if (g.bb.rank == 0) {
    int rows = (int)(g.nbatch * g.m);
    if (ga)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, K, N, 1.0f, gy, N, B, N, 1.0f, ga,
                  K);
    if (gb)
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, N, rows, 1.0f, A, K, gy, N, 1.0f, gb,
                  N);
    return MG_OK;
  }
  for (int64_t i = 0; i < g.nbatch; i++) {
    int64_t oa, ob;
    mm_offsets(&g, i, &oa, &ob);
    const float *gyi = gy + i * g.m * g.n;
    if (ga)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, K, N, 1.0f, gyi, N,
                  B + ob * g.k * g.n, N, 1.0f, ga + oa * g.m * g.k, K);
    if (gb)
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, N, M, 1.0f, A + oa * g.m * g.k, K,
                  gyi, N, 1.0f, gb + ob * g.k * g.n, N);
  }
  return MG_OK;
}

/* A constant matrix B is packed (a 1-D B is promoted per call instead). */
static int mm_prepare(rt_graph *g, rt_node *n, mg_err *err) {
  return pack_b(g, n, 0, 1.0f, 0, err);
}

const rt_op rt_op_matmul = {
    .name = "MatMul", .infer = mm_infer, .forward = mm_fwd, .vjp = mm_vjp, .prepare = mm_prepare};
