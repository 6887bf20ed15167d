/* libFuzzer harness: the pickle disassembler on arbitrary bytes, with small
 * caps so deep stacks, huge memos and many imports are reached quickly. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pickle_dis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mg_pk_limits lim = {4096, 4096, 64};
  mg_pk_result r;
  if (mg_pickle_dis(data, size, &lim, &r) == 0) {
    /* Every reported string must be a terminated, printable C string. */
    size_t total = 0;
    for (size_t i = 0; i < r.n_imports; i++) {
      total += strlen(r.imports[i].module);
      if (r.imports[i].name)
        total += strlen(r.imports[i].name);
      if (r.imports[i].offset >= size)
        __builtin_trap();
    }
    if (r.end > size || total > (size_t)16 * size + 1024 * r.n_imports)
      __builtin_trap();
  }
  mg_pickle_result_free(&r);
  return 0;
}
