/* Text datasets as the plugin services see them. */
#include "config.h"

#include "text/text_env.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/progress.h"
#include "intake/workspace.h"
#include "package/package.h"

/* Bad rows listed in a text.bad-rows finding; the count is always whole. */
#define BAD_ROWS_LISTED 10000

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

/* One finding per dataset with bad rows: rows nobody inspected are where
 * poison could hide, the more so in data from an untrusted source. */
static int report_bad_rows(mg_results *r, const mg_text_env_set *s) {
  static const char *const atlas[] = {"AML.T0020", NULL};
  static const char *const mitigations[] = {"AML.M0007", NULL};
  const mg_text_dataset *d = &s->ds;
  uint64_t *rows = NULL;
  size_t n = 0;
  mg_err err;
  mg_err_clear(&err);
  int rc = mg_text_dataset_bad_indices(d, &rows, &n, &err);
  if (rc)
    return rc;
  char title[300], msg[1600];
  snprintf(title, sizeof title,
           "%" PRIu64 " of %" PRIu64 " rows of text dataset '%s' could not be read", d->bad_rows,
           d->rows, s->name);
  int len =
      snprintf(msg, sizeof msg,
               "%s: %" PRIu64 " row%s (%.2f%%) could not be read and %s not inspected by "
               "any detector%s. First: ",
               s->path, d->bad_rows, d->bad_rows == 1 ? "" : "s",
               100.0 * (double)d->bad_rows / (double)d->rows, d->bad_rows == 1 ? "was" : "were",
               s->untrusted ? "; the dataset comes from an untrusted source" : "");
  json_t *examples = json_array();
  for (size_t i = 0; i < d->n_bad; i++) {
    if (len > 0 && (size_t)len < sizeof msg && i < 3)
      len += snprintf(msg + len, sizeof msg - (size_t)len, "%srow %" PRIu64 ": %s", i ? "; " : "",
                      d->bad[i].row, d->bad[i].reason);
    json_array_append_new(examples, json_pack("{s:I, s:s}", "row", (json_int_t)d->bad[i].row,
                                              "reason", d->bad[i].reason));
  }
  json_t *ev =
      json_pack("{s:s, s:s, s:I, s:I, s:o}", "dataset", s->name, "path", s->path, "rows",
                (json_int_t)d->rows, "bad_rows", (json_int_t)d->bad_rows, "examples", examples);
  char *evtext = ev ? json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(ev);
  mg_finding f = MG_FINDING_INIT;
  f.severity = s->untrusted ? MG_SEV_HIGH : MG_SEV_MEDIUM;
  f.rule = "text.bad-rows";
  f.title = title;
  f.message = msg;
  f.artifact = s->path;
  f.atlas = atlas;
  f.mitigations = mitigations;
  f.dataset = s->name;
  f.indices = rows;
  f.n_indices = n < BAD_ROWS_LISTED ? n : BAD_ROWS_LISTED;
  f.score = (double)d->bad_rows / (double)d->rows;
  f.evidence_json = evtext;
  rc = mg_results_add_finding(r, "core", &f, NULL, NULL, NULL) ? MG_OK : MG_ERR_NOMEM;
  free(evtext);
  free(rows);
  return rc;
}

int mg_text_env_prepare(mg_text_env *te, const mg_package *pkg, const mg_workspace *ws,
                        const mg_limits *lim, mg_err *err) {
  int first = MG_OK;
  for (size_t i = 0; i < pkg->text.count; i++) {
    const mg_text_ref *t = &pkg->text.items[i];
    double t0 = mg_now();
    char *file = mg_workspace_path(ws, t->file->ws_path);
    mg_err e;
    mg_err_clear(&e);
    int rc = file ? mg_text_env_add(te, t->name, t->path, file, t->untrusted, &t->opt,
                                    ws->cache_dir, lim, &e)
                  : mg_fail(&e, MG_ERR_NOMEM, "out of memory");
    free(file);
    if (rc == MG_ERR_INTERRUPTED)
      return mg_fail(err, rc, "%s", e.msg);
    if (rc) {
      if (!te->problem)
        te->problem = strdup(e.msg);
      mg_fail(err, rc, "%s", e.msg);
      first = first ? first : rc;
      continue;
    }
    const mg_text_env_set *set = &te->sets[te->count - 1];
    if (mg_verbosity >= 2)
      mg_log_info("text dataset %s (%s): %" PRIu64 " rows (%" PRIu64 " bad), %s, %s%s in %.2f s",
                  set->name, set->path, set->ds.rows, set->ds.bad_rows,
                  mg_text_format_name(set->ds.format), mg_text_kind_name(set->ds.kind),
                  set->untrusted ? ", untrusted" : "", mg_now() - t0);
  }
  return first;
}

int mg_text_env_report(const mg_text_env *te, mg_results *r) {
  for (size_t i = 0; i < mg_text_env_count(te); i++) {
    int rc = te->sets[i].ds.bad_rows ? report_bad_rows(r, &te->sets[i]) : MG_OK;
    if (rc)
      return rc;
  }
  return MG_OK;
}

void mg_text_env_free(mg_text_env *te) {
  for (size_t i = 0; i < te->count; i++) {
    mg_text_dataset_free(&te->sets[i].ds);
    free(te->sets[i].name);
    free(te->sets[i].path);
  }
  free(te->sets);
  free(te->problem);
  memset(te, 0, sizeof *te);
}

const char *mg_text_env_unmet(const mg_text_env *te, char *why, size_t len) {
  if (mg_text_env_count(te))
    return NULL;
  if (!te || !te->problem)
    return "needs a text dataset; the package has none";
  snprintf(why, len, "needs a text dataset, which could not be read: %s", te->problem);
  return why;
}

int mg_text_env_rows(const mg_text_env *te, const char *name, uint64_t *rows) {
  for (size_t i = 0; name && i < mg_text_env_count(te); i++)
    if (!strcmp(te->sets[i].name, name)) {
      *rows = te->sets[i].ds.rows;
      return 1;
    }
  return 0;
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
