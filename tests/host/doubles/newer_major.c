/* Test plugin built "for" a newer major ABI: the host must refuse it. */
#include <modelgate/modelgate.h>

static int run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  (void)svc;
  (void)ctx;
  return MG_OK;
}

static const mg_plugin plugin = {
    MG_PLUGIN_ABI_MAJOR + 1,
    0,
    sizeof(mg_plugin),
    "mgtest-future",
    "9.0",
    "From the future",
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
