/* Streaming, bounded reads of a text dataset through libarchive. */
#include "config.h"

#include "text/text_input.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "shared/archive_io.h"
#include "base/signals.h"

#define CHUNK (1024 * 1024) /* libarchive's reads from the file */
#define WINDOW (64 * 1024)  /* the window's first size; it doubles while a row fills it */

static int start(mg_text_input *in, const char *name, const mg_limits *lim, mg_err *err) {
  memset(in, 0, sizeof *in);
  in->name = name;
  in->lim = lim;
  uint64_t row = lim->value[MG_LIMIT_TEXT_ROW_BYTES];
  in->max_cap = row < SIZE_MAX - 2 * WINDOW ? (size_t)row + 2 * WINDOW : SIZE_MAX;
  in->cap = WINDOW;
  in->data = malloc(in->cap);
  in->a = archive_read_new();
  if (!in->data || !in->a)
    return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", name);
  mg_archive_support_filters(in->a); /* in-process decompressors only */
  if (archive_read_support_format_raw(in->a) != ARCHIVE_OK)
    return mg_fail(err, MG_ERR_INTERNAL, "%s: libarchive set-up failed: %s", name,
                   mg_archive_error(in->a));
  return MG_OK;
}

/* The raw format has one entry: the decompressed stream. */
static int first_header(mg_text_input *in, int r, mg_err *err) {
  struct archive_entry *e;
  if (r == ARCHIVE_OK)
    r = archive_read_next_header(in->a, &e);
  if (r == ARCHIVE_EOF) {
    in->eof = 1; /* an empty file: a dataset of no rows */
    return MG_OK;
  }
  if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
    return mg_fail(err, MG_ERR_FORMAT, "%s: cannot read: %s", in->name, mg_archive_error(in->a));
  /* Filter 0 is the outermost decompressor; "none" is a plain file. */
  int n = archive_filter_count(in->a);
  for (int i = 0; i < n; i++) {
    const char *f = archive_filter_name(in->a, i);
    if (f && strcmp(f, "none") != 0) {
      in->filter = f;
      break;
    }
  }
  return MG_OK;
}

int mg_text_input_open_fd(mg_text_input *in, int fd, const char *name, const mg_limits *lim,
                          mg_err *err) {
  int rc = start(in, name, lim, err);
  if (rc)
    return rc;
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
    in->eof = 1; /* libarchive calls an empty file damaged: it is no rows */
    return MG_OK;
  }
  return first_header(in, archive_read_open_fd(in->a, fd, CHUNK), err);
}

int mg_text_input_open_mem(mg_text_input *in, const void *data, size_t size, const char *name,
                           const mg_limits *lim, mg_err *err) {
  int rc = start(in, name, lim, err);
  if (rc)
    return rc;
  if (size == 0) {
    in->eof = 1;
    return MG_OK;
  }
  /* libarchive takes a non-const pointer but only reads through it. */
  return first_header(in, archive_read_open_memory(in->a, (void *)(uintptr_t)data, size), err);
}

const char *mg_text_input_filter(const mg_text_input *in) {
  return in->filter;
}

int mg_text_input_fill(mg_text_input *in, mg_err *err) {
  if (in->eof)
    return MG_OK;
  if (mg_interrupted())
    return mg_fail(err, MG_ERR_INTERRUPTED, "%s: interrupted", in->name);
  if (in->mark > 0) {
    memmove(in->data, in->data + in->mark, in->len - in->mark);
    in->offset += in->mark;
    in->len -= in->mark;
    in->pos -= in->mark;
    in->mark = 0;
  }
  /* Grown when the row being read fills most of it: the window always ends
   * up larger than a row may be, so a full window means a row over the
   * limit, which the parser drops (mark moves) before asking for more. */
  if (in->cap - in->len < in->cap / 4 && in->cap < in->max_cap) {
    size_t cap = in->cap <= in->max_cap / 2 ? in->cap * 2 : in->max_cap;
    uint8_t *grown = realloc(in->data, cap);
    if (!grown)
      return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory for a row of %zu bytes", in->name,
                     in->len);
    in->data = grown;
    in->cap = cap;
  }
  if (in->len == in->cap)
    return mg_fail(err, MG_ERR_INTERNAL, "%s: a row outgrew the read window", in->name);
  la_ssize_t n = archive_read_data(in->a, in->data + in->len, in->cap - in->len);
  if (n < 0)
    return mg_fail(err, MG_ERR_FORMAT, "%s: %s data is damaged or truncated: %s", in->name,
                   in->filter ? in->filter : "file", mg_archive_error(in->a));
  if (n == 0) {
    in->eof = 1;
    return MG_OK;
  }
  in->len += (size_t)n;
  in->out_bytes += (uint64_t)n;
  int rc = mg_limit_check(in->lim, MG_LIMIT_DATASET_BYTES, in->out_bytes, in->name, err);
  /* Bytes consumed from the file itself: the last (innermost) filter's. */
  la_int64_t raw = archive_filter_bytes(in->a, -1);
  if (!rc && in->filter)
    rc = mg_limit_check_ratio(in->lim, in->out_bytes, raw > 0 ? (uint64_t)raw : 0, in->name, err);
  return rc;
}

void mg_text_input_close(mg_text_input *in) {
  if (in->a)
    archive_read_free(in->a);
  free(in->data);
  memset(in, 0, sizeof *in);
}
