/* Whole-array loading as float32, for `modelgate model run`: there is no
 * workspace there, so a compressed file is decompressed into memory. */
#include "config.h"

#include "data/dataset.h"

#include <stdlib.h>

#include "data/array_file.h"
#include "data/convert.h"

int mg_array_load_f32(const char *path, const mg_limits *lim, float **data, mg_array_header *h,
                      mg_err *err) {
  *data = NULL;
  mg_array_file f;
  int rc = mg_array_file_open(&f, path, NULL, lim, err);
  if (rc)
    return rc;
  uint64_t bytes =
      f.hdr.count > UINT64_MAX / sizeof(float) ? UINT64_MAX : f.hdr.count * sizeof(float);
  rc = mg_limit_check(lim, MG_LIMIT_DATASET_BYTES, bytes, path, err);
  float *out = NULL;
  if (!rc && !(out = malloc(bytes ? (size_t)bytes : 1)))
    rc = mg_fail(err, MG_ERR_NOMEM, "%s: out of memory for %zu floats", path, (size_t)f.hdr.count);
  if (!rc) {
    mg_convert_f32(f.data, f.hdr.dtype, f.hdr.big_endian, (size_t)f.hdr.count, 1.0f, out);
    *h = f.hdr;
    *data = out;
  }
  mg_array_file_close(&f);
  return rc;
}
