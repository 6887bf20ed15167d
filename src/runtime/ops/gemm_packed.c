/* Matrix products against a right-hand side packed at load (see
 * gemm_packed.h). The kernel is compiled once per instruction set and the
 * best usable one picked per call, as the direct convolution's is. */
#include "config.h"

#include "runtime/ops/gemm_packed.h"
#include "runtime/ops/simd.h"

#include <string.h>
#ifdef RT_SIMD_X86
#include <immintrin.h>
#endif

/* Packed weights up to this size are kept (a copy of the model's); the
 * kernel blocks k (GP_KC) so that what it sweeps stays in cache. Past it
 * OpenBLAS, which packs per call. A 9216-128 layer (PyTorch's MNIST
 * example, 4.5 MiB) had spent a third of that model's forward pass in
 * OpenBLAS, half of it packing the activations. */
#define GP_MAX_BYTES (32u << 20)
/* Floats of k per chunk: a block of B of GP_KC x 32 floats, 128 KiB. */
#define GP_KC 1024

static int64_t panels_of(int64_t n) {
  return (n + GP_PANEL - 1) / GP_PANEL;
}

int gemm_packed_worth(int64_t k, int64_t n) {
  return k >= 1 && n >= 1 && k <= ((int64_t)1 << 24) && n <= ((int64_t)1 << 24) &&
         (uint64_t)k * (uint64_t)panels_of(n) * GP_PANEL * sizeof(float) <= GP_MAX_BYTES;
}

size_t gemm_packed_floats(int64_t k, int64_t n) {
  return (size_t)(k * panels_of(n) * GP_PANEL);
}

void gemm_pack(const float *b, int64_t k, int64_t n, int64_t ld, int trans, float alpha,
               float *bp) {
  /* Panel j holds columns [16j, 16j + 16) as k rows of GP_PANEL floats. */
  for (int64_t j = 0; j < panels_of(n); j++)
    for (int64_t kk = 0; kk < k; kk++)
      for (int64_t l = 0; l < GP_PANEL; l++) {
        int64_t col = j * GP_PANEL + l;
        float v = col < n ? (trans ? b[col * ld + kk] : b[kk * ld + col]) : 0.0f;
        bp[(j * k + kk) * GP_PANEL + l] = alpha * v;
      }
}

typedef void (*kernel_fn)(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                          const float *bp, const float *bias, int acc, int relu, float *c,
                          int64_t ldc);

#ifdef RT_SIMD_X86
/* 8 rows x 2 panels: 16 of the 32 zmm registers accumulate. */
#define KERNEL_NAME kernel_avx512
#define KERNEL_VEC v16f
#define KERNEL_VL 16
#define KERNEL_MR 8
#define KERNEL_NP 2
#define KERNEL_TARGET RT_SIMD_AVX512
#define KERNEL_FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define KERNEL_SPLAT(s) _mm512_set1_ps(s)
#define KERNEL_RELU(v) _mm512_max_ps(v, _mm512_setzero_ps()) /* NaN: the second operand */
#include "runtime/ops/gemm_packed_kernel.h"
/* 6 rows x 1 panel (two ymm vectors): 12 of the 16 registers. */
#define KERNEL_NAME kernel_avx2
#define KERNEL_VEC v8f
#define KERNEL_VL 8
#define KERNEL_MR 6
#define KERNEL_NP 1
#define KERNEL_TARGET RT_SIMD_AVX2
#define KERNEL_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define KERNEL_SPLAT(s) _mm256_set1_ps(s)
#define KERNEL_RELU(v) _mm256_max_ps(v, _mm256_setzero_ps())
#include "runtime/ops/gemm_packed_kernel.h"
#endif
/* 3 rows x 1 panel (four xmm vectors): 12 of the 16 registers. */
#define KERNEL_NAME kernel_generic
#define KERNEL_VEC v4f
#define KERNEL_VL 4
#define KERNEL_MR 3
#define KERNEL_NP 1
#define KERNEL_TARGET
#define KERNEL_FMA(a, b, c) ((a) * (b) + (c))
#define KERNEL_SPLAT(s) ((v4f){s, s, s, s})
#define KERNEL_RELU(v) ((v4f)((v4si)(v) & ((v) > (v4f){0})))
#include "runtime/ops/gemm_packed_kernel.h"

static const kernel_fn variants[RT_SIMD_VARIANTS] = RT_SIMD_TABLE(kernel);

void gemm_packed_run(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *bp,
                     const float *bias, int acc, int relu, float *c, int64_t ldc) {
  int v = rt_simd_best();
  variants[v](m, n, k, a, lda, bp, bias, acc, relu, c, ldc);
}

int gemm_packed_variants(void) {
  return RT_SIMD_VARIANTS;
}

int gemm_packed_variant_usable(int v) {
  return v >= 0 && v < RT_SIMD_VARIANTS && rt_simd_usable(v);
}

void gemm_packed_run_variant(int v, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                             const float *bp, const float *bias, int acc, int relu, float *c,
                             int64_t ldc) {
  variants[v](m, n, k, a, lda, bp, bias, acc, relu, c, ldc);
}
