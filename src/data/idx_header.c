/* IDX header parser (the MNIST format): magic 00 00 TYPE NDIM, then NDIM
 * big-endian uint32 dimensions, then the big-endian data. */
#include "config.h"

#include "data/dataset.h"

#include <inttypes.h>
#include <string.h>

#include "data/dtype.h"

int mg_idx_parse_header(const uint8_t *buf, size_t len, const char *name, mg_array_header *h,
                        mg_err *err) {
  memset(h, 0, sizeof *h);
  if (len < 4 || buf[0] != 0 || buf[1] != 0)
    return mg_fail(err, MG_ERR_FORMAT, "%s: not an IDX file (%s)", name,
                   len < 4 ? "shorter than the IDX magic" : "magic does not start with 00 00");
  switch (buf[2]) {
  case 0x08:
    h->dtype = MG_DTYPE_U8;
    break;
  case 0x0C:
    h->dtype = MG_DTYPE_I32;
    break;
  case 0x0D:
    h->dtype = MG_DTYPE_F32;
    break;
  case 0x0E:
    h->dtype = MG_DTYPE_F64;
    break;
  case 0x09:
    /* Refused rather than widened: no MNIST-family set uses it, and silently
     * reading signed pixels would put them on a different scale. */
    return mg_fail(err, MG_ERR_UNSUPPORTED,
                   "%s: IDX type 0x09 (signed byte) is not supported (unsigned byte 0x08, int32 "
                   "0x0C, float32 0x0D and float64 0x0E are)",
                   name);
  case 0x0B:
    return mg_fail(err, MG_ERR_UNSUPPORTED,
                   "%s: IDX type 0x0B (int16) is not supported (unsigned byte 0x08, int32 0x0C, "
                   "float32 0x0D and float64 0x0E are)",
                   name);
  default:
    return mg_fail(err, MG_ERR_FORMAT, "%s: not an IDX file (unknown data type 0x%02X)", name,
                   buf[2]);
  }
  h->big_endian = h->dtype != MG_DTYPE_U8;
  unsigned ndim = buf[3];
  if (ndim == 0)
    return mg_fail(err, MG_ERR_FORMAT, "%s: IDX header declares 0 dimensions", name);
  if (ndim > MG_ARRAY_MAX_DIMS)
    return mg_fail(err, MG_ERR_UNSUPPORTED,
                   "%s: IDX header declares %u dimensions, at most %d are supported", name, ndim,
                   MG_ARRAY_MAX_DIMS);
  size_t start = 4 + 4 * (size_t)ndim;
  if (len < start)
    return mg_fail(err, MG_ERR_FORMAT,
                   "%s: IDX header is truncated (%u dimensions need %zu bytes, the file has %zu)",
                   name, ndim, start, len);
  h->ndim = ndim;
  uint64_t count = 1, nonzero = 1;
  for (unsigned i = 0; i < ndim; i++) {
    const uint8_t *p = buf + 4 + 4 * i;
    h->dims[i] = (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3];
    if (h->dims[i] == 0) {
      count = 0;
      continue;
    }
    if (nonzero > UINT64_MAX / h->dims[i])
      return mg_fail(err, MG_ERR_FORMAT,
                     "%s: IDX dimensions overflow: the element count does not fit in 64 bits",
                     name);
    nonzero *= h->dims[i];
  }
  size_t esize = mg_dtype_size(h->dtype);
  if (nonzero > UINT64_MAX / esize)
    return mg_fail(err, MG_ERR_FORMAT,
                   "%s: IDX dimensions overflow: the data size does not fit in 64 bits", name);
  h->count = count ? nonzero : 0;
  h->data_offset = start;
  h->data_bytes = h->count * esize;
  return MG_OK;
}
