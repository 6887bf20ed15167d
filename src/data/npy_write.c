/* Writing a float32 NPY file (format 1.0, little endian, C order), the way
 * numpy.save does, atomically. */
#include "config.h"

#include "data/dataset.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/atomic_file.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HOST_BIG 1
#else
#define HOST_BIG 0
#endif

int mg_npy_write_f32(const char *path, const float *data, uint32_t ndim, const uint64_t *dims,
                     mg_err *err) {
  if (ndim > MG_ARRAY_MAX_DIMS || (ndim && !dims))
    return mg_fail(err, MG_ERR_ARGS, "%s: cannot write an NPY array of %u dimensions", path, ndim);
  char hdr[512];
  size_t n =
      (size_t)snprintf(hdr, sizeof hdr, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
  uint64_t count = 1;
  for (uint32_t i = 0; i < ndim; i++) {
    if (dims[i] && count > UINT64_MAX / 4 / dims[i])
      return mg_fail(err, MG_ERR_ARGS, "%s: array size overflows", path);
    count *= dims[i];
    /* numpy spells a 1-tuple "(N,)" and separates with ", ". */
    n += (size_t)snprintf(hdr + n, sizeof hdr - n, "%" PRIu64 "%s", dims[i],
                          ndim == 1      ? ","
                          : i + 1 < ndim ? ", "
                                         : "");
  }
  n += (size_t)snprintf(hdr + n, sizeof hdr - n, "), }");
  if (count && !data)
    return mg_fail(err, MG_ERR_ARGS, "%s: no data to write", path);
  /* Pad with spaces so magic + version + length + header + '\n' is a
   * multiple of 64, as numpy does (it keeps the data aligned). */
  size_t total = 10 + n + 1;
  size_t pad = (64 - total % 64) % 64;
  memset(hdr + n, ' ', pad);
  n += pad;
  hdr[n++] = '\n';
  uint8_t pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (uint8_t)(n & 0xff), (uint8_t)(n >> 8)};

  mg_atomic a;
  int rc = mg_atomic_open(&a, path, err);
  if (rc)
    return rc;
  int ok = fwrite(pre, 1, sizeof pre, a.fp) == sizeof pre && fwrite(hdr, 1, n, a.fp) == n;
  if (ok && !HOST_BIG) {
    ok = count == 0 || fwrite(data, sizeof(float), (size_t)count, a.fp) == count;
  } else {
    for (uint64_t i = 0; ok && i < count; i++) {
      uint32_t u;
      memcpy(&u, &data[i], 4);
      u = __builtin_bswap32(u);
      ok = fwrite(&u, 4, 1, a.fp) == 1;
    }
  }
  if (!ok) {
    int e = errno;
    mg_atomic_abort(&a);
    return mg_fail(err, MG_ERR_IO, "%s: write failed: %s", path, strerror(e));
  }
  return mg_atomic_commit(&a, err);
}
