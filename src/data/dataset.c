/* Datasets: an inputs file and an optional labels file, opened, checked
 * against each other and scanned once, then read in batches by any number
 * of threads or forked processes without a second copy. */
#include "config.h"

#include "data/dataset.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/array_file.h"
#include "data/convert.h"

struct mg_dataset {
  mg_array_file inputs; /* mapped images */
  mg_array_file labels; /* mapped labels, when has_labels */
  int has_labels;
  uint64_t n;       /* rows */
  uint32_t c, h, w; /* one row is c x h x w elements */
  size_t row_elems;
  size_t row_bytes;
  uint32_t num_labels; /* largest label + 1 */
  double lo, hi;       /* raw value range */
};

static int check_images(mg_dataset *d, mg_err *err) {
  const mg_array_header *h = &d->inputs.hdr;
  const char *name = d->inputs.name;
  if (h->ndim != 3 && h->ndim != 4)
    return mg_fail(err, MG_ERR_FORMAT,
                   "%s: inputs must be N x H x W or N x C x H x W, this %s array has %u "
                   "dimension%s",
                   name, d->inputs.format, h->ndim, h->ndim == 1 ? "" : "s");
  const uint64_t *dim = h->dims;
  uint64_t c = h->ndim == 4 ? dim[1] : 1, hh = dim[h->ndim - 2], ww = dim[h->ndim - 1];
  if (dim[0] == 0)
    return mg_fail(err, MG_ERR_FORMAT, "%s: the inputs hold no rows (N = 0)", name);
  if (c == 0 || hh == 0 || ww == 0 || c > UINT32_MAX || hh > UINT32_MAX || ww > UINT32_MAX)
    return mg_fail(err, MG_ERR_FORMAT,
                   "%s: bad image shape C x H x W = %" PRIu64 " x %" PRIu64 " x %" PRIu64, name, c,
                   hh, ww);
  d->n = dim[0];
  d->c = (uint32_t)c;
  d->h = (uint32_t)hh;
  d->w = (uint32_t)ww;
  /* Cannot overflow: N rows of this size were found in the mapped file. */
  d->row_elems = (size_t)(h->count / d->n);
  d->row_bytes = d->row_elems * mg_dtype_size(h->dtype);
  switch (h->dtype) {
  case MG_DTYPE_U8:
    d->lo = 0, d->hi = 255;
    return MG_OK;
  case MG_DTYPE_I32:
    d->lo = INT32_MIN, d->hi = INT32_MAX;
    return MG_OK;
  case MG_DTYPE_I64:
    d->lo = (double)INT64_MIN, d->hi = (double)INT64_MAX;
    return MG_OK;
  default:
    break;
  }
  size_t bad;
  double v;
  if (mg_scan_floats(d->inputs.data, h->dtype, h->big_endian, (size_t)h->count, &d->lo, &d->hi,
                     &bad, &v))
    return mg_fail(err, MG_ERR_FORMAT,
                   "%s: value %g at row %zu (element %zu of the row) refused: NaN, infinite or "
                   "beyond float32",
                   name, v, bad / d->row_elems, bad % d->row_elems);
  return MG_OK;
}

static int check_labels(mg_dataset *d, mg_err *err) {
  const mg_array_header *h = &d->labels.hdr;
  const char *name = d->labels.name;
  if (h->ndim != 1)
    return mg_fail(err, MG_ERR_FORMAT,
                   "%s: labels must be a 1-dimensional array of N integers, this %s array has %u "
                   "dimensions",
                   name, d->labels.format, h->ndim);
  if (h->dims[0] != d->n)
    return mg_fail(err, MG_ERR_FORMAT,
                   "label count mismatch: %s has %" PRIu64 " rows but %s has %" PRIu64 " labels",
                   d->inputs.name, d->n, name, h->dims[0]);
  int32_t max;
  size_t bad;
  double v;
  switch (
      mg_labels_check(d->labels.data, h->dtype, h->big_endian, (size_t)h->count, &max, &bad, &v)) {
  case MG_LABEL_OK:
    d->num_labels = (uint32_t)max + 1;
    return MG_OK;
  case MG_LABEL_NEGATIVE:
    return mg_fail(err, MG_ERR_FORMAT, "%s: negative label %.17g at row %zu", name, v, bad);
  case MG_LABEL_TOO_LARGE:
    return mg_fail(err, MG_ERR_FORMAT, "%s: label %.17g at row %zu does not fit in int32", name, v,
                   bad);
  case MG_LABEL_NOT_INTEGER:
    break;
  }
  return mg_fail(err, MG_ERR_FORMAT, "%s: label %.17g at row %zu is not an integer", name, v, bad);
}

