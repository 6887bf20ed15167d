/* Test plugin that emits a finding and then dereferences NULL. */
#include "mgtest.h"

/* A real fault, not UBSan's report of the null load: the host must see the
 * signal in sanitizer builds too. */
__attribute__((no_sanitize("undefined"))) static int run(void *state, const mg_services *svc,
                                                         mg_plugin_ctx *ctx) {
  (void)state;
  mg_finding f = MG_FINDING_INIT;
  f.severity = MG_SEV_LOW;
  f.rule = "before-crash";
  f.title = "mgtest-crash is about to crash";
  svc->emit(ctx, &f);
  volatile int *p = (volatile int *)(svc->file_count(ctx) > 1000000 ? ctx : 0);
  return *p; /* SIGSEGV */
}

MGTEST_PLUGIN("mgtest-crash", "Test plugin that crashes", MG_NEED_FILES, run)
