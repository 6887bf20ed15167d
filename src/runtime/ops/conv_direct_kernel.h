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

/* nv vectors of output positions, starting at qs[0..nv), for one block of
 * channels. */
KERNEL_TARGET __attribute__((always_inline)) static inline void
KCAT(KERNEL_NAME, _step)(const float *planes, const int32_t *off, int64_t taps, const float *wb,
                         const int64_t *qs, int64_t ldo, float *out, const int nv) {
  KERNEL_VEC acc[KERNEL_NV][MB];
#pragma GCC unroll 8
  for (int j = 0; j < MB; j++)
#pragma GCC unroll 4
    for (int r = 0; r < nv; r++)
      acc[r][j] = KERNEL_SPLAT(0.0f);
  const float *wt = wb;
  for (int64_t t = 0; t < taps; t++, wt += MB) {
    KERNEL_VEC xv[KERNEL_NV];
#pragma GCC unroll 4
    for (int r = 0; r < nv; r++)
      memcpy(&xv[r], planes + off[t] + qs[r], sizeof xv[r]);
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
      memcpy(out + j * ldo + qs[r], &acc[r][j], sizeof acc[r][j]);
}

KERNEL_TARGET static void KERNEL_NAME(const conv_direct *d, const float *x, const float *bias,
                                      int mode, float *y, float *scratch) {
  const layout l = layout_of(d);
  const float *wp = scratch;
  const int32_t *off = (const int32_t *)(scratch + packed_floats(d));
  float *planes = scratch + packed_floats(d) + l.taps;
  float *out = planes + d->c * l.phases * l.plane + MAX_STEP;
  fill_planes(d, &l, x, planes);
  /* Units of one vector of outputs: when rows are whole vectors, only the
   * rows (the padding columns are skipped); otherwise the flattened plane,
   * computing and later dropping the padding columns. */
  const int64_t per_row = d->ow % KERNEL_VL == 0 ? d->ow / KERNEL_VL : 0;
  const int64_t units = per_row ? d->oh * per_row : (l.nq + KERNEL_VL - 1) / KERNEL_VL;
  /* Unit k's first output position; a division per unit is nothing next
   * to the taps x MB multiply-adds it feeds. */
#define UNIT_AT(k) (per_row ? (k) / per_row * l.pw + (k) % per_row * KERNEL_VL : (k)*KERNEL_VL)
  for (int64_t m0 = 0; m0 < d->m; m0 += MB) {
    const float *wb = wp + m0 * l.taps;
    int64_t k = 0, qs[KERNEL_NV];
    for (; k + KERNEL_NV <= units; k += KERNEL_NV) {
      for (int r = 0; r < KERNEL_NV; r++)
        qs[r] = UNIT_AT(k + r);
      KCAT(KERNEL_NAME, _step)(planes, off, l.taps, wb, qs, l.ldo, out, KERNEL_NV);
    }
    for (; k < units; k++) {
      qs[0] = UNIT_AT(k);
      KCAT(KERNEL_NAME, _step)(planes, off, l.taps, wb, qs, l.ldo, out, 1);
    }
    copy_out(d, &l, out, bias, m0, mode, y);
  }
#undef UNIT_AT
}

#undef KERNEL_NAME
#undef KERNEL_VEC
#undef KERNEL_VL
#undef KERNEL_NV
#undef KERNEL_TARGET
#undef KERNEL_FMA
#undef KERNEL_SPLAT
