/* The child process a plugin runs in: limits, a clean descriptor table, a
 * fatal-signal reporter, then init/run/fini with the service table, every
 * result going back to the host over the pipe. */
#ifndef MG_PLUGIN_CHILD_H
#define MG_PLUGIN_CHILD_H

#include <stddef.h>
#include <stdint.h>

#include <modelgate/plugin.h>

#include "plugin_env.h"
#include "plugin_load.h"

/* The per-run context behind the opaque mg_plugin_ctx. */
struct mg_plugin_ctx {
  int fd; /* pipe to the host */
  mg_host_env *env;
  const mg_loaded_plugin *plugin;
  const uint8_t **maps; /* file_map() results by inventory index */
  uint64_t *map_len;
  size_t n_files;
  char *audit;    /* the last onnx_audit() JSON */
  float *scratch; /* normalised-input buffer for the model services */
  size_t scratch_floats;
  double last_progress;
  char limit_text[24]; /* the answer to the last option("limit.NAME") */
};

/* A context for one run of plugin writing to fd; MG_ERR_NOMEM when it
 * cannot be set up (free it all the same). */
int mg_plugin_ctx_init(struct mg_plugin_ctx *ctx, const mg_loaded_plugin *plugin, mg_host_env *env,
                       int fd);
/* Unmaps what file_map() mapped and frees the buffers. */
void mg_plugin_ctx_free(struct mg_plugin_ctx *ctx);

/* Runs the plugin in the current (child) process and _exit()s. */
void mg_plugin_child_main(const mg_loaded_plugin *plugin, mg_host_env *env, int fd)
    __attribute__((noreturn));

/* The services table handed to plugins (plugin_services.c). */
const mg_services *mg_plugin_services(void);

#endif
