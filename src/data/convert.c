/* Conversion loops, one per dtype and byte order. */
#include "config.h"

#include "data/convert.h"

#include <float.h>
#include <math.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HOST_BIG 1
#else
#define HOST_BIG 0
#endif

static inline uint32_t ld32(const uint8_t *p, int swap) {
  uint32_t v;
  memcpy(&v, p, 4);
  return swap ? __builtin_bswap32(v) : v;
}

static inline uint64_t ld64(const uint8_t *p, int swap) {
  uint64_t v;
  memcpy(&v, p, 8);
  return swap ? __builtin_bswap64(v) : v;
}

static inline float f32_at(const uint8_t *p, int swap) {
  uint32_t u = ld32(p, swap);
  float f;
  memcpy(&f, &u, 4);
  return f;
}

static inline double f64_at(const uint8_t *p, int swap) {
  uint64_t u = ld64(p, swap);
  double d;
  memcpy(&d, &u, 8);
  return d;
}

static inline int32_t i32_at(const uint8_t *p, int swap) {
  return (int32_t)ld32(p, swap);
}

static inline int64_t i64_at(const uint8_t *p, int swap) {
  return (int64_t)ld64(p, swap);
}

/* The swap flag is hoisted out of each loop so both variants vectorise. */
#define CONVERT_LOOP(expr)                                                                         \
  do {                                                                                             \
    if (swap) {                                                                                    \
      for (size_t i = 0; i < n; i++)                                                               \
        dst[i] = expr(1);                                                                          \
    } else {                                                                                       \
      for (size_t i = 0; i < n; i++)                                                               \
        dst[i] = expr(0);                                                                          \
    }                                                                                              \
  } while (0)

void mg_convert_f32(const uint8_t *restrict src, mg_dtype dt, int big_endian, size_t n, float scale,
                    float *restrict dst) {
  int swap = big_endian != HOST_BIG;
  double dscale = scale;
  /* Products of u8 or f32 with a float are exact in double, so computing
   * them in float gives the same correctly rounded result, faster. Wider
   * integers and f64 are multiplied in double and rounded once. */
  switch (dt) {
  case MG_DTYPE_U8:
    for (size_t i = 0; i < n; i++)
      dst[i] = (float)src[i] * scale;
    break;
  case MG_DTYPE_F32:
#define E(s) (f32_at(src + 4 * i, s) * scale)
    CONVERT_LOOP(E);
#undef E
    break;
  case MG_DTYPE_I32:
#define E(s) ((float)((double)i32_at(src + 4 * i, s) * dscale))
    CONVERT_LOOP(E);
#undef E
    break;
  case MG_DTYPE_I64:
#define E(s) ((float)((double)i64_at(src + 8 * i, s) * dscale))
    CONVERT_LOOP(E);
#undef E
    break;
  case MG_DTYPE_F64:
#define E(s) ((float)(f64_at(src + 8 * i, s) * dscale))
    CONVERT_LOOP(E);
#undef E
    break;
  }
}

void mg_convert_labels(const uint8_t *restrict src, mg_dtype dt, int big_endian, size_t n,
                       int32_t *restrict dst) {
  int swap = big_endian != HOST_BIG;
  switch (dt) {
  case MG_DTYPE_U8:
    for (size_t i = 0; i < n; i++)
      dst[i] = src[i];
    break;
  case MG_DTYPE_I32:
#define E(s) (i32_at(src + 4 * i, s))
    CONVERT_LOOP(E);
#undef E
    break;
  case MG_DTYPE_I64:
#define E(s) ((int32_t)i64_at(src + 8 * i, s))
    CONVERT_LOOP(E);
#undef E
    break;
  case MG_DTYPE_F32:
#define E(s) ((int32_t)f32_at(src + 4 * i, s))
    CONVERT_LOOP(E);
#undef E
    break;
  case MG_DTYPE_F64:
#define E(s) ((int32_t)f64_at(src + 8 * i, s))
    CONVERT_LOOP(E);
#undef E
    break;
  }
}

/* Early exit at the first value that is NaN, infinite or beyond float32
 * (one comparison catches all three); the branch is almost never taken, so
 * the loop stays a straight min/max sweep. */
#define SCAN_LOOP(load)                                                                            \
  for (size_t i = 0; i < n; i++) {                                                                 \
    double v = load;                                                                               \
    if (!(fabs(v) <= FLT_MAX)) {                                                                   \
      *bad = i;                                                                                    \
      *value = v;                                                                                  \
      return 1;                                                                                    \
    }                                                                                              \
    l = v < l ? v : l;                                                                             \
    h = v > h ? v : h;                                                                             \
  }

int mg_scan_floats(const uint8_t *src, mg_dtype dt, int big_endian, size_t n, double *lo,
                   double *hi, size_t *bad, double *value) {
  int swap = big_endian != HOST_BIG;
  double l = INFINITY, h = -INFINITY;
  if (dt == MG_DTYPE_F32 && swap)
    SCAN_LOOP((double)f32_at(src + 4 * i, 1))
  else if (dt == MG_DTYPE_F32)
    SCAN_LOOP((double)f32_at(src + 4 * i, 0))
  else if (swap)
    SCAN_LOOP(f64_at(src + 8 * i, 1))
  else
    SCAN_LOOP(f64_at(src + 8 * i, 0))
  *lo = n ? l : 0;
  *hi = n ? h : 0;
  return 0;
}

mg_label_problem mg_labels_check(const uint8_t *src, mg_dtype dt, int big_endian, size_t n,
                                 int32_t *max, size_t *bad, double *value) {
  int swap = big_endian != HOST_BIG;
  int64_t m = 0;
  for (size_t i = 0; i < n; i++) {
    double v;
    switch (dt) {
    case MG_DTYPE_U8:
      v = src[i];
      break;
    case MG_DTYPE_I32:
      v = i32_at(src + 4 * i, swap);
      break;
    case MG_DTYPE_I64:
      v = (double)i64_at(src + 8 * i, swap);
      break;
    case MG_DTYPE_F32:
      v = f32_at(src + 4 * i, swap);
      break;
    default:
      v = f64_at(src + 8 * i, swap);
      break;
    }
    *bad = i;
    *value = v;
    if (!isfinite(v) || v != floor(v))
      return MG_LABEL_NOT_INTEGER;
    if (v < 0)
      return MG_LABEL_NEGATIVE;
    if (v > INT32_MAX)
      return MG_LABEL_TOO_LARGE;
    if ((int64_t)v > m)
      m = (int64_t)v;
  }
  *max = (int32_t)m;
  return MG_LABEL_OK;
}
