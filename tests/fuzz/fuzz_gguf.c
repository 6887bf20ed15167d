/* libFuzzer harness for the GGUF reader (plugins/gguf/gguf_parse.c), with
 * the shipped template rules loaded once (TOP_SRCDIR or the source tree). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_format.h"
#include "gguf_parse.h"
#include "mflist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mf_rules *rules;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int loaded;
  if (!loaded) {
    loaded = 1;
    const char *top = getenv("TOP_SRCDIR") ? getenv("TOP_SRCDIR") : MG_SOURCE_DIR;
    char path[4096], schema[4096], msg[512];
    snprintf(path, sizeof path, "%s/rules/gguf-template.xml", top);
    snprintf(schema, sizeof schema, "%s/rules/format-list.rng", top);
    if (mf_rules_load(path, schema, &rules, msg, sizeof msg))
      fprintf(stderr, "fuzz_gguf: %s (structure only)\n", msg);
  }
  mf_list l;
  mf_init(&l, "GGUF");
  gguf_check(data, size, rules, &l);
  fuzz_format_check(&l, "gguf.", size);
  mf_free(&l);
  return 0;
}
