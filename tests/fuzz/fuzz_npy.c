/* libFuzzer harness for the NPY header parser (src/data/npy_header.c). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/dtype.h"
#include "data/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mg_array_header h;
  mg_limits lim;
  mg_limits_default(&lim);
  mg_err err;
  mg_err_clear(&err);
  int rc = mg_npy_parse_header(data, size, "fuzz.npy", &lim, &h, &err);
  if (rc != MG_OK) {
    /* A failure is one line naming the file, with the code it returned. */
    if (err.code != rc || strncmp(err.msg, "fuzz.npy: ", 10) != 0 || strchr(err.msg, '\n'))
      abort();
    return 0;
  }
  if (h.ndim > MG_ARRAY_MAX_DIMS || h.data_offset > size || h.data_offset < 11 ||
      mg_dtype_size(h.dtype) == 0)
    abort();
  uint64_t count = 1;
  for (uint32_t i = 0; i < h.ndim; i++)
    count *= h.dims[i]; /* the parser guarantees no overflow */
  if (count != h.count || h.data_bytes != count * mg_dtype_size(h.dtype))
    abort();
  return 0;
}
