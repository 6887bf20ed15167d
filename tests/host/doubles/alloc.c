/* Test plugin that allocates without bound, touching every page, and
 * aborts like an xmalloc() wrapper when allocation finally fails. */
#include <stdlib.h>
#include <string.h>

#include "mgtest.h"

static int run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  (void)svc;
  (void)ctx;
  for (;;) {
    char *p = malloc(32u << 20);
    if (!p)
      abort();
    memset(p, 1, 32u << 20);
  }
  return MG_OK;
}

MGTEST_PLUGIN("mgtest-alloc", "Test plugin that allocates without bound", MG_NEED_FILES, run)
