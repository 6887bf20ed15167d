/* The keras plugin: .keras v3 zips (their config.json, through the host's
 * archive walk) and HDF5 .h5 models (model_config), checked by
 * keras_config.c against rules/keras-modules.xml. Uses only the public
 * plugin ABI. */
#include "config.h"

#include <string.h>

#include "keras_config.h"
#include "keras_h5.h"
#include "mfplugin.h"

static int wants(const char *container, const char *path, const uint8_t *data, uint64_t size) {
  if (container)
    return (mf_name_ends(container, ".keras") && !strcmp(path, "config.json")) ||
           keras_h5_magic(data, size);
  return keras_h5_magic(data, size) || mf_name_ends(path, ".keras") || mf_name_ends(path, ".h5") ||
         mf_name_ends(path, ".hdf5");
}

static void scan(const char *path, const uint8_t *data, uint64_t size, const mf_rules *rules,
                 mf_list *out) {
  if (!strcmp(mf_base(path), "config.json"))
    keras_config_check((const char *)data, (size_t)size, rules, out);
  else if (keras_h5_magic(data, size) || !mf_name_ends(path, ".keras"))
    keras_h5_check(data, size, rules, out);
  else
    mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "keras.archive", NULL, 0, ".keras archive",
           "The file is named .keras but is not a zip the unpacker could read; Keras cannot load "
           "it as a v3 model either.");
}

static void archive_done(const char *path, uint64_t seen, mf_list *out) {
  if (!mf_name_ends(path, ".keras"))
    return;
  if (!seen)
    mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "keras.archive", NULL, -1, ".keras archive",
           "The .keras archive has no config.json: it is not a Keras v3 model, and what it holds "
           "was not checked as one.");
}

static int primary(const char *member) {
  return !strcmp(member, "config.json");
}

static const mf_format format = {"keras",      "Keras", "keras-modules.xml", wants, scan,
                                 archive_done, primary};

static int keras_run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  return mf_plugin_run(&format, svc, ctx);
}

static const mg_plugin descriptor = {
    MG_PLUGIN_HEADER,
    "keras",
    "0.1.0",
    "Keras .keras and .h5 configurations: Lambda bytecode and objects imported from outside Keras",
    MG_NEED_FILES,
    mf_atlas_all,
    mf_mitigations_all,
    mf_controls_all,
    NULL,
    keras_run,
    NULL,
};

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &descriptor;
}
