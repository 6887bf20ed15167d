/* libFuzzer harness for the GGUF reader (plugins/gguf/gguf_parse.c), with
 * the shipped template rules. */
#include "config.h"

#include <stdint.h>

#include "fuzz_format.h"
#include "gguf_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mf_list l;
  mf_init(&l, "GGUF");
  gguf_check(data, size, fuzz_format_rules("gguf-template.xml"), &l);
  fuzz_format_check(&l, "gguf.", size);
  mf_free(&l);
  return 0;
}
