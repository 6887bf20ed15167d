/* The descriptor's text block, and text datasets by convention. */
#include "config.h"

#include "text/text_refs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "package/package.h"
#include "intake/path.h"

#define MAX_TEXT_SETS 64
#define MAX_NAME 32 /* what a finding's dataset may be (plugin_collect.c) */

static const char *const sources[] = {"public", "user-submitted", "vendor", "internal", NULL};

int mg_text_source_valid(const char *s) {
  for (int i = 0; s && sources[i]; i++)
    if (!strcmp(s, sources[i]))
      return 1;
  return 0;
}

int mg_text_source_untrusted(const char *s) {
  return s && (!strcmp(s, "public") || !strcmp(s, "user-submitted"));
}

static void ref_free(mg_text_ref *t) {
  free(t->name);
  free(t->path);
  for (int i = 0; i < MG_TEXT_SLOTS; i++)
    free((char *)(uintptr_t)t->opt.fields.name[i]);
}

void mg_text_refs_free(mg_text_refs *r) {
  for (size_t i = 0; i < r->count; i++)
    ref_free(&r->items[i]);
  free(r->items);
  memset(r, 0, sizeof *r);
}

static mg_text_ref *ref_add(mg_text_refs *r, mg_err *err) {
  mg_text_ref *grown = realloc(r->items, (r->count + 1) * sizeof *grown);
  if (!grown) {
    mg_fail(err, MG_ERR_NOMEM, "out of memory");
    return NULL;
  }
  r->items = grown;
  mg_text_ref *t = &grown[r->count++];
  memset(t, 0, sizeof *t);
  return t;
}

/* Dataset names appear in findings and reports: short, plain. */
static int valid_name(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > MAX_NAME)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
          (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' || s[i] == '.'))
      return 0;
  return 1;
}

/* Where the text block comes from, for messages ("modelgate.json:
 * text.sft.kind: ..."), and the limits paths are checked against. */
typedef struct text_block {
  const char *source;
  const mg_limits *lim;
  mg_err *err;
} text_block;

static int bad(text_block *p, const char *key, const char *problem) {
  return mg_fail(p->err, MG_ERR_FORMAT, "%s: %s: %s", p->source, key, problem);
}

static const char *string_of(json_t *v) {
  /* A NUL inside would cut the string short of what the JSON says. */
  return json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v)
             ? json_string_value(v)
             : NULL;
}

static int parse_fields(text_block *p, json_t *v, const char *key, mg_text_ref *t) {
  char sub[256];
  if (!json_is_object(v))
    return bad(p, key, "expected an object mapping fields to column or key names");
  const char *k;
  json_t *item;
  json_object_foreach(v, k, item) {
    snprintf(sub, sizeof sub, "%s.%.60s", key, k);
    int slot = mg_text_slot_by_key(k);
    if (slot < 0)
      return bad(p, sub,
                 "unknown field (expected text, label, instruction, input, output, prompt, "
                 "chosen, rejected, annotator, messages)");
    const char *s = string_of(item);
    if (!s || !*s || strlen(s) > 256)
      return bad(p, sub, "expected a non-empty string of at most 256 bytes");
    if (!(t->opt.fields.name[slot] = strdup(s)))
      return mg_fail(p->err, MG_ERR_NOMEM, "out of memory");
  }
  return MG_OK;
}

