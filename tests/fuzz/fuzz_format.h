/* What every model-format fuzz harness checks of a parser's problem list:
 * each record names a rule of its format, carries a construct and a
 * message, and points inside the input. */
#ifndef MG_FUZZ_FORMAT_H
#define MG_FUZZ_FORMAT_H

#include <stdlib.h>
#include <string.h>

#include "mfissue.h"

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
