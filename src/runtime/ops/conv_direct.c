/* Direct 2-D convolution (see conv_direct.h). The kernel is compiled once
 * per instruction set and chosen at run time: Debian builds for baseline
 * x86-64, and 512-bit registers are what make the sweep fast. */
#include "config.h"

#include "runtime/ops/conv_direct.h"
#include "runtime/ops/simd.h"

#include <string.h>
#ifdef RT_SIMD_X86
#include <immintrin.h>
#endif

/* Output channels per block: each input vector loaded feeds MB
 * accumulators. */
#define MB 8
/* The longest sweep step of any kernel (floats); sweeps are rounded up to
 * it and the planes carry that much zeroed slack. */
#define MAX_STEP 32
/* The planes the sweep reads, span floats in all with its slack: either
 * one per (channel, row phase, column phase), each ph x pw, holding the
 * sample with its padding (output position q = oy * pw + ox, computing
 * the pw - ow columns past each row's end, which are dropped); or, when
 * compact, one per (channel, row phase, kernel column), each ph x ow,
 * the columns that kernel column reads for each output column (q = oy *
 * ow + ox, every position an output). */
typedef struct layout {
  int compact;
  int64_t planes, ph, pw, pitch, plane, span, nq, ldo, taps;
} layout;

static inline int64_t round_up(int64_t v, int64_t to) {
  return (v + to - 1) / to * to;
}

static inline layout layout_of(const conv_direct *d) {
  layout l;
  /* Rows of 8 or a multiple of 16 are swept row by row (conv_direct_kernel.h);
   * the others, 28, 14 and 7 wide in the classifiers vendors ship, would
   * waste the padding columns' lanes in a padded plane (1 in 8 at 14) and
   * go through a copy-out, which at few taps (a first layer) costs as
   * much as the sweep. Compact planes cost kw copies of the sample. */
  l.compact = d->ow % 16 != 0 && d->ow != 8;
  l.ph = d->oh + (d->kh - 1) * d->dh / d->sh;
  l.pw = d->ow + (d->kw - 1) * d->dw / d->sw;
  l.pitch = l.compact ? d->ow : l.pw;
  l.planes = d->c * d->sh * (l.compact ? d->kw : d->sw);
  l.plane = l.ph * l.pitch;
  l.span = l.planes * l.plane + MAX_STEP;
  l.nq = (d->oh - 1) * l.pitch + d->ow;
  l.ldo = round_up(l.nq, MAX_STEP);
  l.taps = d->c * d->kh * d->kw;
  return l;
}

int conv_direct_worth(const conv_direct *d) {
  if (d->c < 1 || d->m < 1 || d->oh < 1 || d->ow < 1 || d->kh < 1 || d->kw < 1 || d->sh < 1 ||
      d->sw < 1 || d->sh > 4 || d->sw > 4 || d->dh < 1 || d->dw < 1 || d->dh > 64 || d->dw > 64)
    return 0;
  layout l = layout_of(d);
  /* A block's weights (taps x MB floats, 100 KiB at the bound) stay in
   * L2; 64 channels of 5x5 (1,600 taps) had gone to im2col, which took
   * a third of that layer's time copying. The planes are addressed with
   * 32-bit offsets. */
  return l.taps <= 3200 && l.planes * l.plane < ((int64_t)1 << 28) && l.ldo < ((int64_t)1 << 28);
}

static inline size_t packed_floats(const conv_direct *d) {
  return (size_t)(round_up(d->m, MB) * d->c * d->kh * d->kw);
}

size_t conv_direct_scratch(const conv_direct *d) {
  layout l = layout_of(d);
  return packed_floats(d) + (size_t)l.taps + (size_t)l.span + (size_t)(MB * l.ldo);
}

void conv_direct_pack(const conv_direct *d, const float *w, int flip, const float *scale,
                      float *scratch) {
  const layout l = layout_of(d);
  const int64_t kk = d->kh * d->kw;
  memset(scratch, 0, packed_floats(d) * sizeof(float));
  for (int64_t m = 0; m < d->m; m++)
    for (int64_t c = 0; c < d->c; c++)
      for (int64_t k = 0; k < kk; k++) {
        float v = flip ? w[(c * d->m + m) * kk + (kk - 1 - k)] : w[(m * d->c + c) * kk + k];
        scratch[((m / MB * d->c + c) * kk + k) * MB + m % MB] = scale ? v * scale[m] : v;
      }
  /* Tap (c, ky, kx) reads plane (c, ky*dh mod sh, kx*dw mod sw) shifted by
   * (ky*dh div sh) rows and (kx*dw div sw) columns, or compact plane (c,
   * ky*dh mod sh, kx) shifted by the rows alone. */
  int32_t *off = (int32_t *)(scratch + packed_floats(d));
  for (int64_t c = 0, t = 0; c < d->c; c++)
    for (int64_t ky = 0; ky < d->kh; ky++)
      for (int64_t kx = 0; kx < d->kw; kx++, t++) {
        int64_t a = ky * d->dh % d->sh, u = ky * d->dh / d->sh;
        int64_t b = kx * d->dw % d->sw, v = kx * d->dw / d->sw;
        off[t] = (int32_t)(l.compact ? ((c * d->sh + a) * d->kw + kx) * l.plane + u * l.pitch
                                     : ((c * d->sh + a) * d->sw + b) * l.plane + u * l.pw + v);
      }
  /* The planes' zero padding and slack, once for all the samples that
   * follow: a sample writes only the cells inside x (fill_planes). */
  memset(scratch + packed_floats(d) + l.taps, 0, (size_t)l.span * sizeof(float));
}

