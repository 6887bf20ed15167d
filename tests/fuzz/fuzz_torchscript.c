/* libFuzzer harness for the TorchScript archive check
 * (plugins/pickle-code/pc_torchscript.c): the zip walk and the source
 * matching, with the shipped list. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_format.h"
#include "pc_torchscript.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mf_list l;
  mf_init(&l, "TorchScript");
  mg_pc_ts_classes classes = {NULL, 0, 0};
  mg_pc_torchscript_check("fuzz.pt", data, size, 1u << 24,
                          fuzz_format_rules("torchscript-calls.xml"), &l, &classes);
  /* Every class recorded is found again from its directory's data.pkl
   * and from the archive as a whole. */
  for (size_t i = 0; i < classes.n; i++) {
    char key[1024], member[1024];
    snprintf(key, sizeof key, "%s", classes.keys[i]);
    char *nl = strchr(key, '\n'), *dot = nl ? memrchr(key, '.', (size_t)(nl - key)) : NULL;
    if (!dot)
      abort();
    *nl = *dot = '\0';
    snprintf(member, sizeof member, "%sdata.pkl", nl + 1);
    if (!mg_pc_ts_class_defined(&classes, member, key, dot + 1) ||
        !mg_pc_ts_class_defined(&classes, NULL, key, dot + 1))
      abort();
  }
  mg_pc_ts_classes_free(&classes);
  /* Offsets are within a member, which may inflate past the input. */
  fuzz_format_check(&l, "torchscript.", (size_t)1 << 24);
  mf_free(&l);
  return 0;
}
