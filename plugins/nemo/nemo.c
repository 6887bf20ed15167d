/* The nemo plugin: .nemo tar archives (their model_config.yaml, through the
 * host's archive walk) and lone model_config.yaml files, checked by
 * nemo_yaml.c against rules/nemo-targets.xml. The checkpoints inside a
 * .nemo are pickle-code's (and the other format plugins') to read: they
 * see every member of a depth-0 archive. Uses only the public plugin ABI. */
#include "config.h"

#include <string.h>

#include "mfplugin.h"
#include "nemo_yaml.h"

static int is_config(const char *path) {
  const char *b = mf_base(path);
  return !strcmp(b, "model_config.yaml") || !strcmp(b, "model_config.yml");
}

static int wants(const char *container, const char *path, const uint8_t *data, uint64_t size) {
  (void)data;
  (void)size;
  if (container)
    return mf_name_ends(container, ".nemo") &&
           (mf_name_ends(path, ".yaml") || mf_name_ends(path, ".yml"));
  return mf_name_ends(path, ".nemo") || is_config(path);
}

static void scan(const char *path, const uint8_t *data, uint64_t size, const mf_rules *rules,
                 mf_list *out) {
  if (mf_name_ends(path, ".nemo"))
    mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "nemo.archive", NULL, 0, ".nemo archive",
           "The file is named .nemo but is not a tar archive the unpacker could read; NeMo "
           "cannot restore it either.");
  else
    nemo_yaml_check((const char *)data, (size_t)size, rules, out);
}

static void archive_done(const char *path, uint64_t seen, mf_list *out) {
  if (mf_name_ends(path, ".nemo") && !seen)
    mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "nemo.archive", NULL, -1, ".nemo archive",
           "The .nemo archive has no model_config.yaml: NeMo cannot restore it, and what it "
           "holds was not checked as a NeMo model.");
}

static const mf_format format = {"nemo", "NeMo",       "nemo-targets.xml", wants,
                                 scan,   archive_done, is_config};

static int nemo_run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  return mf_plugin_run(&format, svc, ctx);
}

static const mg_plugin descriptor = {
    MG_PLUGIN_HEADER,
    "nemo",
    "0.1.0",
    "NeMo .nemo archives: Hydra _target_ callables and Python tags in model_config.yaml",
    MG_NEED_FILES,
    mf_atlas_all,
    mf_mitigations_all,
    mf_controls_all,
    NULL,
    nemo_run,
    NULL,
};

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &descriptor;
}
