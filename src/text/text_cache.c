/* Writing and mapping the text cache. */
#include "config.h"

#include "text/text_cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define FLUSH_AT (1024 * 1024) /* arena bytes written at a time */
#define ROWS_AT 4096           /* row entries written at a time */

_Static_assert(sizeof(mg_text_cache_row) == 16, "the row table's entries are 16 bytes");

static int write_all(int fd, const void *p, size_t n, const char *name, mg_err *err) {
  const uint8_t *b = p;
  while (n > 0) {
    ssize_t w = write(fd, b, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return mg_fail(err, MG_ERR_IO, "%s: writing the text cache failed: %s", name,
                     w < 0 ? strerror(errno) : "no progress");
    b += w;
    n -= (size_t)w;
  }
  return MG_OK;
}

int mg_text_cache_writer_init(mg_text_cache_writer *w, int rows_fd, int arena_fd, const char *name,
                              uint64_t row_limit, mg_err *err) {
  memset(w, 0, sizeof *w);
  w->rows_fd = rows_fd;
  w->arena_fd = arena_fd;
  w->name = name;
  /* A row's length is a uint32 in the table. */
  w->row_limit = row_limit < UINT32_MAX ? row_limit : UINT32_MAX;
  w->field = -1;
  w->acap = 64 * 1024; /* grows to FLUSH_AT and the longest row */
  w->rcap = ROWS_AT;
  w->abuf = malloc(w->acap);
  w->rbuf = malloc(w->rcap * sizeof *w->rbuf);
  if (!w->abuf || !w->rbuf)
    return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", name);
  return MG_OK;
}

static int reserve(mg_text_cache_writer *w, size_t n, mg_err *err) {
  if (n <= w->acap - w->alen)
    return MG_OK;
  size_t cap = w->acap;
  while (n > cap - w->alen) {
    if (cap > SIZE_MAX / 2)
      return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", w->name);
    cap *= 2;
  }
  uint8_t *nb = realloc(w->abuf, cap);
  if (!nb)
    return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory for a row's text", w->name);
  w->abuf = nb;
  w->acap = cap;
  return MG_OK;
}

int mg_text_cache_field_begin(mg_text_cache_writer *w, int field, mg_err *err) {
  /* Fields come in increasing order: a higher bit already set means not. */
  if (field < 0 || field >= MG_TEXT_NFIELDS || w->field >= 0 || (w->row_flags >> field))
    return mg_fail(err, MG_ERR_INTERNAL, "%s: text cache fields out of order", w->name);
  w->field = field;
  w->row_flags |= 1u << field;
  return MG_OK;
}

int mg_text_cache_append(mg_text_cache_writer *w, const char *s, size_t n, mg_err *err) {
  /* Past the row limit the bytes are not kept: row_end marks the row. */
  if (w->alen - w->row_start > w->row_limit)
    return MG_OK;
  int rc = reserve(w, n, err);
  if (rc)
    return rc;
  memcpy(w->abuf + w->alen, s, n);
  w->alen += n;
  return MG_OK;
}

int mg_text_cache_field_end(mg_text_cache_writer *w, mg_err *err) {
  int rc = mg_text_cache_append(w, "", 1, err);
  w->field = -1;
  return rc;
}

static int flush(mg_text_cache_writer *w, size_t keep_from, mg_err *err) {
  int rc = write_all(w->arena_fd, w->abuf, keep_from, w->name, err);
  if (rc)
    return rc;
  memmove(w->abuf, w->abuf + keep_from, w->alen - keep_from);
  w->alen -= keep_from;
  w->arena_written += keep_from;
  rc = write_all(w->rows_fd, w->rbuf, w->rlen * sizeof *w->rbuf, w->name, err);
  w->rlen = 0;
  return rc;
}

int mg_text_cache_row_end(mg_text_cache_writer *w, int bad, int *over, mg_err *err) {
  size_t len = w->alen - w->row_start;
  *over = !bad && len > w->row_limit;
  if (bad || *over) {
    w->alen = w->row_start; /* a bad row keeps no string */
    len = 0;
    w->row_flags = MG_TEXT_ROW_BAD;
  }
  if (w->rlen == w->rcap) {
    int rc = flush(w, w->row_start, err);
    if (rc)
      return rc;
    w->row_start = 0;
  }
  mg_text_cache_row *r = &w->rbuf[w->rlen++];
  r->base = w->arena_written + w->row_start;
  r->len = (uint32_t)len;
  r->flags = w->row_flags;
  w->rows++;
  w->row_start = w->alen;
  w->row_flags = 0;
  w->field = -1;
  if (w->alen >= FLUSH_AT) {
    int rc = flush(w, w->alen, err);
    w->row_start = 0;
    return rc;
  }
  return MG_OK;
}

int mg_text_cache_writer_finish(mg_text_cache_writer *w, mg_err *err) {
  int rc = flush(w, w->row_start, err);
  w->row_start = 0;
  return rc;
}

void mg_text_cache_writer_free(mg_text_cache_writer *w) {
  free(w->abuf);
  free(w->rbuf);
  memset(w, 0, sizeof *w);
  w->rows_fd = w->arena_fd = -1;
}

static int map_one(int fd, void **map, size_t *len, const char *name, mg_err *err) {
  struct stat st;
  if (fstat(fd, &st) != 0)
    return mg_fail(err, MG_ERR_IO, "%s: text cache: %s", name, strerror(errno));
  if ((uint64_t)st.st_size > SIZE_MAX)
    return mg_fail(err, MG_ERR_LIMIT, "%s: text cache too large to map", name);
  *len = (size_t)st.st_size;
  *map = NULL;
  if (*len == 0)
    return MG_OK;
  void *m = mmap(NULL, *len, PROT_READ, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED)
    return mg_fail(err, errno == ENOMEM ? MG_ERR_NOMEM : MG_ERR_IO,
                   "%s: mapping the text cache failed: %s", name, strerror(errno));
  *map = m;
  return MG_OK;
}

int mg_text_cache_map(mg_text_cache *c, int rows_fd, int arena_fd, const char *name, mg_err *err) {
  memset(c, 0, sizeof *c);
  int rc = map_one(rows_fd, &c->rows_map, &c->rows_map_len, name, err);
  if (!rc)
    rc = map_one(arena_fd, &c->arena_map, &c->arena_map_len, name, err);
  if (!rc && c->rows_map_len % sizeof(mg_text_cache_row))
    rc = mg_fail(err, MG_ERR_INTERNAL, "%s: text cache row table is truncated", name);
  if (rc) {
    mg_text_cache_unmap(c);
    return rc;
  }
  c->rows = c->rows_map;
  c->count = c->rows_map_len / sizeof(mg_text_cache_row);
  c->arena = c->arena_map;
  c->arena_len = c->arena_map_len;
  return MG_OK;
}

int mg_text_cache_get(const mg_text_cache *c, uint64_t i, const char *field[MG_TEXT_NFIELDS],
                      int *bad) {
  if (i >= c->count)
    return MG_ERR_ARGS;
  const mg_text_cache_row *r = &c->rows[i];
  for (int k = 0; k < MG_TEXT_NFIELDS; k++)
    field[k] = NULL;
  *bad = (r->flags & MG_TEXT_ROW_BAD) != 0;
  if (*bad)
    return MG_OK;
  if (r->len == 0) /* a row with no field (the arena may be empty and unmapped) */
    return r->flags & ~MG_TEXT_ROW_BAD ? MG_ERR_FORMAT : MG_OK;
  if (r->base > c->arena_len || r->len > c->arena_len - r->base)
    return MG_ERR_FORMAT;
  const char *p = c->arena + r->base, *end = p + r->len;
  for (int k = 0; k < MG_TEXT_NFIELDS; k++) {
    if (!(r->flags & (1u << k)))
      continue;
    const char *nul = p < end ? memchr(p, '\0', (size_t)(end - p)) : NULL;
    if (!nul)
      return MG_ERR_FORMAT; /* every string ends inside its row */
    field[k] = p;
    p = nul + 1;
  }
  return MG_OK;
}

void mg_text_cache_unmap(mg_text_cache *c) {
  if (c->rows_map)
    munmap(c->rows_map, c->rows_map_len);
  if (c->arena_map)
    munmap(c->arena_map, c->arena_map_len);
  memset(c, 0, sizeof *c);
}
