/* Test plugin that never returns (sleeps, so it uses no CPU time). */
#include <unistd.h>

#include "mgtest.h"

static int run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  svc->log(ctx, MG_LOG_INFO, "hanging");
  for (;;)
    pause();
  return MG_OK;
}

MGTEST_PLUGIN("mgtest-hang", "Test plugin that hangs", MG_NEED_FILES, run)
