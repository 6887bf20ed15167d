/* Test plugin that allocates without bound, touching every page, and
 * aborts like an xmalloc() wrapper when allocation finally fails. */
#include <stdlib.h>
#include <string.h>

#include <modelgate/modelgate.h>

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

static const mg_plugin plugin = {
    MG_PLUGIN_HEADER,
    "mgtest-alloc",
    "1.0",
    "Test plugin that allocates without bound",
    MG_NEED_FILES,
    NULL,
    NULL,
    NULL,
    NULL,
    run,
    NULL,
};

const mg_plugin *mg_plugin_entry(void) {
  return &plugin;
}
