/* One instance of the direct convolution's inner kernel, included by
 * conv_direct.c once per SIMD width (C has no templates). Define before
 * including:
 *   KERNEL_NAME    function name
 *   KERNEL_VEC     GCC vector type of KERNEL_VL floats
 *   KERNEL_VL      floats per vector
 *   KERNEL_NV      vectors per step (each weight load feeds all of them)
 *   KERNEL_MC      channels per step (optional, MB by default; a block of
 *                  MB channels then takes MB / KERNEL_MC steps)
 *   KERNEL_PIN(a)  optional: an empty asm that holds the accumulators
 *                  a[KERNEL_NV][KERNEL_MC] in registers each tap
 *   KERNEL_FMA     a * b + c on vectors: ISO C mode does not contract
 *                  a multiply and an add into one instruction
 *   KERNEL_SPLAT   a vector of one float (0 + s would cost an add: it
 *                  is not s when s is -0)
 *   KERNEL_VECI    the integer vector of the same size
 *   KERNEL_RELU    v > 0 ? v : 0 on a vector, NaN to 0
 *   KERNEL_TARGET  function attributes (the instruction set), may be empty
 * and optionally, for maps half a vector wide (two rows per vector):
 *   KERNEL_LOAD_HALVES(p, p2)      a vector of VL/2 floats at p, then at p2
 *   KERNEL_STORE_HALVES(p, p2, v)  the reverse
 * (a copy through memory when not defined), and, from conv_direct.c, the
 * helpers layout_of, packed_floats, fill_planes and copy_out.
 * The whole of conv_direct_run is instantiated, so that the copies in and
 * out are compiled for the same instruction set as the sweep. For each
 * block of MB output channels j and q in [0, nq):
 *   out[j][q] = sum over taps t of planes[off[t] + q] * wp[t][j]
 * where nq rounded up to a whole step stays inside the planes' slack. */

#ifndef KERNEL_MC
#define KERNEL_MC MB
#endif
#ifndef KERNEL_LOAD_HALVES
#define KERNEL_LOAD_HALVES(p, p2) KCAT(KERNEL_NAME, _load_halves)(p, p2)
#define KERNEL_STORE_HALVES(p, p2, v) KCAT(KERNEL_NAME, _store_halves)(p, p2, v)
KERNEL_TARGET __attribute__((always_inline)) static inline KERNEL_VEC
KCAT(KERNEL_NAME, _load_halves)(const float *p, const float *p2) {
  float t[KERNEL_VL];
  memcpy(t, p, sizeof t / 2);
  memcpy(t + KERNEL_VL / 2, p2, sizeof t / 2);
  KERNEL_VEC v;
  memcpy(&v, t, sizeof v);
  return v;
}
KERNEL_TARGET __attribute__((always_inline)) static inline void
KCAT(KERNEL_NAME, _store_halves)(float *p, float *p2, KERNEL_VEC v) {
  float t[KERNEL_VL];
  memcpy(t, &v, sizeof t);
  memcpy(p, t, sizeof t / 2);
  memcpy(p2, t + KERNEL_VL / 2, sizeof t / 2);
}
#endif

/* nv vectors of output positions, starting at qs[0..nv), for one block of
 * channels; with half set, each vector's upper half starts at qs[r] +
 * h2[r] instead (the next row, or the same one again past the last). The
 * results go to base + j * ld + ps[r] (upper halves + ps2[r]): raw, or
 * with direct set, finished as fb (at the block, base its y) says. */
