/* libFuzzer harness for the Keras configuration checker
 * (plugins/keras/keras_config.c), with the shipped module rules. */
#include "config.h"

#include <stdint.h>

#include "fuzz_format.h"
#include "keras_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mf_list l;
  mf_init(&l, "Keras");
  keras_config_check((const char *)data, size, fuzz_format_rules("keras-modules.xml"), &l);
  fuzz_format_check(&l, "keras.", size);
  mf_free(&l);
  return 0;
}
