/* libFuzzer harness: the text reader for CSV and TSV (parse, field mapping,
 * cache written and read back). */
#include "config.h"

#include "fuzz_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* The first byte picks CSV or TSV; the rest is the file. */
  if (size < 1)
    return 0;
  fuzz_text(data + 1, size - 1, "fuzz.csv", data[0] & 1 ? MG_TEXT_FORMAT_TSV : MG_TEXT_FORMAT_CSV);
  return 0;
}
