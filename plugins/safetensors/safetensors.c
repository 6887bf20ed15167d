/* The safetensors plugin: every .safetensors file (by magic, then by name),
 * in the package or inside its archives, checked by st_parse.c. Uses only
 * the public plugin ABI. */
#include "config.h"

#include "mfplugin.h"
#include "st_parse.h"

static int wants(const char *container, const char *path, const uint8_t *data, uint64_t size) {
  (void)container;
  return st_magic(data, size) || mf_name_ends(path, ".safetensors");
}

static void scan(const char *path, const uint8_t *data, uint64_t size, const mf_rules *rules,
                 mf_list *out) {
  (void)path;
  (void)rules;
  uint64_t tensors;
  st_check(data, size, out, &tensors);
}

static const mf_format format = {"safetensors", "safetensors", NULL, wants, scan, NULL, NULL};

static int st_run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  return mf_plugin_run(&format, svc, ctx);
}

static const mg_plugin descriptor = {
    MG_PLUGIN_HEADER,
    "safetensors",
    "0.1.0",
    "safetensors headers checked against the file: dtypes, shapes, offsets, coverage, metadata",
    MG_NEED_FILES,
    mf_atlas_all,
    mf_mitigations_all,
    mf_controls_all,
    NULL,
    st_run,
    NULL,
};

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &descriptor;
}