KERNEL_TARGET __attribute__((always_inline)) static inline void
KCAT(KERNEL_NAME, _step)(const float *planes, const int32_t *off, int64_t taps, const float *wb,
                         const int64_t *qs, const int64_t *h2, float *base, int64_t ld,
                         const finish *fb, const int64_t *ps, const int64_t *ps2, const int nv,
                         const int half, const int direct, const int c0) {
  KERNEL_VEC acc[KERNEL_NV][KERNEL_MC];
#pragma GCC unroll 8
  for (int j = 0; j < KERNEL_MC; j++)
#pragma GCC unroll 4
    for (int r = 0; r < nv; r++)
      acc[r][j] = KERNEL_SPLAT(0.0f);
  const float *wt = wb;
  for (int64_t t = 0; t < taps; t++, wt += MB) {
    KERNEL_VEC xv[KERNEL_NV];
#pragma GCC unroll 4
    for (int r = 0; r < nv; r++)
      if (half)
        xv[r] = KERNEL_LOAD_HALVES(planes + off[t] + qs[r], planes + off[t] + qs[r] + h2[r]);
      else
        memcpy(&xv[r], planes + off[t] + qs[r], sizeof xv[r]);
#pragma GCC unroll 8
    for (int j = 0; j < KERNEL_MC; j++) {
      KERNEL_VEC s = KERNEL_SPLAT(wt[c0 + j]);
#pragma GCC unroll 4
      for (int r = 0; r < nv; r++)
        acc[r][j] = KERNEL_FMA(xv[r], s, acc[r][j]);
    }
#ifdef KERNEL_PIN
    if (nv == KERNEL_NV)
      KERNEL_PIN(acc);
#endif
  }
#pragma GCC unroll 8
  for (int j = 0; j < KERNEL_MC; j++) {
    const KERNEL_VEC b = KERNEL_SPLAT(direct && fb->bias ? fb->bias[c0 + j] : 0.0f);
#pragma GCC unroll 4
    for (int r = 0; r < nv; r++) {
      float *p = base + (c0 + j) * ld + ps[r];
      KERNEL_VEC v = acc[r][j];
      if (direct) {
        if (fb->bias)
          v += b;
        if (fb->z) {
          const float *zp = fb->z + (c0 + j) * ld + ps[r];
          KERNEL_VEC o;
          if (half)
            o = KERNEL_LOAD_HALVES(zp, zp + ps2[r]);
          else
            memcpy(&o, zp, sizeof o);
          v += o;
        }
        if (fb->relu && fb->slope == 0)
          v = KERNEL_RELU(v);
        else if (fb->relu) /* LeakyRelu: x > 0 ? x : slope * x */
          v = (KERNEL_VEC)(((KERNEL_VECI)v & (v > 0)) | ((KERNEL_VECI)(v * fb->slope) & ~(v > 0)));
      }
      if (half) /* with ps2[r] 0 both halves hold the same row */
        KERNEL_STORE_HALVES(p, p + ps2[r], v);
      else
        memcpy(p, &v, sizeof v);
    }
  }
}

