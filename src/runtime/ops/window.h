/* Sliding-window geometry shared by Conv and the pooling ops: kernel,
 * strides, dilations, pads and auto_pad, for 1 to 3 spatial axes stored
 * right-aligned in 3 slots (unused leading slots are size 1). */
#ifndef MG_RT_WINDOW_H
#define MG_RT_WINDOW_H

#include "runtime/rt_internal.h"

#define RT_WIN_MAX 3

typedef struct rt_win_attrs {
  int auto_pad; /* 0 NOTSET, 1 SAME_UPPER, 2 SAME_LOWER, 3 VALID */
  int ceil_mode;
  size_t n_kernel, n_strides, n_dil, n_pads;
  int64_t kernel[RT_WIN_MAX], strides[RT_WIN_MAX], dil[RT_WIN_MAX], pads[2 * RT_WIN_MAX];
} rt_win_attrs;

typedef struct rt_win {
  uint32_t nsp;
  int64_t in[RT_WIN_MAX], out[RT_WIN_MAX], k[RT_WIN_MAX], s[RT_WIN_MAX], dil[RT_WIN_MAX],
      pb[RT_WIN_MAX], pe[RT_WIN_MAX];
  int64_t in_size, out_size, k_size; /* products */
} rt_win;

/* Reads kernel_shape/strides/dilations/pads/auto_pad(/ceil_mode). */
int rt_win_parse(const rt_node *n, int pool, rt_win_attrs *a, mg_err *err);
/* Geometry for input x (N, C, spatial...) and kernel dims (NULL: from the
 * attributes). */
int rt_win_geometry(const rt_node *n, const rt_win_attrs *a, const rt_shape *x,
                    const int64_t *kernel, rt_win *w, mg_err *err);

#endif