static int parse_one(text_block *p, const char *name, json_t *v, mg_text_ref *t) {
  char key[96], sub[160];
  snprintf(key, sizeof key, "text.%.60s", name);
  if (!valid_name(name))
    return bad(p, key, "a dataset name is 1-32 characters of [A-Za-z0-9._-]");
  if (!(t->name = strdup(name)))
    return mg_fail(p->err, MG_ERR_NOMEM, "out of memory");
  if (!json_is_object(v))
    return bad(p, key, "expected an object {\"path\", \"kind\", \"format\", \"fields\"}");
  const char *k;
  json_t *item;
  json_object_foreach(v, k, item) {
    snprintf(sub, sizeof sub, "%s.%.40s", key, k);
    int rc = MG_OK;
    if (!strcmp(k, "path")) {
      mg_err perr;
      mg_err_clear(&perr);
      const char *s = string_of(item);
      if (!s)
        rc = bad(p, sub, "expected a path string");
      else if (mg_path_normalize(s, p->lim, sub, &t->path, &perr))
        rc = mg_fail(p->err, MG_ERR_FORMAT, "%s: %s", p->source, perr.msg);
    } else if (!strcmp(k, "kind")) {
      if (mg_text_kind_parse(string_of(item), &t->opt.kind))
        rc = bad(p, sub, "expected \"classification\", \"instruction\" or \"preference\"");
    } else if (!strcmp(k, "format")) {
      if (mg_text_format_parse(string_of(item), &t->opt.format))
        rc = bad(p, sub, "expected \"jsonl\", \"csv\", \"tsv\" or \"json\"");
    } else if (!strcmp(k, "fields")) {
      rc = parse_fields(p, item, sub, t);
    } else {
      rc = bad(p, sub, "unknown key (expected path, kind, format, fields)");
    }
    if (rc)
      return rc;
  }
  if (!t->path)
    return bad(p, key, "\"path\" is required");
  return MG_OK;
}

int mg_text_refs_parse(mg_text_refs *r, json_t *v, const char *source, const mg_limits *lim,
                       mg_err *err) {
  text_block p = {source, lim, err};
  if (!json_is_object(v))
    return bad(&p, "text", "expected an object of datasets {\"name\": {\"path\": ...}}");
  if (json_object_size(v) > MAX_TEXT_SETS)
    return bad(&p, "text", "more than 64 text datasets");
  const char *k;
  json_t *item;
  json_object_foreach(v, k, item) {
    mg_text_ref *t = ref_add(r, err);
    int rc = t ? parse_one(&p, k, item, t) : MG_ERR_NOMEM;
    if (rc)
      return rc;
    for (size_t i = 0; i + 1 < r->count; i++)
      if (!strcmp(r->items[i].path, t->path)) {
        char key[96];
        snprintf(key, sizeof key, "text.%.60s.path", k);
        return bad(&p, key, "names the same file as another text dataset");
      }
  }
  return MG_OK;
}

static int copy_ref(mg_text_refs *out, const mg_text_ref *in, mg_err *err) {
  mg_text_ref *t = ref_add(out, err);
  if (!t)
    return MG_ERR_NOMEM;
  t->opt = in->opt;
  int ok = (t->name = strdup(in->name)) && (t->path = strdup(in->path));
  for (int i = 0; i < MG_TEXT_SLOTS; i++)
    if (in->opt.fields.name[i] && !(t->opt.fields.name[i] = strdup(in->opt.fields.name[i])))
      ok = 0;
  return ok ? MG_OK : mg_fail(err, MG_ERR_NOMEM, "out of memory");
}

/* The image datasets' names: findings could not tell them apart. */
static int clashes(const mg_package *pkg, const char *name) {
  return (!strcmp(name, "train") && pkg->train_inputs) ||
         (!strcmp(name, "reference") && pkg->reference_inputs) || !strcmp(name, "inputs");
}

/* Without a descriptor: every depth-0 file with a text dataset's name
 * (.json only when it is the whole package: elsewhere it is more often a
 * configuration than a dataset). One file is "train"; several are named
 * by their stems ("test.csv" is "test"), or "text-N" when a stem will not
 * do. */
