/* Test plugin that never returns (sleeps, so it uses no CPU time). */
#include <unistd.h>

#include <modelgate/modelgate.h>

static int run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  svc->log(ctx, MG_LOG_INFO, "hanging");
  for (;;)
    pause();
  return MG_OK;
}

static const mg_plugin plugin = {
    MG_PLUGIN_HEADER,
    "mgtest-hang",
    "1.0",
    "Test plugin that hangs",
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
