/* The text datasets the host prepares for plugins that need MG_NEED_TEXT,
 * and the three services (text_count, text_info, text_read) that read them
 * in the plugin's child. The datasets are read into caches and mapped
 * read-only before any child is forked, so every child reads the same
 * pages and text_read hands out pointers into them. */
#ifndef MG_TEXT_ENV_H
#define MG_TEXT_ENV_H

#include <stddef.h>
#include <stdint.h>

#include <modelgate/plugin.h>

#include "base/diag.h"
#include "base/limit_table.h"
#include "intake/workspace.h"
#include "package/package.h"
#include "text/text_dataset.h"
#include "verdict/results.h"

typedef struct mg_text_env_set {
  char *name;         /* "train", or the descriptor's key */
  char *path;         /* package-relative path */
  uint32_t untrusted; /* provenance: public or user-submitted */
  mg_text_dataset ds;
} mg_text_env_set;

typedef struct mg_text_env {
  mg_text_env_set *sets;
  size_t count;
  char *problem; /* the first dataset that could not be read, and why */
} mg_text_env;

/* Reads every text dataset of the package (pkg->text) into caches in the
 * workspace's cache directory and maps them. A dataset that cannot be read
 * is left out and named in te->problem and err (the scan's error: exit 2);
 * the others are still prepared. */
int mg_text_env_prepare(mg_text_env *te, const mg_package *pkg, const mg_workspace *ws,
                        const mg_limits *lim, mg_err *err);
/* Records each prepared dataset's bad rows as one core finding
 * (text.bad-rows) in the results. */
int mg_text_env_report(const mg_text_env *te, mg_results *r);

/* Reads one dataset (file at `file`, shown as `path`) and appends it. */
int mg_text_env_add(mg_text_env *te, const char *name, const char *path, const char *file,
                    uint32_t untrusted, const mg_text_options *o, const char *cache_dir,
                    const mg_limits *lim, mg_err *err);
/* Appends a dataset already read (tests); takes ds over. */
int mg_text_env_adopt(mg_text_env *te, const char *name, const char *path, uint32_t untrusted,
                      mg_text_dataset *ds, mg_err *err);
void mg_text_env_free(mg_text_env *te);

/* Why a plugin that needs text cannot run (written to why), or NULL. */
const char *mg_text_env_unmet(const mg_text_env *te, char *why, size_t len);
/* 1 with *rows set when te has a dataset of that name. */
int mg_text_env_rows(const mg_text_env *te, const char *name, uint64_t *rows);

/* Text datasets in the environment (0 when te is NULL). */
size_t mg_text_env_count(const mg_text_env *te);
/* Fills *out (the host's own layout, struct_size set) for dataset index;
 * MG_ERR_NOT_FOUND past the end. */
int mg_text_env_info(const mg_text_env *te, size_t index, mg_text_info *out);
/* Rows [first, first + count) of dataset index into the caller's array,
 * whose element size is rows[0].struct_size (at least the 1.1 layout).
 * MG_ERR_ARGS past the end of the dataset. */
int mg_text_env_read(const mg_text_env *te, size_t index, uint64_t first, uint64_t count,
                     mg_text_row *rows);

#endif
