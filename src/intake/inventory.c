/* Inventory storage. */
#include "config.h"

#include "inventory.h"

#include <stdlib.h>
#include <string.h>

#include "shared/printable.h"

void mg_inventory_init(mg_inventory *inv) {
  memset(inv, 0, sizeof *inv);
}

void mg_inventory_free(mg_inventory *inv) {
  for (size_t i = 0; i < inv->count; i++) {
    free(inv->files[i].path);
    free(inv->files[i].ws_path);
    free(inv->files[i].container);
    free(inv->files[i].note);
    free(inv->files[i].registry_name);
  }
  for (size_t i = 0; i < inv->n_refused; i++) {
    free(inv->refused[i].name);
    free(inv->refused[i].reason);
  }
  free(inv->files);
  free(inv->refused);
  free(inv->source);
  free(inv->name);
  free(inv->root_prefix);
  memset(inv, 0, sizeof *inv);
}

mg_file *mg_inventory_add(mg_inventory *inv) {
  if (inv->count == inv->cap) {
    size_t cap = inv->cap ? inv->cap * 2 : 64;
    mg_file *f = realloc(inv->files, cap * sizeof *f);
    if (!f)
      return NULL;
    inv->files = f;
    inv->cap = cap;
  }
  mg_file *f = &inv->files[inv->count++];
  memset(f, 0, sizeof *f);
  f->role = "other";
  return f;
}

int mg_inventory_refuse(mg_inventory *inv, const char *name, const char *reason) {
  if (inv->n_refused == inv->cap_refused) {
    size_t cap = inv->cap_refused ? inv->cap_refused * 2 : 8;
    mg_refusal *r = realloc(inv->refused, cap * sizeof *r);
    if (!r)
      return MG_ERR_NOMEM;
    inv->refused = r;
    inv->cap_refused = cap;
  }
  mg_refusal *r = &inv->refused[inv->n_refused];
  r->name = printable_ascii_n(name ? name : "", 512); /* attacker-chosen */
  r->reason = strdup(reason);
  if (!r->name || !r->reason) {
    free(r->name);
    free(r->reason);
    return MG_ERR_NOMEM;
  }
  inv->n_refused++;
  return MG_OK;
}

mg_file *mg_inventory_find(const mg_inventory *inv, const char *path) {
  for (size_t i = 0; i < inv->count; i++)
    if (inv->files[i].depth == 0 && !strcmp(inv->files[i].path, path))
      return &inv->files[i];
  return NULL;
}

void mg_file_set_note(mg_file *f, const char *note) {
  if (f->note) /* keep the first anomaly: later ones usually follow from it */
    return;
  f->note = strdup(note);
}

static int by_path(const void *a, const void *b) {
  const mg_file *const *x = a, *const *y = b;
  return strcmp((*x)->path, (*y)->path);
}

int mg_inventory_manifest_digest(const mg_inventory *inv, char hex[MG_SHA256_HEX], mg_err *err) {
  const mg_file **sorted = malloc((inv->count + 1) * sizeof *sorted);
  if (!sorted)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  size_t n = 0;
  for (size_t i = 0; i < inv->count; i++)
    if (inv->files[i].depth == 0)
      sorted[n++] = &inv->files[i];
  qsort(sorted, n, sizeof *sorted, by_path);
  mg_sha256 h;
  int rc = mg_sha256_init(&h, err);
  for (size_t i = 0; !rc && i < n; i++) {
    rc = mg_sha256_update(&h, sorted[i]->sha256, 64, err);
    if (!rc)
      rc = mg_sha256_update(&h, "  ", 2, err);
    if (!rc)
      rc = mg_sha256_update(&h, sorted[i]->path, strlen(sorted[i]->path), err);
    if (!rc)
      rc = mg_sha256_update(&h, "\n", 1, err);
  }
  free(sorted);
  if (rc) {
    mg_sha256_free(&h);
    return rc;
  }
  return mg_sha256_final(&h, hex, err);
}
