/* One instance of the packed GEMM's kernel, included by gemm_packed.c once
 * per instruction set (C has no templates). Define before including:
 *   KERNEL_NAME    function name
 *   KERNEL_VEC     GCC vector type of KERNEL_VL floats
 *   KERNEL_VL      floats per vector (GP_PANEL / KERNEL_VL vectors a panel)
 *   KERNEL_MR      rows of A per block
 *   KERNEL_NP      panels per block: MR x NP x GP_PANEL / VL accumulators
 *                  stay in registers through the whole k loop
 *   KERNEL_FMA     a * b + c on vectors (ISO C mode does not contract)
 *   KERNEL_SPLAT   a vector of one float
 *   KERNEL_RELU    v > 0 ? v : 0 on a vector, NaN to 0
 *   KERNEL_TARGET  function attributes (the instruction set), may be empty
 * For each block, per k: the panels' vectors are loaded once and each
 * row's A value, broadcast, multiplies all of them. */

#define KERNEL_VPP (GP_PANEL / KERNEL_VL)

/* mr rows (from a) times np panels (from bp, ps floats apart) into c,
 * whose first cols columns exist; mr and np are constants where
 * inlined. */
KERNEL_TARGET __attribute__((always_inline)) static inline void
KCAT(KERNEL_NAME, _block)(int64_t k, const float *a, int64_t lda, const float *bp, int64_t ps,
                          const float *bias, int acc, int relu, float *c, int64_t ldc, int64_t cols,
                          const int mr, const int np) {
  KERNEL_VEC s[KERNEL_MR][KERNEL_NP * KERNEL_VPP];
#pragma GCC unroll 16
  for (int r = 0; r < mr; r++)
#pragma GCC unroll 8
    for (int q = 0; q < np * KERNEL_VPP; q++)
      s[r][q] = KERNEL_SPLAT(0.0f);
  for (int64_t kk = 0; kk < k; kk++) {
    KERNEL_VEC b[KERNEL_NP * KERNEL_VPP];
#pragma GCC unroll 8
    for (int q = 0; q < np * KERNEL_VPP; q++)
      memcpy(&b[q], bp + q / KERNEL_VPP * ps + kk * GP_PANEL + q % KERNEL_VPP * KERNEL_VL,
             sizeof b[q]);
#pragma GCC unroll 16
    for (int r = 0; r < mr; r++) {
      const KERNEL_VEC x = KERNEL_SPLAT(a[r * lda + kk]);
#pragma GCC unroll 8
      for (int q = 0; q < np * KERNEL_VPP; q++)
        s[r][q] = KERNEL_FMA(b[q], x, s[r][q]);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < mr; r++)
#pragma GCC unroll 8
    for (int q = 0; q < np * KERNEL_VPP; q++) {
      const int64_t at = (int64_t)q * KERNEL_VL;
      float *cr = c + r * ldc + at;
      KERNEL_VEC v = s[r][q], t;
      if (at + KERNEL_VL <= cols) {
        if (bias) {
          memcpy(&t, bias + at, sizeof t);
          v += t;
        }
        if (acc) {
          memcpy(&t, cr, sizeof t);
          v += t;
        }
        if (relu)
          v = KERNEL_RELU(v);
        memcpy(cr, &v, sizeof v);
      } else if (at < cols) { /* the last columns: no read or write past them */
                              /* Lanes taken out one at a time (constant indices, in registers):
                               * a copy of v to a float array here had made GCC 12 keep the AVX2
                               * instance's accumulators on the stack through the whole k loop,
                               * a load and a store around every multiply-add. */
#pragma GCC unroll 16
        for (int j = 0; j < KERNEL_VL; j++)
          if (j < cols - at) {
            float y = v[j] + (bias ? bias[at + j] : 0.0f) + (acc ? cr[j] : 0.0f);
            cr[j] = relu ? (y > 0 ? y : 0.0f) : y;
          }
      }
    }
}

KERNEL_TARGET static void KERNEL_NAME(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                                      const float *bp, const float *bias, int acc, int relu,
                                      float *c, int64_t ldc) {
  const int64_t panels = (n + GP_PANEL - 1) / GP_PANEL, ps = k * GP_PANEL;
  /* k in equal chunks of at most GP_KC: each chunk's block of B (kc x NP
   * panels) stays in L2 while the rows of A pass it, and the rows' kc
   * floats of A stay there while the panels pass them. The first chunk
   * adds the bias (and c when acc is set), the others add to c, the last
   * rectifies. */
  const int64_t chunks = (k + GP_KC - 1) / GP_KC, kc = (k + chunks - 1) / chunks;
  for (int64_t k0 = 0; k0 < k; k0 += kc) {
    const int64_t kn = k - k0 < kc ? k - k0 : kc;
    const int first = k0 == 0, last = k0 + kn == k;
    const float *ak = a + k0;
    for (int64_t j = 0; j < panels; j += KERNEL_NP) {
      const int64_t col = j * GP_PANEL, cols = n - col;
      const float *bj = bp + j * ps + k0 * GP_PANEL, *bb = bias && first ? bias + col : NULL;
      const int ac = first ? acc : 1, re = last && relu;
      int64_t i = 0;
#define BLOCK(MR, NP)                                                                              \
  KCAT(KERNEL_NAME, _block)                                                                        \
  (kn, ak + i * lda, lda, bj, ps, bb, ac, re, c + i * ldc + col, ldc, cols, MR, NP)
      /* The rows past the last whole block in blocks of 4, 2 and 1 (each
       * below MR; 1 otherwise, never run): the threads' chunks are a few
       * dozen rows, and one row at a time, 2 loads for 2 multiply-adds
       * with AVX2, had made a 9216-128 layer take a quarter of the
       * forward pass. */
#define TAIL(NP)                                                                                   \
  do {                                                                                             \
    if (KERNEL_MR > 4 && m - i >= 4) {                                                             \
      BLOCK(KERNEL_MR > 4 ? 4 : 1, NP);                                                            \
      i += 4;                                                                                      \
    }                                                                                              \
    if (KERNEL_MR > 2 && m - i >= 2) {                                                             \
      BLOCK(KERNEL_MR > 2 ? 2 : 1, NP);                                                            \
      i += 2;                                                                                      \
    }                                                                                              \
    for (; i < m; i++)                                                                             \
      BLOCK(1, NP);                                                                                \
  } while (0)
      if (panels - j >= KERNEL_NP) {
        for (; i + KERNEL_MR <= m; i += KERNEL_MR)
          BLOCK(KERNEL_MR, KERNEL_NP);
        TAIL(KERNEL_NP);
      } else { /* one panel left over */
        for (; i + KERNEL_MR <= m; i += KERNEL_MR)
          BLOCK(KERNEL_MR, 1);
        TAIL(1);
      }
#undef TAIL
#undef BLOCK
    }
  }
}

#undef KERNEL_VPP
#undef KERNEL_NAME
#undef KERNEL_VEC
#undef KERNEL_VL
#undef KERNEL_MR
#undef KERNEL_NP
#undef KERNEL_TARGET
#undef KERNEL_FMA
#undef KERNEL_SPLAT
#undef KERNEL_RELU
