/* Direct 2-D convolution (see conv_direct.h). The kernel is compiled once
 * per instruction set and chosen at run time: Debian builds for baseline
 * x86-64, and 512-bit registers are what make the sweep fast. */
#include "config.h"

#include "runtime/ops/conv_direct.h"

#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

/* Output channels per block: each input vector loaded feeds MB
 * accumulators. */
#define MB 8
/* The longest sweep step of any kernel (floats); sweeps are rounded up to
 * it and the planes carry that much zeroed slack. */
#define MAX_STEP 32
/* Pastes names inside the kernel template. */
#define KCAT(a, b) KCAT_(a, b)
#define KCAT_(a, b) a##b

typedef float v4f __attribute__((vector_size(16)));
typedef float v8f __attribute__((vector_size(32)));
typedef float v16f __attribute__((vector_size(64)));

/* The planes: one per (channel, row phase, column phase), each ph x pw. */
typedef struct layout {
  int64_t phases, ph, pw, plane, nq, ldo, taps;
} layout;

static inline int64_t round_up(int64_t v, int64_t to) {
  return (v + to - 1) / to * to;
}

static inline layout layout_of(const conv_direct *d) {
  layout l;
  l.phases = d->sh * d->sw;
  l.ph = d->oh + (d->kh - 1) * d->dh / d->sh;
  l.pw = d->ow + (d->kw - 1) * d->dw / d->sw;
  l.plane = l.ph * l.pw;
  /* Output q = oy * pw + ox: the sweep also computes the pw - ow columns
   * past each row's end, which are dropped. */
  l.nq = (d->oh - 1) * l.pw + d->ow;
  l.ldo = round_up(l.nq, MAX_STEP);
  l.taps = d->c * d->kh * d->kw;
  return l;
}

int conv_direct_worth(const conv_direct *d) {
  if (d->c < 1 || d->m < 1 || d->oh < 1 || d->ow < 1 || d->kh < 1 || d->kw < 1 || d->sh < 1 ||
      d->sw < 1 || d->sh > 4 || d->sw > 4 || d->dh < 1 || d->dw < 1 || d->dh > 64 || d->dw > 64)
    return 0;
  layout l = layout_of(d);
  /* Past a thousand taps per output the GEMM's cache blocking wins; the
   * planes are addressed with 32-bit offsets. */
  return l.taps <= 1152 && d->c * l.phases * l.plane < ((int64_t)1 << 28) &&
         l.ldo < ((int64_t)1 << 28);
}

static inline size_t packed_floats(const conv_direct *d) {
  return (size_t)(round_up(d->m, MB) * d->c * d->kh * d->kw);
}

size_t conv_direct_scratch(const conv_direct *d) {
  layout l = layout_of(d);
  return packed_floats(d) + (size_t)l.taps + (size_t)(d->c * l.phases * l.plane + MAX_STEP) +
         (size_t)(MB * l.ldo);
}

void conv_direct_pack(const conv_direct *d, const float *w, int flip, float *scratch) {
  const layout l = layout_of(d);
  const int64_t kk = d->kh * d->kw;
  memset(scratch, 0, packed_floats(d) * sizeof(float));
  for (int64_t m = 0; m < d->m; m++)
    for (int64_t c = 0; c < d->c; c++)
      for (int64_t k = 0; k < kk; k++) {
        float v = flip ? w[(c * d->m + m) * kk + (kk - 1 - k)] : w[(m * d->c + c) * kk + k];
        scratch[((m / MB * d->c + c) * kk + k) * MB + m % MB] = v;
      }
  /* Tap (c, ky, kx) reads plane (c, ky*dh mod sh, kx*dw mod sw) shifted by
   * (ky*dh div sh) rows and (kx*dw div sw) columns. */
  int32_t *off = (int32_t *)(scratch + packed_floats(d));
  for (int64_t c = 0, t = 0; c < d->c; c++)
    for (int64_t ky = 0; ky < d->kh; ky++)
      for (int64_t kx = 0; kx < d->kw; kx++, t++) {
        int64_t a = ky * d->dh % d->sh, u = ky * d->dh / d->sh;
        int64_t b = kx * d->dw % d->sw, v = kx * d->dw / d->sw;
        off[t] = (int32_t)(((c * d->sh + a) * d->sw + b) * l.plane + u * l.pw + v);
      }
}

/* Inlined into each kernel variant, to be compiled for its instruction set.
 * Plane (c, a, b) holds x(sh*i + a - pt, sw*j + b - pl), zero outside x. */
