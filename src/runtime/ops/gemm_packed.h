/* Matrix products with a constant right-hand side packed once at load:
 * the fully connected layers of the classifiers vendors ship (Gemm, or
 * MatMul by a weight matrix). OpenBLAS packs both operands on every call,
 * which for a batch of 64 rows through a 784-64 layer costs as much as
 * the arithmetic, and its threads spin against the runtime's own. Here B
 * is packed at load in panels of GP_PANEL columns and each call sweeps
 * rows of A against it in registers, adding a bias and applying Relu on
 * the way out. Blocked along k so that what it sweeps stays in cache; weights
 * past gemm_packed_worth's budget keep OpenBLAS. */
#ifndef MG_RT_GEMM_PACKED_H
#define MG_RT_GEMM_PACKED_H

#include <stddef.h>
#include <stdint.h>

/* Columns per panel: one 512-bit vector, two 256-bit ones, four of 128. */
#define GP_PANEL 16

/* Whether B of k x n is worth packing (and small enough to). */
int gemm_packed_worth(int64_t k, int64_t n);
/* Floats the packed B takes. */
size_t gemm_packed_floats(int64_t k, int64_t n);
/* Packs alpha * B, B given as k x n (trans 0) or n x k (trans 1), row
 * stride ld, into bp; the columns past n are zero. */
void gemm_pack(const float *b, int64_t k, int64_t n, int64_t ld, int trans, float alpha, float *bp);
/* c (m x n, row stride ldc) = a (m x k, row stride lda) * B [+ bias (n
 * values)] [+ c when acc is set], then Relu'd when relu is set. */
void gemm_packed_run(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *bp,
                     const float *bias, int acc, int relu, float *c, int64_t ldc);

/* For the tests: the number of kernel variants (instruction sets), whether
 * this CPU runs variant v, and gemm_packed_run forced onto it. */
int gemm_packed_variants(void);
int gemm_packed_variant_usable(int v);
void gemm_packed_run_variant(int v, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                             const float *bp, const float *bias, int acc, int relu, float *c,
                             int64_t ldc);

#endif
