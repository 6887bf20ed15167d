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

typedef struct mg_text_env mg_text_env;

/* Text datasets in the environment (0 when te is NULL). */
size_t mg_text_env_count(const mg_text_env *te);
/* Fills *out (the host's own layout, struct_size set) for dataset index;
 * MG_ERR_NOT_FOUND past the end. */
int mg_text_env_info(const mg_text_env *te, size_t index, mg_text_info *out);
/* Rows [first, first + count) of dataset index into the caller's array,
 * whose element size is rows[0].struct_size (at least the 1.1 layout). */
int mg_text_env_read(const mg_text_env *te, size_t index, uint64_t first, uint64_t count,
                     mg_text_row *rows);

#endif
