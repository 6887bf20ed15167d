/* Window geometry for Conv and pooling (see window.h). Output sizes follow
 * the ONNX operator specs; ceil_mode drops a last window that would start
 * in the right padding, as PyTorch and the ONNX reference do. */
#include "config.h"

#include "runtime/ops/window.h"

#include <inttypes.h>
#include <string.h>

static int read_ints(const rt_node *n, const char *name, int64_t *dst, size_t max, size_t *count,
                     mg_err *err) {
  const int64_t *v;
  size_t c;
  int rc = rt_attr_ints(n, name, &v, &c, err);
  if (rc)
    return rc;
  if (c > max)
    return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "'%s' has %zu values (at most %zu)", name, c,
                        max);
  if (c)
    memcpy(dst, v, c * sizeof *v);
  *count = c;
  return MG_OK;
}

int rt_win_parse(const rt_node *n, int pool, rt_win_attrs *a, mg_err *err) {
  memset(a, 0, sizeof *a);
  int rc;
  if ((rc = read_ints(n, "kernel_shape", a->kernel, RT_WIN_MAX, &a->n_kernel, err)) ||
      (rc = read_ints(n, "strides", a->strides, RT_WIN_MAX, &a->n_strides, err)) ||
      (rc = read_ints(n, "dilations", a->dil, RT_WIN_MAX, &a->n_dil, err)) ||
      (rc = read_ints(n, "pads", a->pads, 2 * RT_WIN_MAX, &a->n_pads, err)))
    return rc;
  if (pool && !a->n_kernel)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "attribute 'kernel_shape' is required");
  const char *ap;
  if ((rc = rt_attr_string(n, "auto_pad", "NOTSET", &ap, err)))
    return rc;
  if (!strcmp(ap, "NOTSET") || !ap[0])
    a->auto_pad = 0;
  else if (!strcmp(ap, "SAME_UPPER"))
    a->auto_pad = 1;
  else if (!strcmp(ap, "SAME_LOWER"))
    a->auto_pad = 2;
  else if (!strcmp(ap, "VALID"))
    a->auto_pad = 3;
  else
    return rt_node_fail(n, MG_ERR_FORMAT, err, "unknown auto_pad '%s'", ap);
  int64_t cm = 0;
  if (pool && (rc = rt_attr_int(n, "ceil_mode", 0, &cm, err)))
    return rc;
  a->ceil_mode = cm != 0;
  for (size_t i = 0; i < a->n_kernel; i++)
    if (a->kernel[i] <= 0 || a->kernel[i] > (1 << 20))
      return rt_node_fail(n, MG_ERR_FORMAT, err, "kernel size %" PRId64 " is invalid",
                          a->kernel[i]);
  for (size_t i = 0; i < a->n_strides; i++)
    if (a->strides[i] <= 0 || a->strides[i] > (1 << 20))
      return rt_node_fail(n, MG_ERR_FORMAT, err, "stride %" PRId64 " is invalid", a->strides[i]);
  for (size_t i = 0; i < a->n_dil; i++)
    if (a->dil[i] <= 0 || a->dil[i] > (1 << 20))
      return rt_node_fail(n, MG_ERR_FORMAT, err, "dilation %" PRId64 " is invalid", a->dil[i]);
  for (size_t i = 0; i < a->n_pads; i++)
    if (a->pads[i] < 0 || a->pads[i] > (1 << 20))
      return rt_node_fail(n, MG_ERR_FORMAT, err, "pad %" PRId64 " is invalid", a->pads[i]);
  return MG_OK;
}

int rt_win_geometry(const rt_node *n, const rt_win_attrs *a, const rt_shape *x,
                    const int64_t *kernel, rt_win *w, mg_err *err) {
  memset(w, 0, sizeof *w);
  if (x->rank < 3 || x->rank > 2 + RT_WIN_MAX)
    return rt_node_fail(n, MG_ERR_UNSUPPORTED, err, "input rank %u (supported: 3 to 5)", x->rank);
  uint32_t ns = x->rank - 2;
  w->nsp = ns;
  if (!kernel && a->n_kernel != ns)
    return rt_node_fail(n, MG_ERR_FORMAT, err, "kernel_shape has %zu values for %u spatial axes",
                        a->n_kernel, ns);
  if ((a->n_strides && a->n_strides != ns) || (a->n_dil && a->n_dil != ns) ||
      (a->n_pads && a->n_pads != 2 * ns))
    return rt_node_fail(n, MG_ERR_FORMAT, err, "strides/dilations/pads do not match %u axes", ns);
  w->in_size = w->out_size = w->k_size = 1;
  for (uint32_t j = 0; j < RT_WIN_MAX; j++) {
    w->in[j] = w->out[j] = w->k[j] = w->s[j] = w->dil[j] = 1;
    w->pb[j] = w->pe[j] = 0;
  }
  for (uint32_t i = 0; i < ns; i++) {
    uint32_t j = RT_WIN_MAX - ns + i;
    int64_t in = x->d[2 + i];
    int64_t k = kernel ? kernel[i] : a->kernel[i];
    if (kernel && a->n_kernel && a->kernel[i] != k)
      return rt_node_fail(n, MG_ERR_FORMAT, err, "kernel_shape disagrees with the weights");
    int64_t s = a->n_strides ? a->strides[i] : 1;
    int64_t d = a->n_dil ? a->dil[i] : 1;
    int64_t pb = a->n_pads ? a->pads[i] : 0, pe = a->n_pads ? a->pads[i + ns] : 0;
    int64_t ext = d * (k - 1) + 1; /* receptive field */
    int64_t out;
    if (a->auto_pad == 1 || a->auto_pad == 2) {
      out = (in + s - 1) / s;
      int64_t total = (out - 1) * s + ext - in;
      if (total < 0)
        total = 0;
      if (a->auto_pad == 1) {
        pb = total / 2;
        pe = total - pb;
      } else {
        pe = total / 2;
        pb = total - pe;
      }
    } else {
      if (a->auto_pad == 3)
        pb = pe = 0;
      int64_t span = in + pb + pe - ext;
      if (span < 0)
        return rt_node_fail(n, MG_ERR_FORMAT, err,
                            "window %" PRId64 " is larger than the padded input %" PRId64, ext,
                            in + pb + pe);
      out = a->ceil_mode ? (span + s - 1) / s + 1 : span / s + 1;
      if (a->ceil_mode && (out - 1) * s >= in + pb)
        out--;
    }
    if (out <= 0)
      return rt_node_fail(n, MG_ERR_FORMAT, err, "empty output along spatial axis %u", i);
    /* Pads can make a tiny input produce a huge output: bound the product
     * before anything multiplies it (the output size is checked later). */
    if (out > (INT64_C(1) << 31) || w->out_size > (INT64_C(1) << 40) / out)
      return rt_node_fail(n, MG_ERR_LIMIT, err, "output along spatial axis %u is too large", i);
    w->in[j] = in;
    w->out[j] = out;
    w->k[j] = k;
    w->s[j] = s;
    w->dil[j] = d;
    w->pb[j] = pb;
    w->pe[j] = pe;
    w->in_size *= in;
    w->out_size *= out;
    w->k_size *= k;
  }
  return MG_OK;
}
