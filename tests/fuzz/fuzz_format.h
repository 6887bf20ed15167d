/* What every model-format fuzz harness checks of a parser's problem list:
 * each record names a rule of its format, carries a construct and a
 * message, and points inside the input. */
#ifndef MG_FUZZ_FORMAT_H
#define MG_FUZZ_FORMAT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfissue.h"
#include "mflist.h"

/* The shipped rules list `file` (TOP_SRCDIR or the source tree), loaded
 * once; NULL (structure only) when it cannot be read. */
static inline mf_rules *fuzz_format_rules(const char *file) {
  static mf_rules *rules;
  static int loaded;
  if (!loaded) {
    loaded = 1;
    const char *top = getenv("TOP_SRCDIR") ? getenv("TOP_SRCDIR") : MG_SOURCE_DIR;
    char path[4096], schema[4096], msg[512];
    snprintf(path, sizeof path, "%s/rules/%s", top, file);
    snprintf(schema, sizeof schema, "%s/rules/format-list.rng", top);
    if (mf_rules_load(path, schema, &rules, msg, sizeof msg))
      fprintf(stderr, "fuzz: %s (structure only)\n", msg);
  }
  return rules;
}

static inline void fuzz_format_check(const mf_list *l, const char *prefix, size_t size) {
  size_t pl = strlen(prefix);
  for (size_t i = 0; i < l->count; i++) {
    const mf_issue *it = &l->items[i];
    if ((strncmp(it->rule, prefix, pl) && strncmp(it->rule, "format.", 7)) || !it->message[0] ||
        !it->construct || it->offset > (int64_t)size || (unsigned)it->severity > MG_SEV_CRITICAL)
      abort();
  }
  if (l->count > l->max_issues)
    abort();
}

#endif
