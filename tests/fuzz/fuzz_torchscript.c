/* libFuzzer harness for the TorchScript archive check
 * (plugins/pickle-code/pc_torchscript.c): the zip walk and the source
 * matching, with the shipped list. */
#include "config.h"

#include <stdint.h>

#include "fuzz_format.h"
#include "pc_torchscript.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mf_list l;
  mf_init(&l, "TorchScript");
  mg_pc_torchscript_check("fuzz.pt", data, size, 1u << 24,
                          fuzz_format_rules("torchscript-calls.xml"), &l);
  /* Offsets are within a member, which may inflate past the input. */
  fuzz_format_check(&l, "torchscript.", (size_t)1 << 24);
  mf_free(&l);
  return 0;
}