KERNEL_TARGET static void KERNEL_NAME(const conv_direct *d, const float *x, const finish *f,
                                      float *scratch) {
  const layout l = layout_of(d);
  const float *wp = scratch;
  const int32_t *off = (const int32_t *)(scratch + packed_floats(d));
  float *planes = scratch + packed_floats(d) + l.taps;
  float *out = planes + l.span;
  fill_planes(d, &l, x, planes);
  /* Units of one vector of outputs: when rows are whole vectors, only the
   * rows (the padding columns are skipped); when they are half vectors,
   * two rows per vector; otherwise the flattened plane, computing and later
   * dropping the padding columns, or the compact one. */
  const int64_t per_row = !l.compact && d->ow % KERNEL_VL == 0 ? d->ow / KERNEL_VL : 0;
  const int half = !l.compact && !per_row && 2 * d->ow == KERNEL_VL;
  const int64_t units = per_row ? d->oh * per_row
                        : half  ? (d->oh + 1) / 2
                                : (l.nq + KERNEL_VL - 1) / KERNEL_VL;
  /* The units that are whole vectors of y: all in the row modes, all but
   * a last partial one in compact planes, none in a padded flattened one. */
  const int64_t whole = per_row || half ? units : l.compact ? l.nq / KERNEL_VL : 0;
  /* Unit k's first output position; a division per unit is nothing next
   * to the taps x MB multiply-adds it feeds. */
#define UNIT_AT(k)                                                                                 \
  (per_row ? (k) / per_row * l.pw + (k) % per_row * KERNEL_VL : half ? 2 * (k)*l.pw : (k)*KERNEL_VL)
  /* Whether a half-width unit has a second row; when not, its upper half
   * is the odd last row again. */
#define PAIRED(k) (2 * (k) + 1 < d->oh)
  for (int64_t m0 = 0; m0 < d->m; m0 += MB) {
    const float *wb = wp + m0 * l.taps;
    const int64_t hw = d->oh * d->ow;
    const finish fb = {f->y + m0 * hw, f->z ? f->z + m0 * hw : NULL, f->bias ? f->bias + m0 : NULL,
                       f->relu, f->slope};
    int64_t k = 0, qs[KERNEL_NV], h2[KERNEL_NV], ps[KERNEL_NV], ps2[KERNEL_NV];
    /* Unit k of the whole ones is y's k-th vector, so a whole block of
     * channels finishes them in registers and stores them straight to y
     * (direct); the rest go through out, which copy_out finishes, dropping
     * any padding columns. */
    for (int direct = m0 + MB <= d->m && whole > 0; direct >= 0; direct--) {
      float *base = direct ? fb.y : out;
      const int64_t ld = direct ? hw : l.ldo, end = direct ? whole : units;
#define PLACE(r, k)                                                                                \
  do {                                                                                             \
    qs[r] = UNIT_AT(k);                                                                            \
    h2[r] = PAIRED(k) ? l.pw : 0;                                                                  \
    ps[r] = direct ? (k)*KERNEL_VL : qs[r];                                                        \
    ps2[r] = direct ? (PAIRED(k) ? d->ow : 0) : h2[r];                                             \
  } while (0)
#define STEP(nv, half, direct)                                                                     \
  for (int c0 = 0; c0 < MB; c0 += KERNEL_MC)                                                       \
    KCAT(KERNEL_NAME, _step)                                                                       \
  (planes, off, l.taps, wb, qs, h2, base, ld, &fb, ps, ps2, nv, half, direct, c0)
      /* The modes as constants, so that each step is compiled for its own. */
#define STEP_AS_MODES(nv)                                                                          \
  do {                                                                                             \
    if (direct && half)                                                                            \
      STEP(nv, 1, 1);                                                                              \
    else if (direct)                                                                               \
      STEP(nv, 0, 1);                                                                              \
    else if (half)                                                                                 \
      STEP(nv, 1, 0);                                                                              \
    else                                                                                           \
      STEP(nv, 0, 0);                                                                              \
  } while (0)
      const int64_t from = k;
      for (; k + KERNEL_NV <= end; k += KERNEL_NV) {
        for (int r = 0; r < KERNEL_NV; r++)
          PLACE(r, k + r);
        STEP_AS_MODES(KERNEL_NV);
      }
      for (; k < end; k++) {
        PLACE(0, k);
        STEP_AS_MODES(1);
      }
      if (!direct && from < units)
        copy_out(d, &l, out, f, m0, from * KERNEL_VL);
    }
  }
#undef STEP_AS_MODES
#undef STEP
#undef PLACE
#undef PAIRED
#undef UNIT_AT
}

#undef KERNEL_NAME
#undef KERNEL_VEC
#undef KERNEL_VECI
#undef KERNEL_VL
#undef KERNEL_NV
#undef KERNEL_MC
#undef KERNEL_PIN
#undef KERNEL_TARGET
#undef KERNEL_FMA
#undef KERNEL_SPLAT
#undef KERNEL_RELU
#undef KERNEL_LOAD_HALVES
#undef KERNEL_STORE_HALVES
