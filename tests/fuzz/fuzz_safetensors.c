/* libFuzzer harness for the safetensors checker (plugins/safetensors/st_parse.c). */
#include "config.h"

#include <stdint.h>

#include "fuzz_format.h"
#include "st_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mf_list l;
  mf_init(&l, "safetensors");
  uint64_t tensors;
  st_check(data, size, &l, &tensors);
  fuzz_format_check(&l, "safetensors.", size);
  mf_free(&l);
  return 0;
}
