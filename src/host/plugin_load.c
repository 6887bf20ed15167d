/* Plugin discovery, dlopen and descriptor validation. */
#include "config.h"

#include "plugin_load.h"
#include "plugin_options.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The descriptor as ABI 1.0 defined it ends with fini. */
#define MG_PLUGIN_SIZE_1_0 (offsetof(mg_plugin, fini) + sizeof(void (*)(void *)))
#define KNOWN_NEEDS                                                                                \
  (MG_NEED_MODEL | MG_NEED_TRAIN | MG_NEED_REFERENCE | MG_NEED_FILES | MG_NEED_TEXT)

void mg_plugin_needs_text(uint32_t needs, char *buf, size_t len) {
  static const struct {
    uint32_t bit;
    const char *name;
  } names[] = {{MG_NEED_MODEL, "model"},
               {MG_NEED_TRAIN, "train"},
               {MG_NEED_REFERENCE, "reference"},
               {MG_NEED_FILES, "files"},
               {MG_NEED_TEXT, "text"}};
  buf[0] = '\0';
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (needs & names[i].bit) {
      size_t used = strlen(buf);
      snprintf(buf + used, len - used, "%s%s", used ? "," : "", names[i].name);
    }
  if (!buf[0])
    snprintf(buf, len, "nothing");
}

static int printable_text(const char *s, size_t max) {
  if (!s)
    return 0;
  size_t n = 0;
  for (; s[n]; n++)
    if (n >= max || (unsigned char)s[n] < 0x20 || s[n] == 0x7f)
      return 0;
  return n > 0;
}

