/* Whole-file reads for the reviewer's inputs, bounded by a limit. */
#include "config.h"

#include "review_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int mg_review_file_read(const char *path, const mg_limits *lim, mg_limit_id limit, char **text,
                        size_t *len, mg_err *err) {
  *text = NULL;
  *len = 0;
  /* O_NONBLOCK: a FIFO given by mistake must not hang the scan. */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return mg_fail(err, MG_ERR_IO, "%s: %s", path, strerror(errno));
  struct stat st;
  int rc = fstat(fd, &st)         ? mg_fail(err, MG_ERR_IO, "%s: %s", path, strerror(errno))
           : !S_ISREG(st.st_mode) ? mg_fail(err, MG_ERR_IO, "%s: not a regular file", path)
                                  : mg_limit_check(lim, limit, (uint64_t)st.st_size, path, err);
  char *buf = rc ? NULL : malloc((size_t)st.st_size + 1);
  if (!rc && !buf)
    rc = mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", path);
  size_t got = 0;
  while (!rc && got < (size_t)st.st_size) {
    ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      rc = mg_fail(err, MG_ERR_IO, "%s: %s", path, strerror(errno));
    else if (n == 0)
      rc = mg_fail(err, MG_ERR_IO, "%s: short read", path);
    else
      got += (size_t)n;
  }
  close(fd);
  if (!rc && memchr(buf, '\0', got))
    rc = mg_fail(err, MG_ERR_FORMAT, "%s: contains NUL bytes (not JSON)", path);
  if (rc) {
    free(buf);
    return rc;
  }
  buf[got] = '\0';
  *text = buf;
  *len = got;
  return MG_OK;
}

json_t *mg_review_json(const char *text, size_t len, const char *name, mg_err *err) {
  json_error_t jerr;
  json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!doc)
    mg_fail(err, MG_ERR_FORMAT, "%s:%d:%d: %s", name, jerr.line, jerr.column, jerr.text);
  return doc;
}

json_t *mg_review_json_file(const char *path, const mg_limits *lim, mg_limit_id limit,
                            mg_err *err) {
  char *text;
  size_t len;
  json_t *doc = mg_review_file_read(path, lim, limit, &text, &len, err)
                    ? NULL
                    : mg_review_json(text, len, path, err);
  free(text);
  return doc;
}

int mg_review_take(json_t *doc, const char *name, mg_review_parse_fn parse, void *out,
                   mg_err *err) {
  int rc = doc ? parse(doc, name, out, err) : err && err->code ? err->code : MG_ERR_FORMAT;
  json_decref(doc);
  return rc;
}
