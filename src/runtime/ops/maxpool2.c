/* MaxPool's 2x2 windows of stride 2 (see maxpool2.h). */
#include "config.h"

#include "runtime/ops/maxpool2.h"
#include "runtime/ops/simd.h"

#include <string.h>

/* m = v where the arg-max rule takes v, eight lanes at a time (a macro:
 * 8-lane vectors cannot be passed by value in the baseline ABI). */
#define MAX_TAKE8(m, v)                                                                            \
  do {                                                                                             \
    const v8f v_ = (v);                                                                            \
    const v8si take_ = ~(v_ <= (m)) & ((m) == (m));                                                \
    (m) = (v8f)((take_ & (v8si)v_) | (~take_ & (v8si)(m)));                                        \
  } while (0)

/* Eight outputs per step from 16 floats of each of the window's two rows,
 * in the arg-max rule's order (the upper row's left and right, then the
 * lower row's), compiled for each instruction set (simd.h). */
#define MAXPOOL2_ROW(NAME, TARGET)                                                                 \
  TARGET static void NAME(const float *r0, const float *r1, int64_t ow, int64_t avail, float *y) { \
    int64_t o = 0;                                                                                 \
    for (; o < ow && 2 * o + 16 <= avail; o += 8) {                                                \
      v16f a, b;                                                                                   \
      memcpy(&a, r0 + 2 * o, sizeof a);                                                            \
      memcpy(&b, r1 + 2 * o, sizeof b);                                                            \
      v8f m = __builtin_shufflevector(a, a, 0, 2, 4, 6, 8, 10, 12, 14);                            \
      MAX_TAKE8(m, __builtin_shufflevector(a, a, 1, 3, 5, 7, 9, 11, 13, 15));                      \
      MAX_TAKE8(m, __builtin_shufflevector(b, b, 0, 2, 4, 6, 8, 10, 12, 14));                      \
      MAX_TAKE8(m, __builtin_shufflevector(b, b, 1, 3, 5, 7, 9, 11, 13, 15));                      \
      if (ow - o >= 8) {                                                                           \
        memcpy(y + o, &m, sizeof m);                                                               \
      } else {                                                                                     \
        float t[8];                                                                                \
        memcpy(t, &m, sizeof t);                                                                   \
        memcpy(y + o, t, (size_t)(ow - o) * sizeof(float));                                        \
      }                                                                                            \
    }                                                                                              \
    for (; o < ow; o++) {                                                                          \
      const float w[4] = {r0[2 * o], r0[2 * o + 1], r1[2 * o], r1[2 * o + 1]};                     \
      float m = w[0];                                                                              \
      for (int i = 1; i < 4; i++)                                                                  \
        m = MAX_TAKES(w[i], m) ? w[i] : m;                                                         \
      y[o] = m;                                                                                    \
    }                                                                                              \
  }
#ifdef RT_SIMD_X86
MAXPOOL2_ROW(maxpool2_avx512, RT_SIMD_AVX512)
MAXPOOL2_ROW(maxpool2_avx2, RT_SIMD_AVX2)
#endif
MAXPOOL2_ROW(maxpool2_generic, )

typedef void (*row_fn)(const float *r0, const float *r1, int64_t ow, int64_t avail, float *y);
static const row_fn variants[RT_SIMD_VARIANTS] = RT_SIMD_TABLE(maxpool2);

int maxpool2_variants(void) {
  return RT_SIMD_VARIANTS;
}

int maxpool2_variant_usable(int v) {
  return v >= 0 && v < RT_SIMD_VARIANTS && rt_simd_usable(v);
}

void maxpool2_row_variant(int v, const float *r0, const float *r1, int64_t ow, int64_t avail,
                          float *y) {
  variants[v](r0, r1, ow, avail, y);
}
