/* External tensor data, read only from regular files below the model's
 * directory: relative locations without ".." components, every component
 * opened with O_NOFOLLOW from the directory above it, offset and length
 * checked against the file size (the ONNX CVE-2022-25882 and
 * CVE-2024-27318 class of path traversal and out-of-bounds reads). */
#include "config.h"

#include "rt_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *rt_ext_status_name(int status) {
  switch (status) {
  case RT_EXT_OK:
    return "ok";
  case RT_EXT_ABSOLUTE:
    return "absolute";
  case RT_EXT_ESCAPES:
    return "escapes";
  case RT_EXT_SYMLINK:
    return "symlink";
  case RT_EXT_MISSING:
    return "missing";
  case RT_EXT_OUT_OF_RANGE:
    return "out-of-range";
  case RT_EXT_NOT_REGULAR:
    return "not-regular";
  default:
    return "invalid";
  }
}

/* Classifies the location string itself. */
static int ext_classify(const char *loc) {
  if (!loc || !loc[0])
    return RT_EXT_BAD;
  if (loc[0] == '/' || loc[0] == '\\' || (loc[0] && loc[1] == ':'))
    return RT_EXT_ABSOLUTE;
  if (strlen(loc) >= PATH_MAX)
    return RT_EXT_BAD;
  const char *p = loc;
  while (*p) {
    const char *s = p;
    while (*p && *p != '/' && *p != '\\')
      p++;
    size_t n = (size_t)(p - s);
    if (n == 2 && s[0] == '.' && s[1] == '.')
      return RT_EXT_ESCAPES;
    if (*p)
      p++;
  }
  return RT_EXT_OK;
}

/* Opens base/loc component by component without following links. On
 * failure returns -1 with *status set. */
static int ext_open(const char *base, const char *loc, int *status) {
  *status = ext_classify(loc);
  if (*status != RT_EXT_OK)
    return -1;
  if (!base) {
    *status = RT_EXT_MISSING;
    return -1;
  }
  int dir = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) {
    *status = RT_EXT_MISSING;
    return -1;
  }
  char part[PATH_MAX];
  const char *p = loc;
  for (;;) {
    const char *s = p;
    while (*p && *p != '/')
      p++;
    size_t n = (size_t)(p - s);
    int last = *p == '\0';
    if (*p)
      p++;
    if (n == 0 || (n == 1 && s[0] == '.')) {
      if (last) {
        close(dir);
        *status = RT_EXT_NOT_REGULAR;
        return -1;
      }
      continue;
    }
    memcpy(part, s, n);
    part[n] = '\0';
    struct stat st;
    if (fstatat(dir, part, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      close(dir);
      *status = RT_EXT_MISSING;
      return -1;
    }
    if (S_ISLNK(st.st_mode)) {
      close(dir);
      *status = RT_EXT_SYMLINK;
      return -1;
    }
    if (last && !S_ISREG(st.st_mode)) {
      close(dir);
      *status = RT_EXT_NOT_REGULAR;
      return -1;
    }
    if (!last && !S_ISDIR(st.st_mode)) {
      close(dir);
      *status = RT_EXT_MISSING;
      return -1;
    }
    int fd = openat(dir, part,
                    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | (last ? 0 : O_DIRECTORY));
    int e = errno;
    close(dir);
    if (fd < 0) {
      *status = e == ELOOP ? RT_EXT_SYMLINK : RT_EXT_MISSING;
      return -1;
    }
    if (last) {
      /* Re-check on the descriptor: the name may have been swapped. */
      if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        *status = RT_EXT_NOT_REGULAR;
        return -1;
      }
      return fd;
    }
    dir = fd;
  }
}

static int ext_status_fail(int status, const char *loc, mg_err *err) {
  int code = status == RT_EXT_MISSING ? MG_ERR_NOT_FOUND
             : status == RT_EXT_BAD   ? MG_ERR_FORMAT
                                      : MG_ERR_UNSAFE;
  const char *why = status == RT_EXT_ABSOLUTE      ? "is an absolute path"
                    : status == RT_EXT_ESCAPES     ? "escapes the model directory with '..'"
                    : status == RT_EXT_SYMLINK     ? "goes through a symbolic link"
                    : status == RT_EXT_MISSING     ? "does not exist"
                    : status == RT_EXT_NOT_REGULAR ? "is not a regular file"
                                                   : "is not a valid location";
  return mg_fail(err, code, "external data '%s' %s", loc ? loc : "", why);
}

int rt_ext_check(const char *base, const char *location, int64_t offset, int64_t length,
                 uint64_t *file_size, mg_err *err) {
  int status;
  int fd = ext_open(base, location, &status);
  if (fd < 0) {
    ext_status_fail(status, location, err);
    return status;
  }
  struct stat st;
  int rc = fstat(fd, &st);
  close(fd);
  if (rc != 0) {
    mg_fail(err, MG_ERR_IO, "external data '%s': cannot stat", location);
    return RT_EXT_MISSING;
  }
  uint64_t size = (uint64_t)st.st_size;
  if (file_size)
    *file_size = size;
  if (offset < 0 || (uint64_t)offset > size ||
      (length >= 0 && (uint64_t)length > size - (uint64_t)offset)) {
    mg_fail(err, MG_ERR_FORMAT,
            "external data '%s': offset %" PRId64 " length %" PRId64
            " is outside the file (%" PRIu64 " bytes)",
            location, offset, length, size);
    return RT_EXT_OUT_OF_RANGE;
  }
  return RT_EXT_OK;
}

int rt_ext_read(const char *base, const char *location, uint64_t offset, void *buf, uint64_t len,
                mg_err *err) {
  int status;
  int fd = ext_open(base, location, &status);
  if (fd < 0)
    return ext_status_fail(status, location, err);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return mg_fail(err, MG_ERR_IO, "external data '%s': cannot stat", location);
  }
  uint64_t size = (uint64_t)st.st_size;
  if (offset > size || len > size - offset) {
    close(fd);
    return mg_fail(err, MG_ERR_FORMAT,
                   "external data '%s': %" PRIu64 " bytes at offset %" PRIu64
                   " are outside the file (%" PRIu64 " bytes)",
                   location, len, offset, size);
  }
  uint8_t *p = buf;
  uint64_t done = 0;
  while (done < len) {
    size_t chunk = len - done > (1u << 30) ? (1u << 30) : (size_t)(len - done);
    ssize_t r = pread(fd, p + done, chunk, (off_t)(offset + done));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) {
      close(fd);
      return mg_fail(err, MG_ERR_IO, "external data '%s': short read at offset %" PRIu64, location,
                     offset + done);
    }
    done += (uint64_t)r;
  }
  close(fd);
  return MG_OK;
}
