/* The run loop the model-format plugins share: find the files (and the
 * members of depth-0 archives) of one format, load the format's rules list,
 * hand each to the format's parser and emit what it records (mfissue.h) as
 * findings with the format, the construct, the CVE, ATLAS techniques,
 * mitigations and CTL-17. A plugin is then a parser and a descriptor. */
#ifndef MG_PLUGINS_MFPLUGIN_H
#define MG_PLUGINS_MFPLUGIN_H

#include <stdint.h>

#include <modelgate/plugin.h>

#include "mfissue.h"
#include "mflist.h"

typedef struct mf_format {
  const char *plugin;    /* plugin name, prefix of its --set options */
  const char *format;    /* what findings call the format: "GGUF" */
  const char *list_file; /* rules list in the rules directory, or NULL */
  /* 1 when a depth-0 file (or an archive member, container != NULL) is of
   * this format, by magic bytes first, then by name. */
  int (*wants)(const char *container, const char *path, const uint8_t *data, uint64_t size);
  /* Parses one file or member; records problems in out. */
  void (*scan)(const char *path, const uint8_t *data, uint64_t size, const mf_rules *rules,
               mf_list *out);
  /* When not NULL, called for a depth-0 archive the format wants (a .keras
   * zip, a .nemo tar) after its members went through scan: it records what
   * the archive as a whole lacks (seen = members scanned). */
  void (*archive_done)(const char *path, uint64_t seen, mf_list *out);
  /* When not NULL, only members it accepts count as `seen` (config.json of
   * a .keras, model_config.yaml of a .nemo). */
  int (*primary)(const char *member);
} mf_format;

/* ATLAS, mitigations and controls every format plugin declares. */
extern const char *const mf_atlas_all[];
extern const char *const mf_mitigations_all[];
extern const char *const mf_controls_all[];

/* Emits the records of l as findings of plugin about artifact (a plugin
 * outside mf_plugin_run uses it too: pickle-code's TorchScript check). */
int mf_emit_list(const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin, const char *format,
                 const char *artifact, const mf_list *l);
/* Loads the rules list file (in the rules directory, or the plugin's
 * --set PLUGIN.<option>=FILE) with format-list.rng; errors are logged as
 * "<plugin>: FILE:LINE: ...". */
int mf_load_list(const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin, const char *file,
                 const char *option, mf_rules **out);

/* The whole run of a format plugin. */
int mf_plugin_run(const mf_format *fmt, const mg_services *svc, mg_plugin_ctx *ctx);

/* Name ends with suffix, ignoring case. */
int mf_name_ends(const char *name, const char *suffix);
/* Last path component. */
const char *mf_base(const char *path);

#endif