static int valid_name(const char *s) {
  if (!s || !*s || strlen(s) > 64 || *s == '-')
    return 0;
  for (const char *c = s; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
      return 0;
  return 1;
}

static int valid_list(const char *const *list) {
  for (size_t i = 0; list && list[i]; i++)
    if (i >= 64 || !printable_text(list[i], 64))
      return 0;
  return 1;
}

/* Why the descriptor cannot be used, or NULL. */
static const char *check_descriptor(const mg_plugin *d, char *why, size_t len) {
  if (!d)
    return "mg_plugin_entry() returned NULL";
  if (d->abi_major != MG_PLUGIN_ABI_MAJOR) {
    snprintf(why, len,
             "built for plugin ABI %u.%u, but this modelgate speaks ABI %d.%d (major versions "
             "must match: rebuild the plugin against this modelgate's headers)",
             d->abi_major, d->abi_minor, MG_PLUGIN_ABI_MAJOR, MG_PLUGIN_ABI_MINOR);
    return why;
  }
  if (d->abi_minor > MG_PLUGIN_ABI_MINOR) {
    snprintf(why, len,
             "needs plugin ABI %u.%u, but this modelgate provides only %d.%d (upgrade modelgate)",
             d->abi_major, d->abi_minor, MG_PLUGIN_ABI_MAJOR, MG_PLUGIN_ABI_MINOR);
    return why;
  }
  if (d->struct_size < MG_PLUGIN_SIZE_1_0) {
    snprintf(why, len, "descriptor is %zu bytes, smaller than ABI %u.%u's %zu", d->struct_size,
             d->abi_major, d->abi_minor, (size_t)MG_PLUGIN_SIZE_1_0);
    return why;
  }
  if (!valid_name(d->name))
    return "plugin name must be 1-64 characters of [a-z0-9-]";
  if (!printable_text(d->version, 64))
    return "version must be a short printable string";
  if (!printable_text(d->description, 512))
    return "description must be one printable line";
  if (!d->run)
    return "run callback is NULL";
  if (d->needs & ~(uint32_t)KNOWN_NEEDS) {
    snprintf(why, len, "declares unknown needs 0x%x", d->needs & ~(uint32_t)KNOWN_NEEDS);
    return why;
  }
  if (!valid_list(d->atlas) || !valid_list(d->mitigations) || !valid_list(d->controls))
    return "atlas/mitigations/controls lists must be short printable strings, at most 64";
  return NULL;
}

static int add_refused(mg_plugin_set *set, const char *path, const char *reason) {
  mg_refused_plugin *grown = realloc(set->refused, (set->n_refused + 1) * sizeof *grown);
  if (!grown)
    return MG_ERR_NOMEM;
  set->refused = grown;
  grown[set->n_refused].path = strdup(path);
  grown[set->n_refused].reason = strdup(reason);
  set->n_refused++;
  mg_log_warn("plugin %s refused: %s", path, reason);
  return MG_OK;
}

static int load_one(mg_plugin_set *set, const char *path) {
  char why[512];
  dlerror();
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char *e = dlerror();
    snprintf(why, sizeof why, "dlopen failed: %s", e ? e : "unknown error");
    return add_refused(set, path, why);
  }
  mg_plugin_entry_fn entry;
  /* POSIX: dlsym's void* converts to a function pointer through memcpy. */
  void *sym = dlsym(h, MG_PLUGIN_ENTRY_SYMBOL);
  if (!sym) {
    dlclose(h);
    return add_refused(set, path, "no " MG_PLUGIN_ENTRY_SYMBOL "() entry function exported");
  }
  memcpy(&entry, &sym, sizeof entry);
  const mg_plugin *d = entry();
  const char *bad = check_descriptor(d, why, sizeof why);
  const mg_plugin_option *options = NULL;
  if (!bad && d->abi_minor >= 2 && (sym = dlsym(h, MG_PLUGIN_OPTIONS_SYMBOL))) {
    mg_plugin_options_fn table;
    memcpy(&table, &sym, sizeof table);
    options = table();
    if (!options)
      bad = MG_PLUGIN_OPTIONS_SYMBOL "() returned NULL";
    else
      bad = mg_plugin_options_invalid(options, why, sizeof why);
  }
  if (!bad && mg_plugins_find(set, d->name)) {
    snprintf(why, sizeof why, "another plugin named '%s' is already loaded from %s", d->name,
             mg_plugins_find(set, d->name)->path);
    bad = why;
  }
  if (bad) {
    char copy[512];
    snprintf(copy, sizeof copy, "%s", bad);
    dlclose(h);
    return add_refused(set, path, copy);
  }
  mg_loaded_plugin *grown = realloc(set->items, (set->count + 1) * sizeof *grown);
  if (!grown) {
    dlclose(h);
    return MG_ERR_NOMEM;
  }
  set->items = grown;
  grown[set->count].path = strdup(path);
  grown[set->count].handle = h;
  grown[set->count].desc = d;
  grown[set->count].options = options;
  set->count++;
  return MG_OK;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int mg_plugins_load(const char *dir, mg_plugin_set *set, mg_err *err) {
  memset(set, 0, sizeof *set);
  set->dir = strdup(dir);
  DIR *d = opendir(dir);
  if (!d)
    return mg_fail(err, MG_ERR_IO, "plugin directory %s: %s", dir, strerror(errno));
  char **names = NULL;
  size_t n = 0;
  struct dirent *e;
  int rc = MG_OK;
  while ((e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (len < 4 || strcmp(e->d_name + len - 3, ".so"))
      continue;
    char **grown = realloc(names, (n + 1) * sizeof *grown);
    if (!grown || !(grown[n] = strdup(e->d_name))) {
      names = grown ? grown : names;
      rc = mg_fail(err, MG_ERR_NOMEM, "out of memory");
      break;
    }
    names = grown;
    n++;
  }
  closedir(d);
  if (!rc)
    qsort(names, n, sizeof *names, by_name); /* deterministic order */
  for (size_t i = 0; i < n; i++) {
    if (!rc) {
      char path[4096];
      snprintf(path, sizeof path, "%s/%s", dir, names[i]);
      if (load_one(set, path))
        rc = mg_fail(err, MG_ERR_NOMEM, "out of memory");
    }
    free(names[i]);
  }
  free(names);
  return rc;
}

void mg_plugins_unload(mg_plugin_set *set) {
  for (size_t i = 0; i < set->count; i++) {
    dlclose(set->items[i].handle);
    free(set->items[i].path);
  }
  for (size_t i = 0; i < set->n_refused; i++) {
    free(set->refused[i].path);
    free(set->refused[i].reason);
  }
  free(set->items);
  free(set->refused);
  free(set->dir);
  memset(set, 0, sizeof *set);
}

const mg_loaded_plugin *mg_plugins_find(const mg_plugin_set *set, const char *name) {
  for (size_t i = 0; i < set->count; i++)
    if (!strcmp(set->items[i].desc->name, name))
      return &set->items[i];
  return NULL;
}

void mg_plugin_refused_name(const char *path, char *name, size_t len) {
  const char *base = strrchr(path, '/');
  snprintf(name, len, "%s", base ? base + 1 : path);
  char *dot = strrchr(name, '.');
  if (dot)
    *dot = '\0';
}
