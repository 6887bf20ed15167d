/* libFuzzer harness: the text reader for JSON Lines (parse, field mapping,
 * cache written and read back). */
#include "config.h"

#include "fuzz_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_text(data, size, "fuzz.jsonl", MG_TEXT_FORMAT_JSONL);
  return 0;
}
