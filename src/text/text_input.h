/* The bytes of a text dataset, streamed: plain or compressed (libarchive's
 * raw format with its in-process filters: gzip, xz, zstd, bzip2, ...), read
 * into a sliding window that holds at most about one row. Every
 * byte is counted against dataset-bytes, and the compression ratio against
 * ratio/ratio-grace, as it is decompressed, so a bomb stops at the limit
 * and is never held or written. */
#ifndef MG_TEXT_INPUT_H
#define MG_TEXT_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "base/limit_table.h"

struct archive;

typedef struct mg_text_input {
  uint8_t *data;   /* window: data[0, len) */
  size_t len;      /* bytes in the window */
  size_t mark;     /* start of the row being read; refills keep data[mark, len) */
  size_t pos;      /* the parser's cursor, mark <= pos <= len */
  uint64_t offset; /* offset in the decompressed stream of data[0] */
  int eof;         /* no byte will follow data[len - 1] */
  /* private */
  size_t cap, max_cap;
  struct archive *a;
  const char *name; /* the file as shown in messages */
  const mg_limits *lim;
  uint64_t out_bytes; /* decompressed so far */
  const char *filter; /* "gzip", "xz", ... or NULL when plain */
} mg_text_input;

/* Reads fd (from its current offset; not closed here). */
int mg_text_input_open_fd(mg_text_input *in, int fd, const char *name, const mg_limits *lim,
                          mg_err *err);
/* Reads size bytes at data, which must outlive the input (tests, fuzzing). */
int mg_text_input_open_mem(mg_text_input *in, const void *data, size_t size, const char *name,
                           const mg_limits *lim, mg_err *err);
/* Drops data[0, mark), then reads at least one more byte after data[len),
 * growing the window when one row fills it (up to text-row-bytes plus
 * 128 KiB: the parser treats a longer row as bad and skips it). At the end
 * of the stream it reads nothing and sets eof. mark and pos are moved with
 * the bytes they point at. */
int mg_text_input_fill(mg_text_input *in, mg_err *err);
/* The decompression filter's name, or NULL for a plain file. */
const char *mg_text_input_filter(const mg_text_input *in);
void mg_text_input_close(mg_text_input *in);

#endif
