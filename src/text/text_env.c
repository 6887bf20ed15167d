/* Text datasets as the plugin services see them. */
#include "config.h"

#include "text/text_env.h"

#include <string.h>

struct mg_text_env {
  size_t count;
};

size_t mg_text_env_count(const mg_text_env *te) {
  return te ? te->count : 0;
}

int mg_text_env_info(const mg_text_env *te, size_t index, mg_text_info *out) {
  if (!out)
    return MG_ERR_ARGS;
  if (index >= mg_text_env_count(te))
    return MG_ERR_NOT_FOUND;
  return MG_ERR_INTERNAL;
}

int mg_text_env_read(const mg_text_env *te, size_t index, uint64_t first, uint64_t count,
                     mg_text_row *rows) {
  if (index >= mg_text_env_count(te))
    return MG_ERR_NOT_FOUND;
  (void)first;
  (void)count;
  (void)rows;
  return MG_ERR_INTERNAL;
}