__attribute__((always_inline)) static inline void fill_planes(const conv_direct *d, const layout *l,
                                                              const float *x, float *planes) {
  memset(planes, 0, (size_t)(d->c * l->phases * l->plane + MAX_STEP) * sizeof(float));
  for (int64_t c = 0; c < d->c; c++)
    for (int64_t a = 0; a < d->sh; a++)
      for (int64_t b = 0; b < d->sw; b++) {
        float *p = planes + ((c * d->sh + a) * d->sw + b) * l->plane;
        /* Columns j whose source sw*j + b - pl lies in [0, w). */
        int64_t j0 = 0;
        while (j0 < l->pw && d->sw * j0 + b - d->pl < 0)
          j0++;
        for (int64_t i = 0; i < l->ph; i++) {
          int64_t si = d->sh * i + a - d->pt;
          if (si < 0 || si >= d->h)
            continue;
          const float *src = x + (c * d->h + si) * d->w;
          float *dst = p + i * l->pw;
          if (d->sw == 1) {
            int64_t s0 = j0 + b - d->pl, run = l->pw - j0;
            if (run > d->w - s0)
              run = d->w - s0;
            /* Rows are short: a loop the compiler vectorises beats a call. */
            for (int64_t j = 0; j < run; j++)
              dst[j0 + j] = src[s0 + j];
            continue;
          }
          int64_t s0 = d->sw * j0 + b - d->pl, run = l->pw - j0;
          if (run > (d->w - s0 + d->sw - 1) / d->sw)
            run = (d->w - s0 + d->sw - 1) / d->sw;
          if (d->sw == 2) /* a constant stride the compiler can shuffle */
            for (int64_t j = 0; j < run; j++)
              dst[j0 + j] = src[s0 + 2 * j];
          else
            for (int64_t j = 0; j < run; j++)
              dst[j0 + j] = src[s0 + d->sw * j];
        }
      }
}

/* Rows of the swept output block starting at channel m0 into y: the
 * columns past each row's end are dropped, the bias added, and Relu
 * applied or y accumulated into as the mode says. */
__attribute__((always_inline)) static inline void copy_out(const conv_direct *d, const layout *l,
                                                           const float *out, const float *bias,
                                                           int64_t m0, int mode, float *y) {
  int64_t mn = d->m - m0 < MB ? d->m - m0 : MB;
  for (int64_t j = 0; j < mn; j++) {
    float b0 = bias ? bias[m0 + j] : 0.0f;
    for (int64_t oy = 0; oy < d->oh; oy++) {
      const float *src = out + j * l->ldo + oy * l->pw;
      float *dst = y + ((m0 + j) * d->oh + oy) * d->ow;
      if (mode == CONV_DIRECT_ACCUMULATE)
        for (int64_t ox = 0; ox < d->ow; ox++)
          dst[ox] += src[ox] + b0;
      else if (mode == CONV_DIRECT_RELU)
        for (int64_t ox = 0; ox < d->ow; ox++) {
          float v = src[ox] + b0;
          dst[ox] = v > 0 ? v : 0.0f; /* as Relu does it: NaN becomes 0 */
        }
      else
        for (int64_t ox = 0; ox < d->ow; ox++)
          dst[ox] = src[ox] + b0;
    }
  }
}

typedef void (*kernel_fn)(const conv_direct *d, const float *x, const float *bias, int mode,
                          float *y, float *scratch);

#if defined(__x86_64__) && defined(__GNUC__)
#define KERNEL_NAME kernel_avx512
#define KERNEL_VEC v16f
#define KERNEL_VL 16
#define KERNEL_NV 2
#define KERNEL_TARGET __attribute__((target("avx512f,fma")))
#define KERNEL_FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define KERNEL_SPLAT(s) _mm512_set1_ps(s)
#include "runtime/ops/conv_direct_kernel.h"
#define KERNEL_NAME kernel_avx2
#define KERNEL_VEC v8f
#define KERNEL_VL 8
#define KERNEL_NV 1
#define KERNEL_TARGET __attribute__((target("avx2,fma")))
#define KERNEL_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define KERNEL_SPLAT(s) _mm256_set1_ps(s)
#include "runtime/ops/conv_direct_kernel.h"

static int usable_avx512(void) {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
}
static int usable_avx2(void) {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#endif
#define KERNEL_NAME kernel_generic
#define KERNEL_VEC v4f
#define KERNEL_VL 4
#define KERNEL_NV 2
#define KERNEL_TARGET
#define KERNEL_FMA(a, b, c) ((a) * (b) + (c))
#define KERNEL_SPLAT(s) ((v4f){s, s, s, s})
#include "runtime/ops/conv_direct_kernel.h"

static int usable_always(void) {
  return 1;
}

/* Best first: conv_direct_run takes the first this CPU can run. */
static const struct {
  int (*usable)(void);
  kernel_fn run;
} variants[] = {
#if defined(__x86_64__) && defined(__GNUC__)
    {usable_avx512, kernel_avx512},
    {usable_avx2, kernel_avx2},
#endif
    {usable_always, kernel_generic},
};
#define N_VARIANTS ((int)(sizeof variants / sizeof variants[0]))

void conv_direct_run(const conv_direct *d, const float *x, const float *bias, int mode, float *y,
                     float *scratch) {
  int v = 0;
  while (v < N_VARIANTS - 1 && !variants[v].usable())
    v++;
  variants[v].run(d, x, bias, mode, y, scratch);
}

int conv_direct_variants(void) {
  return N_VARIANTS;
}

int conv_direct_variant_usable(int v) {
  return v >= 0 && v < N_VARIANTS && variants[v].usable();
}

void conv_direct_run_variant(int v, const conv_direct *d, const float *x, const float *bias,
                             int mode, float *y, float *scratch) {
  variants[v].run(d, x, bias, mode, y, scratch);
}
