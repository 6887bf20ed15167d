/* Text datasets as the plugin services see them. */
#include "config.h"

#include "text/text_env.h"

#include <stdlib.h>
#include <string.h>

static int append(mg_text_env *te, const char *name, const char *path, uint32_t untrusted,
                  mg_text_env_set **out, mg_err *err) {
  mg_text_env_set *grown = realloc(te->sets, (te->count + 1) * sizeof *grown);
  if (!grown)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  te->sets = grown;
  mg_text_env_set *s = &grown[te->count];
  memset(s, 0, sizeof *s);
  s->name = strdup(name);
  s->path = strdup(path);
  s->untrusted = untrusted;
  if (!s->name || !s->path) {
    free(s->name);
    free(s->path);
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  }
  *out = s;
  return MG_OK;
}

int mg_text_env_add(mg_text_env *te, const char *name, const char *path, const char *file,
                    uint32_t untrusted, const mg_text_options *o, const char *cache_dir,
                    const mg_limits *lim, mg_err *err) {
  mg_text_env_set *s;
  int rc = append(te, name, path, untrusted, &s, err);
  if (rc)
    return rc;
  rc = mg_text_dataset_load(&s->ds, file, path, cache_dir, o, lim, err);
  if (rc) {
    mg_text_dataset_free(&s->ds);
    free(s->name);
    free(s->path);
    return rc;
  }
  te->count++;
  return MG_OK;
}

int mg_text_env_adopt(mg_text_env *te, const char *name, const char *path, uint32_t untrusted,
                      mg_text_dataset *ds, mg_err *err) {
  mg_text_env_set *s;
  int rc = append(te, name, path, untrusted, &s, err);
  if (rc)
    return rc;
  s->ds = *ds;
  memset(ds, 0, sizeof *ds);
  te->count++;
  return MG_OK;
}

void mg_text_env_free(mg_text_env *te) {
  for (size_t i = 0; i < te->count; i++) {
    mg_text_dataset_free(&te->sets[i].ds);
    free(te->sets[i].name);
    free(te->sets[i].path);
  }
  free(te->sets);
  memset(te, 0, sizeof *te);
}

size_t mg_text_env_count(const mg_text_env *te) {
  return te ? te->count : 0;
}

int mg_text_env_info(const mg_text_env *te, size_t index, mg_text_info *out) {
  if (!out)
    return MG_ERR_ARGS;
  if (index >= mg_text_env_count(te))
    return MG_ERR_NOT_FOUND;
  const mg_text_env_set *s = &te->sets[index];
  memset(out, 0, sizeof *out);
  out->struct_size = sizeof *out;
  out->name = s->name;
  out->path = s->path;
  out->format = mg_text_format_name(s->ds.format);
  out->kind = s->ds.kind;
  out->count = s->ds.rows;
  out->bad_rows = s->ds.bad_rows;
  out->untrusted = s->untrusted;
  out->fields = s->ds.fields;
  return MG_OK;
}

int mg_text_env_read(const mg_text_env *te, size_t index, uint64_t first, uint64_t count,
                     mg_text_row *rows) {
  if (index >= mg_text_env_count(te))
    return MG_ERR_NOT_FOUND;
  const mg_text_cache *c = &te->sets[index].ds.cache;
  if (first > c->count || count > c->count - first || (count && !rows))
    return MG_ERR_ARGS;
  if (count == 0)
    return MG_OK;
  /* The caller's element size: a later minor's rows may be larger. */
  size_t stride = rows[0].struct_size;
  if (stride < sizeof(mg_text_row) || count > SIZE_MAX / stride)
    return MG_ERR_ABI;
  for (uint64_t i = 0; i < count; i++) {
    mg_text_row *r = (mg_text_row *)(void *)((char *)rows + (size_t)i * stride);
    if (r->struct_size != stride)
      return MG_ERR_ABI;
    const char *f[MG_TEXT_NFIELDS];
    int bad;
    if (mg_text_cache_get(c, first + i, f, &bad) != MG_OK)
      return MG_ERR_INTERNAL; /* the host wrote this cache: never */
    memset(r, 0, sizeof *r);
    r->struct_size = stride;
    r->index = first + i;
    r->bad = (uint32_t)bad;
    r->text = f[MG_TF_TEXT];
    r->label = f[MG_TF_LABEL];
    r->instruction = f[MG_TF_INSTRUCTION];
    r->input = f[MG_TF_INPUT];
    r->output = f[MG_TF_OUTPUT];
    r->prompt = f[MG_TF_PROMPT];
    r->chosen = f[MG_TF_CHOSEN];
    r->rejected = f[MG_TF_REJECTED];
    r->annotator = f[MG_TF_ANNOTATOR];
  }
  return MG_OK;
}
