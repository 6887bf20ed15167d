/* Test plugin that burns CPU forever: the CPU-time limit must stop it. */
#include <modelgate/modelgate.h>

static int run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  (void)ctx;
  volatile unsigned long x = 0;
  for (;;)
    x += svc->abi_minor + 1;
  return MG_OK;
}

static const mg_plugin plugin = {
    MG_PLUGIN_HEADER,
    "mgtest-spin",
    "1.0",
    "Test plugin that spins",
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
