/* libFuzzer harness for the NeMo configuration checker
 * (plugins/nemo/nemo_yaml.c), with the shipped target rules. */
#include "config.h"

#include <stdint.h>

#include "fuzz_format.h"
#include "nemo_yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mf_list l;
  mf_init(&l, "NeMo");
  nemo_yaml_check((const char *)data, size, fuzz_format_rules("nemo-targets.xml"), &l);
  fuzz_format_check(&l, "nemo.", size);
  mf_free(&l);
  return 0;
}