/* Rows are a few dozen floats: vectors of 8 and then singles beat a call
 * to memcpy, and the same code serves every instruction set. */
__attribute__((always_inline)) static inline void copy_row(float *dst, const float *src,
                                                           int64_t n) {
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    v8f t;
    memcpy(&t, src + j, sizeof t);
    memcpy(dst + j, &t, sizeof t);
  }
  for (; j < n; j++)
    dst[j] = src[j];
}

/* dst[j] = src[2j] for j < n. A vector step reads one float past the
 * last it keeps, so it runs only while that float is among the avail
 * floats readable from src (to the end of the sample). */
__attribute__((always_inline)) static inline void copy_row_stride2(float *dst, const float *src,
                                                                   int64_t n, int64_t avail) {
  int64_t j = 0;
  for (; j + 8 <= n && 2 * j + 16 <= avail; j += 8) {
    v16f t;
    memcpy(&t, src + 2 * j, sizeof t);
    v8f e = __builtin_shufflevector(t, t, 0, 2, 4, 6, 8, 10, 12, 14);
    memcpy(dst + j, &e, sizeof e);
  }
  for (; j < n; j++)
    dst[j] = src[2 * j];
}

/* Whether some tap reads phase a of stride s (k taps dilated by dil): a
 * 1x1 convolution of stride 2 reads one phase in four. */
static inline int phase_read(int64_t k, int64_t dil, int64_t s, int64_t a) {
  for (int64_t t = 0; t < k && t < s; t++)
    if (t * dil % s == a)
      return 1;
  return 0;
}

/* The i in [0, n) with s*i + o in [0, lim), as [*lo, *hi). */
static inline void inside(int64_t n, int64_t s, int64_t o, int64_t lim, int64_t *lo, int64_t *hi) {
  int64_t i0 = 0, i1 = n;
  while (i0 < i1 && s * i0 + o < 0)
    i0++;
  while (i1 > i0 && s * (i1 - 1) + o >= lim)
    i1--;
  *lo = i0;
  *hi = i1;
}

/* Inlined into each kernel variant, to be compiled for its instruction set.
 * Plane (c, a, b) holds x(sh*i + a - pt, sw*j + b - pl), compact plane
 * (c, a, kx) x(sh*i + a - pt, sw*j + kx*dw - pl), zero outside x: only
 * the cells inside x are written, the same ones for every sample, so the
 * zeros around them, set by conv_direct_pack, stay. */
__attribute__((always_inline)) static inline void fill_planes(const conv_direct *d, const layout *l,
                                                              const float *x, float *planes) {
  const int64_t hw = d->h * d->w;
  /* Columns: phases of the stride, or kernel columns when compact. */
  const int64_t nb = l->compact ? d->kw : d->sw;
  for (int64_t a = 0; a < d->sh; a++) {
    if (!phase_read(d->kh, d->dh, d->sh, a))
      continue;
    int64_t i0, i1; /* rows whose source row sh*i + a - pt is in x */
    inside(l->ph, d->sh, a - d->pt, d->h, &i0, &i1);
    for (int64_t b = 0; b < nb; b++) {
      if (!l->compact && !phase_read(d->kw, d->dw, d->sw, b))
        continue;
      const int64_t o = (l->compact ? b * d->dw : b) - d->pl;
      int64_t j0, j1; /* likewise columns */
      inside(l->pitch, d->sw, o, d->w, &j0, &j1);
      if (i0 == i1 || j0 == j1)
        continue;
      const int64_t run = j1 - j0, s0 = d->sw * j0 + o;
      for (int64_t c = 0; c < d->c; c++) {
        float *p = planes + ((c * d->sh + a) * nb + b) * l->plane + j0;
        const float *src = x + c * hw + s0;
        for (int64_t i = i0; i < i1; i++) {
          int64_t si = d->sh * i + a - d->pt;
          if (d->sw == 1)
            copy_row(p + i * l->pitch, src + si * d->w, run);
          else if (d->sw == 2)
            copy_row_stride2(p + i * l->pitch, src + si * d->w, run,
                             (d->c - c) * hw - si * d->w - s0);
          else
            for (int64_t j = 0; j < run; j++)
              p[i * l->pitch + j] = src[si * d->w + d->sw * j];
        }
      }
    }
  }
}

