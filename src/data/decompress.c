/* libarchive raw-format decompression into a file or into memory. */
#include "config.h"

#include "data/decompress.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/archive_io.h"

#define CHUNK (256 * 1024)

/* Where decompressed bytes go. */
typedef struct sink {
  int fd;       /* >= 0: write here */
  uint8_t *buf; /* fd < 0: grow this */
  size_t len, cap;
} sink;

static int sink_put(sink *s, const uint8_t *p, size_t n, const char *name, mg_err *err) {
  if (s->fd >= 0) {
    while (n > 0) {
      ssize_t w = write(s->fd, p, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return mg_fail(err, MG_ERR_IO, "%s: writing the decompressed copy failed: %s", name,
                       w < 0 ? strerror(errno) : "no progress");
      p += w;
      n -= (size_t)w;
    }
    return MG_OK;
  }
  if (n > s->cap - s->len) {
    size_t cap = s->cap ? s->cap : CHUNK;
    while (n > cap - s->len) {
      if (cap > SIZE_MAX / 2)
        return mg_fail(err, MG_ERR_NOMEM, "%s: decompressed data does not fit in memory", name);
      cap *= 2;
    }
    uint8_t *nb = realloc(s->buf, cap);
    if (!nb)
      return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory decompressing", name);
    s->buf = nb;
    s->cap = cap;
  }
  memcpy(s->buf + s->len, p, n);
  s->len += n;
  return MG_OK;
}

static int run(int in_fd, sink *s, const char *name, const mg_limits *lim, uint64_t *total,
               mg_err *err) {
  *total = 0;
  struct archive *a = archive_read_new();
  uint8_t *chunk = malloc(CHUNK);
  if (!a || !chunk) {
    free(chunk);
    archive_read_free(a);
    return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", name);
  }
  int rc = MG_OK;
  struct archive_entry *entry;
  mg_archive_support_filters(a); /* in-process decompressors only */
  if (archive_read_support_format_raw(a) != ARCHIVE_OK) {
    rc = mg_fail(err, MG_ERR_INTERNAL, "%s: libarchive set-up failed: %s", name,
                 mg_archive_error(a));
    goto done;
  }
  if (archive_read_open_fd(a, in_fd, CHUNK) != ARCHIVE_OK) {
    rc = mg_fail(err, MG_ERR_FORMAT, "%s: compressed data is damaged or truncated: %s", name,
                 mg_archive_error(a));
    goto done;
  }
  int r = archive_read_next_header(a, &entry);
  if (r == ARCHIVE_EOF)
    goto done; /* an empty stream; the caller refuses an empty file */
  if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
    rc = mg_fail(err, MG_ERR_FORMAT, "%s: compressed data is damaged or truncated: %s", name,
                 mg_archive_error(a));
    goto done;
  }
  const char *filter = archive_filter_name(a, 0);
  for (;;) {
    la_ssize_t n = archive_read_data(a, chunk, CHUNK);
    if (n == 0)
      break;
    if (n < 0) {
      rc = mg_fail(err, MG_ERR_FORMAT, "%s: %s data is damaged or truncated: %s", name,
                   filter ? filter : "compressed", mg_archive_error(a));
      goto done;
    }
    *total += (uint64_t)n;
    /* Checked before the bytes are kept: a bomb never lands on disk. The
     * limits of an archive member apply too (issue 14): its size, and the
     * ratio of bytes produced to compressed bytes read so far, so a gzip
     * bomb stops after the grace window, not at the dataset cap. */
    uint64_t in = (uint64_t)archive_filter_bytes(a, -1);
    if ((rc = mg_limit_check(lim, MG_LIMIT_DATASET_BYTES, *total, name, err)) ||
        (rc = mg_limit_check(lim, MG_LIMIT_ENTRY_BYTES, *total, name, err)) ||
        (rc = mg_limit_check_ratio(lim, *total, in, name, err)))
      goto done;
    rc = sink_put(s, chunk, (size_t)n, name, err);
    if (rc)
      goto done;
  }
done:
  free(chunk);
  archive_read_free(a);
  return rc;
}

int mg_decompress_to_fd(int in_fd, int out_fd, const char *name, const mg_limits *lim,
                        uint64_t *out_bytes, mg_err *err) {
  sink s = {out_fd, NULL, 0, 0};
  return run(in_fd, &s, name, lim, out_bytes, err);
}

int mg_decompress_to_mem(int in_fd, const char *name, const mg_limits *lim, uint8_t **buf,
                         size_t *len, mg_err *err) {
  sink s = {-1, NULL, 0, 0};
  uint64_t total;
  int rc = run(in_fd, &s, name, lim, &total, err);
  if (!rc && !s.buf && !(s.buf = malloc(1)))
    rc = mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", name);
  if (rc) {
    free(s.buf);
    return rc;
  }
  *buf = s.buf;
  *len = s.len;
  return MG_OK;
}
