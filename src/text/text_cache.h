/* The cache of one text dataset, in the workspace's cache/ directory: a
 * row table (16 bytes a row) and a string arena. A row's present fields
 * are stored one after the other in the arena, in MG_TEXT_FIELD_* order,
 * each NUL-terminated; the row table gives where the row's strings start,
 * how many bytes they take and which fields are present. Written once,
 * streaming, by the host; then memory-mapped read-only before the plugin
 * children are forked, so every child reads the same pages and text_read
 * hands out pointers into them. */
#ifndef MG_TEXT_CACHE_H
#define MG_TEXT_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"

#define MG_TEXT_NFIELDS 9          /* text .. annotator, as the MG_TEXT_FIELD_* bits */
#define MG_TEXT_ROW_BAD (1u << 31) /* in mg_text_cache_row.flags */

typedef struct mg_text_cache_row {
  uint64_t base;  /* arena offset of the row's first string */
  uint32_t len;   /* arena bytes of the row, terminators included */
  uint32_t flags; /* MG_TEXT_FIELD_* bits present, MG_TEXT_ROW_BAD */
} mg_text_cache_row;

typedef struct mg_text_cache_writer {
  int rows_fd, arena_fd; /* owned by the caller */
  const char *name;      /* the dataset file, for messages */
  uint64_t row_limit;    /* a row's strings may not take more */
  uint8_t *abuf;         /* arena bytes not yet written */
  size_t alen, acap;
  uint64_t arena_written;
  size_t row_start; /* abuf offset of the current row */
  uint32_t row_flags;
  int field; /* the field being written, -1 between fields */
  mg_text_cache_row *rbuf;
  size_t rlen, rcap;
  uint64_t rows;
} mg_text_cache_writer;

int mg_text_cache_writer_init(mg_text_cache_writer *w, int rows_fd, int arena_fd, const char *name,
                              uint64_t row_limit, mg_err *err);
/* Within a row, fields are written in increasing order, each at most once:
 * field_begin, any number of appends, field_end. */
int mg_text_cache_field_begin(mg_text_cache_writer *w, int field, mg_err *err);
int mg_text_cache_append(mg_text_cache_writer *w, const char *s, size_t n, mg_err *err);
int mg_text_cache_field_end(mg_text_cache_writer *w, mg_err *err);
/* Ends the row. bad: the row is stored with no field. *over is set (and
 * the row stored as bad) when its strings took more than row_limit. */
int mg_text_cache_row_end(mg_text_cache_writer *w, int bad, int *over, mg_err *err);
/* Flushes everything to the files. */
int mg_text_cache_writer_finish(mg_text_cache_writer *w, mg_err *err);
void mg_text_cache_writer_free(mg_text_cache_writer *w);

/* The mapped, read-only cache. */
typedef struct mg_text_cache {
  const mg_text_cache_row *rows;
  uint64_t count;
  const char *arena;
  uint64_t arena_len;
  void *rows_map, *arena_map; /* NULL when the file is empty */
  size_t rows_map_len, arena_map_len;
} mg_text_cache;

/* Maps both files (the descriptors may be closed afterwards). */
int mg_text_cache_map(mg_text_cache *c, int rows_fd, int arena_fd, const char *name, mg_err *err);
/* Row i's fields in MG_TEXT_FIELD_* order (NULL when absent), and whether
 * it is bad. MG_ERR_ARGS past the end, MG_ERR_FORMAT for an entry that does
 * not fit the arena. */
int mg_text_cache_get(const mg_text_cache *c, uint64_t i, const char *field[MG_TEXT_NFIELDS],
                      int *bad);
void mg_text_cache_unmap(mg_text_cache *c);

#endif
