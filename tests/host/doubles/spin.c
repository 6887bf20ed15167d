/* Test plugin that burns CPU forever: the CPU-time limit must stop it. */
#include "mgtest.h"

static int run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  (void)ctx;
  volatile unsigned long x = 0;
  for (;;)
    x += svc->abi_minor + 1;
  return MG_OK;
}

MGTEST_PLUGIN("mgtest-spin", "Test plugin that spins", MG_NEED_FILES, run)
