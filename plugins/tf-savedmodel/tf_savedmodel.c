/* The tf-savedmodel plugin: saved_model.pb and frozen .pb graphs, in the
 * package or in its archives, checked by tf_scan.c against
 * rules/tf-ops.xml. Uses only the public plugin ABI. */
#include "config.h"

#include "mfplugin.h"
#include "tf_scan.h"

static int wants(const char *container, const char *path, const uint8_t *data, uint64_t size) {
  (void)container;
  (void)data;
  (void)size;
  /* Protobuf has no magic: by name. keras_metadata.pb and fingerprint.pb
   * are other messages. */
  return mf_name_ends(path, ".pb") && !mf_name_ends(path, "keras_metadata.pb") &&
         !mf_name_ends(path, "fingerprint.pb");
}

static void scan(const char *path, const uint8_t *data, uint64_t size, const mf_rules *rules,
                 mf_list *out) {
  tf_check(path, data, size, rules, out);
}

static const mf_format format = {
    "tf-savedmodel", "TensorFlow graph", "tf-ops.xml", wants, scan, NULL, NULL};

static int tf_run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  return mf_plugin_run(&format, svc, ctx);
}

static const mg_plugin descriptor = {
    MG_PLUGIN_HEADER,
    "tf-savedmodel",
    "0.1.0",
    "TensorFlow SavedModel and frozen graphs: ops that touch files, the network or run Python",
    MG_NEED_FILES,
    mf_atlas_all,
    mf_mitigations_all,
    mf_controls_all,
    NULL,
    tf_run,
    NULL,
};

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &descriptor;
}