/* What is done with a block's sums r: y = r + bias [+ z], rectified when
 * relu is set (Relu with slope 0, else LeakyRelu). Either the kernel's
 * sweep does it in registers and stores straight to y, or it leaves r in
 * out for copy_out. */
typedef struct finish {
  float *y;          /* the block's first channel */
  const float *z;    /* likewise, or NULL */
  const float *bias; /* the block's, or NULL */
  int relu;
  float slope;
} finish;

/* One row of n outputs: y = src + b0 [+ z], rectified when relu is set.
 * Callers pass z and relu as constants (copy_out), so that the loops test
 * neither: GCC turns a tail's `if (z) r += z[j]` into a masked load,
 * which with z NULL costs a fault assist per row, and had made 28-wide
 * maps four times slower than 26-wide ones. */
__attribute__((always_inline)) static inline void
out_row(float *y, const float *z, const float *src, int64_t n, float b0, int relu, float slope) {
  int64_t j = 0;
  /* Vectors of 16, 8 and 4 floats, then singles: rows are 7 to 32 wide
   * and as many as the output has rows and channels. */
#define OUT_STEP(V, VI, L)                                                                         \
  for (; j + (L) <= n; j += (L)) {                                                                 \
    V r, t;                                                                                        \
    memcpy(&r, src + j, sizeof r);                                                                 \
    r += b0;                                                                                       \
    if (z) {                                                                                       \
      memcpy(&t, z + j, sizeof t);                                                                 \
      r += t;                                                                                      \
    }                                                                                              \
    if (relu && slope == 0) /* as Relu does it: NaN > 0 is false, so NaN becomes 0 */              \
      r = (V)((VI)r & (r > 0));                                                                    \
    else if (relu) /* as LeakyRelu: x > 0 ? x : slope * x */                                       \
      r = (V)(((VI)r & (r > 0)) | ((VI)(r * slope) & ~(r > 0)));                                   \
    memcpy(y + j, &r, sizeof r);                                                                   \
  }
  OUT_STEP(v16f, v16si, 16)
  OUT_STEP(v8f, v8si, 8)
  OUT_STEP(v4f, v4si, 4)
#undef OUT_STEP
  for (; j < n; j++) {
    float r = src[j] + b0;
    if (z)
      r += z[j];
    y[j] = relu ? (r > 0 ? r : slope == 0 ? 0.0f : slope * r) : r;
  }
}

/* The outputs of one channel from position q0 on, z and relu constants
 * in each call below: compact positions are y's, so one run; otherwise
 * rows (q0 is 0), whose padding columns are dropped. */
__attribute__((always_inline)) static inline void out_rows(const conv_direct *d, const layout *l,
                                                           float *y, const float *z,
                                                           const float *src, float b0, int relu,
                                                           float slope, int64_t q0) {
  if (l->compact) {
    out_row(y + q0, z ? z + q0 : NULL, src + q0, l->nq - q0, b0, relu, slope);
    return;
  }
  for (int64_t oy = 0; oy < d->oh; oy++)
    out_row(y + oy * d->ow, z ? z + oy * d->ow : NULL, src + oy * l->pw, d->ow, b0, relu, slope);
}

/* The swept output block starting at channel m0, from out to y, from
 * position q0 on, finished as f says (f at channel 0). */
__attribute__((always_inline)) static inline void copy_out(const conv_direct *d, const layout *l,
                                                           const float *out, const finish *f,
                                                           int64_t m0, int64_t q0) {
  const int64_t mn = d->m - m0 < MB ? d->m - m0 : MB, hw = d->oh * d->ow;
  for (int64_t j = 0; j < mn; j++) {
    float b0 = f->bias ? f->bias[m0 + j] : 0.0f;
    const float *src = out + j * l->ldo;
    float *y = f->y + (m0 + j) * hw;
    const float *z = f->z ? f->z + (m0 + j) * hw : NULL;
    if (z && f->relu)
      out_rows(d, l, y, z, src, b0, 1, f->slope, q0);
    else if (z)
      out_rows(d, l, y, z, src, b0, 0, f->slope, q0);
    else if (f->relu)
      out_rows(d, l, y, NULL, src, b0, 1, f->slope, q0);
    else
      out_rows(d, l, y, NULL, src, b0, 0, f->slope, q0);
  }
}

