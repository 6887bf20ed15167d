/* Test plugin: uses every kind of service a file-level detector needs and
 * reports what it saw, so the tests can check each path through the host. */
#include <stdio.h>
#include <string.h>

#include <modelgate/modelgate.h>

static const char *const atlas[] = {"AML.T0010", NULL};
static const char *const mitigations[] = {"AML.M0014", NULL};
static const char *const controls[] = {"CTL-17", NULL};

static int run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  size_t n = svc->file_count(ctx);
  unsigned long long bytes = 0, sum = 0;
  size_t registered = 0, checked = 0;
  for (size_t i = 0; i < n; i++) {
    mg_file_info fi = {.struct_size = sizeof fi};
    if (svc->file_info(ctx, i, &fi) != MG_OK)
      return MG_ERR_INTERNAL;
    registered += (fi.flags & MG_FILE_REGISTERED) != 0;
    checked += (fi.flags & MG_FILE_REGISTRY_CHECKED) != 0;
    const uint8_t *data;
    uint64_t size;
    if (fi.depth == 0 && svc->file_map(ctx, i, &data, &size) == MG_OK) {
      for (uint64_t k = 0; k < size; k++)
        sum += data[k];
      bytes += size;
      svc->file_unmap(ctx, i);
    }
    svc->progress(ctx, "reading files", i + 1, n);
  }
  const char *echo = svc->option(ctx, "echo");
  char evidence[640];
  snprintf(evidence, sizeof evidence,
           "{\"files\": %zu, \"bytes\": %llu, \"byte_sum\": %llu, \"registered\": %zu, "
           "\"registry_checked\": %zu, \"echo\": \"%s\"}",
           n, bytes, sum, registered, checked, echo ? echo : "");
  svc->evidence(ctx, evidence);
  svc->log(ctx, MG_LOG_INFO, "read %zu files", n);
  float px[3 * 4 * 4];
  for (int i = 0; i < 48; i++)
    px[i] = (float)(i % 16) / 15.0f;
  svc->attach_image(ctx, "gradient", "a 4x4 test picture", 3, 4, 4, px);
  mg_finding f = MG_FINDING_INIT;
  f.severity = MG_SEV_MEDIUM;
  f.rule = "test-finding";
  f.title = "mgtest-good saw the package";
  f.message = "A medium finding from the test plugin.";
  f.artifact = n ? "modelgate.json" : NULL;
  f.evidence_json = evidence;
  return svc->emit(ctx, &f);
}

static const mg_plugin plugin = {
    MG_PLUGIN_HEADER,
    "mgtest-good",
    "1.0",
    "Test plugin that reads every file and reports",
    MG_NEED_FILES,
    atlas,
    mitigations,
    controls,
    NULL,
    run,
    NULL,
};

const mg_plugin *mg_plugin_entry(void) {
  return &plugin;
}
