/* libFuzzer harness for the IDX header parser (src/data/idx_header.c). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/dtype.h"
#include "data/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mg_array_header h;
  mg_err err;
  mg_err_clear(&err);
  int rc = mg_idx_parse_header(data, size, "fuzz.idx", &h, &err);
  if (rc != MG_OK) {
    if (err.code != rc || strncmp(err.msg, "fuzz.idx: ", 10) != 0 || strchr(err.msg, '\n'))
      abort();
    return 0;
  }
  if (h.ndim < 1 || h.ndim > MG_ARRAY_MAX_DIMS || h.data_offset != 4 + 4 * (uint64_t)h.ndim ||
      h.data_offset > size || mg_dtype_size(h.dtype) == 0)
    abort();
  uint64_t count = 1;
  for (uint32_t i = 0; i < h.ndim; i++)
    count *= h.dims[i];
  if (count != h.count || h.data_bytes != count * mg_dtype_size(h.dtype))
    abort();
  return 0;
}
