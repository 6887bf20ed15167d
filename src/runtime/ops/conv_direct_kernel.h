/* One instance of the direct convolution's inner kernel, included by
 * conv_direct.c once per SIMD width (C has no templates). Define before
 * including:
 *   KERNEL_NAME    function name
 *   KERNEL_VEC     GCC vector type of KERNEL_VL floats
 *   KERNEL_VL      floats per vector
 *   KERNEL_NV      vectors per step (each weight load feeds all of them)
 *   KERNEL_FMA     a * b + c on vectors: ISO C mode does not contract
 *                  a multiply and an add into one instruction
 *   KERNEL_SPLAT   a vector of one float (0 + s would cost an add: it
 *                  is not s when s is -0)
 * and, from conv_direct.c, the helpers layout_of, packed_floats,
 * fill_planes and copy_out.
 *   KERNEL_TARGET  function attributes (the instruction set), may be empty
 * The whole of conv_direct_run is instantiated, so that the copies in and
 * out are compiled for the same instruction set as the sweep. For each
 * block of MB output channels j and q in [0, nq):
 *   out[j][q] = sum over taps t of planes[off[t] + q] * wp[t][j]
 * where nq rounded up to a whole step stays inside the planes' slack. */

/* nv vectors of output positions, at q, q + delta, ..., for one block of
 * channels. */
KERNEL_TARGET __attribute__((always_inline)) static inline void
KCAT(KERNEL_NAME, _step)(const float *planes, const int32_t *off, int64_t taps, const float *wb,
                         int64_t q, int64_t delta, int64_t ldo, float *out, const int nv) {
  KERNEL_VEC acc[KERNEL_NV][MB];
#pragma GCC unroll 8
  for (int j = 0; j < MB; j++)
#pragma GCC unroll 4
    for (int r = 0; r < nv; r++)
      acc[r][j] = KERNEL_SPLAT(0.0f);
  const float *base = planes + q, *wt = wb;
  for (int64_t t = 0; t < taps; t++, wt += MB) {
    KERNEL_VEC xv[KERNEL_NV];
#pragma GCC unroll 4
    for (int r = 0; r < nv; r++)
      memcpy(&xv[r], base + off[t] + r * delta, sizeof xv[r]);
#pragma GCC unroll 8
    for (int j = 0; j < MB; j++) {
      KERNEL_VEC s = KERNEL_SPLAT(wt[j]);
#pragma GCC unroll 4
      for (int r = 0; r < nv; r++)
        acc[r][j] = KERNEL_FMA(xv[r], s, acc[r][j]);
    }
  }
#pragma GCC unroll 8
  for (int j = 0; j < MB; j++)
#pragma GCC unroll 4
    for (int r = 0; r < nv; r++)
      memcpy(out + j * ldo + q + r * delta, &acc[r][j], sizeof acc[r][j]);
}

KERNEL_TARGET static void KERNEL_NAME(const conv_direct *d, const float *x, const float *bias,
                                      int accumulate, float *y, float *scratch) {
  const layout l = layout_of(d);
  const float *wp = scratch;
  const int32_t *off = (const int32_t *)(scratch + packed_floats(d));
  float *planes = scratch + packed_floats(d) + l.taps;
  float *out = planes + d->c * l.phases * l.plane + MAX_STEP;
  fill_planes(d, &l, x, planes);
  for (int64_t m0 = 0; m0 < d->m; m0 += MB) {
    const float *wb = wp + m0 * l.taps;
    if (d->ow % KERNEL_VL == 0) {
      /* Rows of whole vectors: sweep only them, skipping the padding
       * columns, KERNEL_NV row vectors per step. */
      const int64_t per_row = d->ow / KERNEL_VL, units = d->oh * per_row;
      int64_t k = 0;
      for (; k + KERNEL_NV <= units; k += KERNEL_NV) {
        int64_t q0 = k / per_row * l.pw + k % per_row * KERNEL_VL;
        int64_t q1 = (k + 1) / per_row * l.pw + (k + 1) % per_row * KERNEL_VL;
        KCAT(KERNEL_NAME, _step)(planes, off, l.taps, wb, q0, q1 - q0, l.ldo, out, KERNEL_NV);
      }
      for (; k < units; k++)
        KCAT(KERNEL_NAME, _step)
      (planes, off, l.taps, wb, k / per_row * l.pw + k % per_row * KERNEL_VL, 0, l.ldo, out, 1);
    } else {
      /* The flattened plane: whole steps, then single vectors. */
      int64_t q = 0;
      for (; q + KERNEL_VL * KERNEL_NV <= l.nq; q += KERNEL_VL * KERNEL_NV)
        KCAT(KERNEL_NAME, _step)(planes, off, l.taps, wb, q, KERNEL_VL, l.ldo, out, KERNEL_NV);
      for (; q < l.nq; q += KERNEL_VL)
        KCAT(KERNEL_NAME, _step)(planes, off, l.taps, wb, q, 0, l.ldo, out, 1);
    }
    copy_out(d, &l, out, bias, m0, accumulate, y);
  }
}

#undef KERNEL_NAME
#undef KERNEL_VEC
#undef KERNEL_VL
#undef KERNEL_NV
#undef KERNEL_TARGET
#undef KERNEL_FMA
#undef KERNEL_SPLAT
