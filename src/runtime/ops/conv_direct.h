/* Direct 2-D convolution for one group: the small feature maps of the
 * classifiers vendors ship, where im2col's ninefold copy and the GEMM's
 * packing cost as much as the arithmetic. The input is copied once into
 * zero-padded planes (split into stride phases, so a strided convolution
 * becomes a stride-1 one over more planes); the output plane is then
 * computed as a 1-D sweep over flattened rows, several output channels at
 * once, each kernel tap a fixed offset into the planes. Also serves the
 * input gradient of a stride-1 convolution, which is the same kind of
 * convolution with the kernel flipped and its channel axes swapped. */
#ifndef MG_RT_CONV_DIRECT_H
#define MG_RT_CONV_DIRECT_H

#include <stddef.h>
#include <stdint.h>

typedef struct conv_direct {
  int64_t c, h, w;   /* input channels and size */
  int64_t m, kh, kw; /* output channels, kernel size */
  int64_t sh, sw;    /* strides */
  int64_t dh, dw;    /* dilations */
  int64_t pt, pl;    /* leading pads (either sign) */
  int64_t oh, ow;    /* output size */
} conv_direct;

/* Whether the direct kernel applies and is expected to beat im2col +
 * GEMM. */
int conv_direct_worth(const conv_direct *d);
/* Floats of scratch the calls below need. */
size_t conv_direct_scratch(const conv_direct *d);
/* Prepares scratch for any number of conv_direct_run calls on samples of
 * this geometry: packs the weights, w (m, c, kh, kw) or with flip set
 * (c, m, kh, kw) read rotated by 180 degrees as the input gradient needs,
 * each output channel's multiplied by scale[m] unless scale is NULL (a
 * BatchNormalization folded in), and zeroes the padding the samples are
 * copied into. */
void conv_direct_pack(const conv_direct *d, const float *w, int flip, const float *scale,
                      float *scratch);
/* One sample, x (c, h, w), y (m, oh, ow), scratch prepared as above:
 *   y = conv(x) + bias [+ z], then when relu is set rectified: Relu with
 *   slope 0 (NaN to 0), LeakyRelu with slope > 0,
 * with bias NULL or m values and z NULL or of y's shape. z may be y itself
 * (accumulation, as the input gradient needs); a z of another tensor is
 * the residual Add that follows a convolution, fused into it. */
void conv_direct_run(const conv_direct *d, const float *x, const float *bias, const float *z,
                     int relu, float slope, float *y, float *scratch);

/* For the tests: the number of kernel variants (instruction sets) and
 * whether this CPU runs variant v; conv_direct_run_variant is
 * conv_direct_run forced onto one of them. */
int conv_direct_variants(void);
int conv_direct_variant_usable(int v);
void conv_direct_run_variant(int v, const conv_direct *d, const float *x, const float *bias,
                             const float *z, int relu, float slope, float *y, float *scratch);

#endif
