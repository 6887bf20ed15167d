/* Finding and loading detector plugins: every *.so in the plugin
 * directory is dlopen'd, its entry function called, and its descriptor
 * validated (ABI major equal, minor <= the host's, struct size, name,
 * callbacks). A plugin that fails any check is refused with a precise
 * reason and dlclose'd; the rest are loaded once and read-only after. */
#ifndef MG_PLUGIN_LOAD_H
#define MG_PLUGIN_LOAD_H

#include <stddef.h>

#include <modelgate/plugin.h>

#include "base/diag.h"

typedef struct mg_loaded_plugin {
  char *path;
  void *handle;
  const mg_plugin *desc;
  const mg_plugin_option *options; /* ABI 1.2 table, or NULL: none declared */
} mg_loaded_plugin;

typedef struct mg_refused_plugin {
  char *path;
  char *reason;
} mg_refused_plugin;

typedef struct mg_plugin_set {
  char *dir;
  mg_loaded_plugin *items;
  size_t count;
  mg_refused_plugin *refused;
  size_t n_refused;
} mg_plugin_set;

/* Loads every plugin in dir (a missing directory is an error). */
int mg_plugins_load(const char *dir, mg_plugin_set *set, mg_err *err);
void mg_plugins_unload(mg_plugin_set *set);
const mg_loaded_plugin *mg_plugins_find(const mg_plugin_set *set, const char *name);
/* A refused plugin has no trustworthy descriptor: it goes by its file's
 * name without directory and extension. */
void mg_plugin_refused_name(const char *path, char *name, size_t len);
/* "model,train,reference,files" for the needs bits. */
void mg_plugin_needs_text(uint32_t needs, char *buf, size_t len);

#endif