int mg_dataset_open(const char *inputs, const char *labels, const char *cache_dir,
                    const mg_limits *lim, mg_dataset **out, mg_err *err) {
  *out = NULL;
  if (!inputs || !lim)
    return mg_fail(err, MG_ERR_ARGS, "mg_dataset_open: inputs and limits are required");
  mg_dataset *d = calloc(1, sizeof *d);
  if (!d)
    return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", inputs);
  int rc = mg_array_file_open(&d->inputs, inputs, cache_dir, lim, err);
  if (!rc)
    rc = check_images(d, err);
  if (!rc && labels) {
    rc = mg_array_file_open(&d->labels, labels, cache_dir, lim, err);
    d->has_labels = rc == MG_OK;
    if (!rc)
      rc = check_labels(d, err);
  }
  if (rc) {
    mg_dataset_close(d);
    return rc;
  }
  *out = d;
  return MG_OK;
}

void mg_dataset_close(mg_dataset *d) {
  if (!d)
    return;
  mg_array_file_close(&d->inputs);
  if (d->has_labels)
    mg_array_file_close(&d->labels);
  free(d);
}

uint64_t mg_dataset_count(const mg_dataset *d) {
  return d->n;
}

void mg_dataset_shape(const mg_dataset *d, uint32_t *channels, uint32_t *height, uint32_t *width) {
  if (channels)
    *channels = d->c;
  if (height)
    *height = d->h;
  if (width)
    *width = d->w;
}

mg_dtype mg_dataset_dtype(const mg_dataset *d) {
  return d->inputs.hdr.dtype;
}

int mg_dataset_has_labels(const mg_dataset *d) {
  return d->has_labels;
}

uint32_t mg_dataset_num_labels(const mg_dataset *d) {
  return d->num_labels;
}

void mg_dataset_raw_range(const mg_dataset *d, double *lo, double *hi) {
  if (lo)
    *lo = d->lo;
  if (hi)
    *hi = d->hi;
}

int mg_dataset_read(const mg_dataset *d, uint64_t first, uint64_t count, float scale, float *x,
                    int32_t *labels, mg_err *err) {
  if (first > d->n || count > d->n - first)
    return mg_fail(err, MG_ERR_ARGS,
                   "%s: rows %" PRIu64 "+%" PRIu64 " are out of range (the dataset has %" PRIu64
                   " rows)",
                   d->inputs.name, first, count, d->n);
  if (labels && !d->has_labels)
    return mg_fail(err, MG_ERR_ARGS, "%s: labels requested, but the dataset has none",
                   d->inputs.name);
  if (x && !isfinite(scale))
    return mg_fail(err, MG_ERR_ARGS, "%s: the input scale is not a finite number", d->inputs.name);
  if (count == 0)
    return MG_OK;
  const mg_array_header *ih = &d->inputs.hdr;
  if (x)
    mg_convert_f32(d->inputs.data + (size_t)first * d->row_bytes, ih->dtype, ih->big_endian,
                   (size_t)count * d->row_elems, scale, x);
  if (labels) {
    const mg_array_header *lh = &d->labels.hdr;
    mg_convert_labels(d->labels.data + (size_t)first * mg_dtype_size(lh->dtype), lh->dtype,
                      lh->big_endian, (size_t)count, labels);
  }
  return MG_OK;
}