typedef void (*kernel_fn)(const conv_direct *d, const float *x, const finish *f, float *scratch);

#ifdef RT_SIMD_X86
#define KERNEL_NAME kernel_avx512
#define KERNEL_VEC v16f
#define KERNEL_VECI v16si
#define KERNEL_VL 16
#define KERNEL_NV 2
#define KERNEL_TARGET RT_SIMD_AVX512
#define KERNEL_FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define KERNEL_SPLAT(s) _mm512_set1_ps(s)
/* MAXPS returns its second operand when either is NaN. */
#define KERNEL_RELU(v) _mm512_max_ps(v, _mm512_setzero_ps())
/* 256-bit halves through the AVX-512F 64-bit lane forms (the 32-bit ones
 * need AVX-512DQ). */
#define KERNEL_LOAD_HALVES(p, p2)                                                                  \
  _mm512_castpd_ps(                                                                                \
      _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(_mm256_loadu_ps(p))),             \
                         _mm256_castps_pd(_mm256_loadu_ps(p2)), 1))
#define KERNEL_STORE_HALVES(p, p2, v)                                                              \
  (_mm256_storeu_ps(p, _mm512_castps512_ps256(v)),                                                 \
   _mm256_storeu_ps(p2, _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))))
#include "runtime/ops/conv_direct_kernel.h"
/* 3 vectors x 4 channels: 12 accumulators, 7 loads for 12 multiply-adds.
 * The 1 x 8 it replaced had 8 chains of multiply-adds, as many as two
 * FMA units with a latency of 4 keep busy with nothing to spare, and 9
 * loads for 8. GCC 12 left one of the 12 on the stack (16 registers
 * with the 3 inputs and the weight), a store and a load in its chain
 * each tap, slower than 1 x 8 (as a 3 x 4 tried in session 5 was):
 * KERNEL_PIN keeps them all in registers. */
#define KERNEL_NAME kernel_avx2
#define KERNEL_VEC v8f
#define KERNEL_VECI v8si
#define KERNEL_VL 8
#define KERNEL_NV 3
#define KERNEL_MC 4
#define KERNEL_PIN(a)                                                                              \
  __asm__(""                                                                                       \
          : "+x"(a[0][0]), "+x"(a[0][1]), "+x"(a[0][2]), "+x"(a[0][3]), "+x"(a[1][0]),             \
            "+x"(a[1][1]), "+x"(a[1][2]), "+x"(a[1][3]), "+x"(a[2][0]), "+x"(a[2][1]),             \
            "+x"(a[2][2]), "+x"(a[2][3]))
#define KERNEL_TARGET RT_SIMD_AVX2
#define KERNEL_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define KERNEL_SPLAT(s) _mm256_set1_ps(s)
#define KERNEL_RELU(v) _mm256_max_ps(v, _mm256_setzero_ps())
#define KERNEL_LOAD_HALVES(p, p2) _mm256_loadu2_m128(p2, p)
#define KERNEL_STORE_HALVES(p, p2, v) _mm256_storeu2_m128(p2, p, v)
#include "runtime/ops/conv_direct_kernel.h"

#endif
#define KERNEL_NAME kernel_generic
#define KERNEL_VEC v4f
#define KERNEL_VECI v4si
#define KERNEL_VL 4
#define KERNEL_NV 2
#define KERNEL_TARGET
#define KERNEL_FMA(a, b, c) ((a) * (b) + (c))
#define KERNEL_SPLAT(s) ((v4f){s, s, s, s})
#define KERNEL_RELU(v) ((v4f)((v4si)(v) & ((v) > (v4f){0})))
#include "runtime/ops/conv_direct_kernel.h"

static const kernel_fn variants[RT_SIMD_VARIANTS] = RT_SIMD_TABLE(kernel);

void conv_direct_run(const conv_direct *d, const float *x, const float *bias, const float *z,
                     int relu, float slope, float *y, float *scratch) {
  int v = rt_simd_best();
  conv_direct_run_variant(v, d, x, bias, z, relu, slope, y, scratch);
}

int conv_direct_variants(void) {
  return RT_SIMD_VARIANTS;
}

int conv_direct_variant_usable(int v) {
  return v >= 0 && v < RT_SIMD_VARIANTS && rt_simd_usable(v);
}

void conv_direct_run_variant(int v, const conv_direct *d, const float *x, const float *bias,
                             const float *z, int relu, float slope, float *y, float *scratch) {
  const finish f = {y, z, bias, relu, slope};
  variants[v](d, x, &f, scratch);
}
