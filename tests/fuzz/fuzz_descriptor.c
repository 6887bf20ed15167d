/* libFuzzer harness: the modelgate.json parser. */
#include "config.h"

#include <stdint.h>

#include "package/descriptor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mg_limits lim;
  mg_limits_default(&lim);
  mg_descriptor d;
  mg_descriptor_init(&d);
  mg_err err;
  mg_err_clear(&err);
  mg_descriptor_parse(&d, (const char *)data, size, "fuzz.json", &lim, &err);
  mg_descriptor_free(&d);
  return 0;
}
