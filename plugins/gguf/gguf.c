/* The gguf plugin: every GGUF file (by magic, then by name), in the package
 * or inside its archives, checked by gguf_parse.c against
 * rules/gguf-template.xml. Uses only the public plugin ABI. */
#include "config.h"

#include "gguf_parse.h"
#include "mfplugin.h"

static int wants(const char *container, const char *path, const uint8_t *data, uint64_t size) {
  (void)container;
  return gguf_magic(data, size) || mf_name_ends(path, ".gguf");
}

static void scan(const char *path, const uint8_t *data, uint64_t size, const mf_rules *rules,
                 mf_list *out) {
  (void)path;
  gguf_check(data, size, rules, out);
}

static const mf_format format = {"gguf", "GGUF", "gguf-template.xml", wants, scan, NULL, NULL};

static int gguf_run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  return mf_plugin_run(&format, svc, ctx);
}

static const mg_plugin descriptor = {
    MG_PLUGIN_HEADER,
    "gguf",
    "0.1.0",
    "GGUF structure bounds-checked; chat templates and metadata checked for template injection",
    MG_NEED_FILES,
    mf_atlas_all,
    mf_mitigations_all,
    mf_controls_all,
    NULL,
    gguf_run,
    NULL,
};

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &descriptor;
}
