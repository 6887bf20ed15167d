/* libFuzzer harness: the text reader for streamed JSON arrays (parse, field mapping,
 * cache written and read back). */
#include "config.h"

#include "fuzz_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* The first byte picks a declared JSON array or a .json file whose
   * first byte decides between array and JSON Lines. */
  if (size < 1)
    return 0;
  fuzz_text(data + 1, size - 1, "fuzz.json",
            data[0] & 1 ? MG_TEXT_FORMAT_AUTO : MG_TEXT_FORMAT_JSON);
  return 0;
}