static int by_convention(mg_package *pkg, mg_err *err) {
  mg_inventory *inv = &pkg->inv;
  size_t first = pkg->text.count;
  for (size_t i = 0; i < inv->count; i++) {
    mg_file *f = &inv->files[i];
    mg_text_format fmt = mg_text_format_of_name(f->path);
    if (f->depth || strcmp(f->role, "other") || fmt == MG_TEXT_FORMAT_AUTO ||
        (fmt == MG_TEXT_FORMAT_JSON && inv->count > 1))
      continue;
    mg_text_ref *t = ref_add(&pkg->text, err);
    if (!t || !(t->path = strdup(f->path)))
      return mg_fail(err, MG_ERR_NOMEM, "out of memory");
    t->file = f;
  }
  size_t n = pkg->text.count - first;
  for (size_t i = first; i < pkg->text.count; i++) {
    mg_text_ref *t = &pkg->text.items[i];
    char name[MAX_NAME + 1];
    const char *base = mg_path_base(t->path);
    size_t stem = strcspn(base, ".");
    if (n == 1)
      snprintf(name, sizeof name, "train");
    else if (stem > 0 && stem <= MAX_NAME)
      snprintf(name, sizeof name, "%.*s", (int)stem, base);
    else
      name[0] = '\0';
    int unique = valid_name(name) && !clashes(pkg, name);
    for (size_t j = first; unique && n > 1 && j < pkg->text.count; j++) {
      const char *other = mg_path_base(pkg->text.items[j].path);
      if (j != i && strcspn(other, ".") == stem && !strncmp(other, base, stem))
        unique = 0; /* train.csv and train.jsonl */
    }
    if (!unique)
      snprintf(name, sizeof name, "text-%zu", i - first + 1);
    if (!(t->name = strdup(name)))
      return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  }
  return MG_OK;
}

/* Marks a dataset untrusted when a provenance record for its file says the
 * source is public or user-submitted. */
static void mark_untrusted(mg_text_ref *t, json_t *provenance, const mg_limits *lim) {
  size_t i;
  json_t *rec;
  json_array_foreach(provenance, i, rec) {
    const char *path = json_string_value(json_object_get(rec, "path"));
    const char *source = json_string_value(json_object_get(rec, "source"));
    char *normal = NULL;
    mg_err perr;
    mg_err_clear(&perr);
    if (path && mg_text_source_untrusted(source) &&
        !mg_path_normalize(path, lim, "provenance", &normal, &perr) && !strcmp(normal, t->path))
      t->untrusted = 1;
    free(normal);
  }
}

int mg_text_package_resolve(mg_package *pkg, const mg_limits *lim, mg_err *err) {
  mg_descriptor *d = &pkg->desc;
  int rc = MG_OK;
  if (d->has_text) {
    for (size_t i = 0; !rc && i < d->text_sets.count; i++) {
      const mg_text_ref *in = &d->text_sets.items[i];
      mg_file *f = mg_inventory_find(&pkg->inv, in->path);
      if (!f)
        rc = mg_fail(err, MG_ERR_FORMAT, "%s: text.%s.path: '%s' is not in the package",
                     MG_DESCRIPTOR_NAME, in->name, in->path);
      else if (strcmp(f->role, "other"))
        rc = mg_fail(err, MG_ERR_FORMAT, "%s: text.%s.path: '%s' is already the %s",
                     MG_DESCRIPTOR_NAME, in->name, in->path, f->role);
      else if (clashes(pkg, in->name))
        rc = mg_fail(err, MG_ERR_FORMAT,
                     "%s: text.%s: the package has an image dataset of that name; name the text "
                     "dataset otherwise",
                     MG_DESCRIPTOR_NAME, in->name);
      else if (!(rc = copy_ref(&pkg->text, in, err)))
        pkg->text.items[pkg->text.count - 1].file = f;
    }
  } else if (!d->present) {
    rc = by_convention(pkg, err);
  }
  for (size_t i = 0; !rc && i < pkg->text.count; i++) {
    mg_text_ref *t = &pkg->text.items[i];
    t->file->role = "text";
    if (d->provenance)
      mark_untrusted(t, d->provenance, lim);
  }
  return rc;
}
