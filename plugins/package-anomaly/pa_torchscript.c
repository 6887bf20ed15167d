/* See pa_torchscript.h. Each member names a directory of its container
 * ("C!/DIR/", DIR the member's first directory or nothing, as torch takes
 * it) and what it is there; a directory is TorchScript when it holds both
 * code/ sources and one of the pickles torch.jit.load reads. */
#include "config.h"

#include "pa_torchscript.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TS_SOURCE = 1, TS_PICKLE = 2 };

typedef struct entry {
  char *dir; /* "container!/DIR/" */
  int what;
} entry;

struct pa_ts {
  entry *e;
  size_t n, cap;
  int sorted;
};

pa_ts *pa_ts_new(void) {
  return calloc(1, sizeof(pa_ts));
}

/* What member is in its directory, and how long "DIR/" is. */
static int kind(const char *member, size_t *dir_len) {
  const char *slash = strchr(member, '/');
  *dir_len = 0;
  const char *rest = member;
  if (strncmp(member, "code/", 5) && slash) {
    *dir_len = (size_t)(slash + 1 - member);
    rest = slash + 1;
  }
  size_t l = strlen(rest);
  if (!strncmp(rest, "code/", 5) && l > 8 && !strcmp(rest + l - 3, ".py"))
    return TS_SOURCE;
  if (!strcmp(rest, "data.pkl") || !strcmp(rest, "constants.pkl"))
    return TS_PICKLE;
  return 0;
}

static char *dir_key(const char *container, const char *member, size_t dir_len) {
  size_t l = strlen(container) + 2 + dir_len + 1;
  char *k = malloc(l);
  if (k)
    snprintf(k, l, "%s!/%.*s", container, (int)dir_len, member);
  return k;
}

int pa_ts_add(pa_ts *t, const char *container, const char *member) {
  size_t dl;
  int what = kind(member, &dl);
  if (!what)
    return 0;
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 16;
    entry *g = realloc(t->e, cap * sizeof *g);
    if (!g)
      return -1;
    t->e = g;
    t->cap = cap;
  }
  if (!(t->e[t->n].dir = dir_key(container, member, dl)))
    return -1;
  t->e[t->n++].what = what;
  t->sorted = 0;
  return 0;
}

static int by_dir(const void *a, const void *b) {
  return strcmp(((const entry *)a)->dir, ((const entry *)b)->dir);
}

/* Sorts by directory and merges the entries of one directory. */
static void settle(pa_ts *t) {
  qsort(t->e, t->n, sizeof *t->e, by_dir);
  size_t k = 0;
  for (size_t i = 0; i < t->n; i++) {
    if (k && !strcmp(t->e[k - 1].dir, t->e[i].dir)) {
      t->e[k - 1].what |= t->e[i].what;
      free(t->e[i].dir);
    } else {
      t->e[k++] = t->e[i];
    }
  }
  t->n = k;
  t->sorted = 1;
}

int pa_ts_source(pa_ts *t, const char *container, const char *member) {
  size_t dl;
  if (!t || !t->n || kind(member, &dl) != TS_SOURCE)
    return 0;
  if (!t->sorted)
    settle(t);
  char *k = dir_key(container, member, dl);
  if (!k)
    return 0;
  entry want = {k, 0};
  const entry *hit = bsearch(&want, t->e, t->n, sizeof *t->e, by_dir);
  free(k);
  return hit && hit->what == (TS_SOURCE | TS_PICKLE);
}

void pa_ts_free(pa_ts *t) {
  if (!t)
    return;
  for (size_t i = 0; i < t->n; i++)
    free(t->e[i].dir);
  free(t->e);
  free(t);
}
