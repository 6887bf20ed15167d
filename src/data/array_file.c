/* Opening one NPY/IDX file: content sniffing, decompression into the cache
 * (or memory), memory mapping, header parsing and the size check. */
#include "config.h"

#include "data/array_file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/decompress.h"

typedef enum kind { K_UNKNOWN, K_NPY, K_IDX, K_COMPRESSED } kind;

/* By content, never by name: a vendor's file name proves nothing. */
static kind sniff(const uint8_t *p, size_t n, const char **filter) {
  *filter = NULL;
  if (n >= 6 && memcmp(p, "\x93NUMPY", 6) == 0)
    return K_NPY;
  if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
    *filter = "gzip";
  else if (n >= 6 && memcmp(p,
                            "\xfd"
                            "7zXZ\0",
                            6) == 0)
    *filter = "xz";
  else if (n >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0)
    *filter = "zstd";
  else if (n >= 4 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' && p[3] <= '9')
    *filter = "bzip2";
  if (*filter)
    return K_COMPRESSED;
  if (n >= 2 && p[0] == 0 && p[1] == 0)
    return K_IDX;
  return K_UNKNOWN;
}

static int open_input(const char *path, int *fd, struct stat *st, mg_err *err) {
  /* O_NONBLOCK: opening a FIFO planted in place of a data file must not hang. */
  *fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (*fd < 0) {
    int e = errno;
    if (e == ELOOP)
      return mg_fail(err, MG_ERR_UNSAFE, "%s: is a symbolic link, refused", path);
    return mg_fail(err, e == ENOENT ? MG_ERR_NOT_FOUND : MG_ERR_IO, "%s: cannot open: %s", path,
                   strerror(e));
  }
  if (fstat(*fd, st) != 0) {
    int e = errno;
    close(*fd);
    return mg_fail(err, MG_ERR_IO, "%s: %s", path, strerror(e));
  }
  if (!S_ISREG(st->st_mode)) {
    close(*fd);
    return mg_fail(err, MG_ERR_UNSAFE, "%s: not a regular file, refused", path);
  }
  return MG_OK;
}

static int read_prefix(int fd, uint8_t *buf, size_t want, size_t *got, const char *path,
                       mg_err *err) {
  *got = 0;
  while (*got < want) {
    ssize_t r = pread(fd, buf + *got, want - *got, (off_t)*got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return mg_fail(err, MG_ERR_IO, "%s: read failed: %s", path, strerror(errno));
    if (r == 0)
      break;
    *got += (size_t)r;
  }
  return MG_OK;
}

static int map_fd(mg_array_file *f, int fd, uint64_t size, const char *what, mg_err *err) {
  if (size > SIZE_MAX)
    return mg_fail(err, MG_ERR_LIMIT, "%s: too large to map on this machine", what);
  void *m = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (m == MAP_FAILED)
    return mg_fail(err, errno == ENOMEM ? MG_ERR_NOMEM : MG_ERR_IO, "%s: mmap failed: %s", what,
                   strerror(errno));
  f->map = m;
  f->map_len = (size_t)size;
  f->base = m;
  f->size = (size_t)size;
  return MG_OK;
}

/* A new file in cache_dir, created exclusively, never through a link. */
static int create_cache(mg_array_file *f, const char *path, const char *cache_dir, int *fd,
                        mg_err *err) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t n = strlen(cache_dir) + strlen(base) + 64;
  char *p = malloc(n);
  if (!p)
    return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", path);
  for (unsigned i = 0; i < 1000; i++) {
    /* The name shows which dataset it came from; pid and counter keep two
     * opens of one file (or two files of one name) apart. */
    snprintf(p, n, "%s/%.160s.%ld.%u.raw", cache_dir, base, (long)getpid(), i);
    *fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (*fd >= 0) {
      f->cache_path = p;
      f->cache_owner = getpid();
      return MG_OK;
    }
    if (errno != EEXIST)
      break;
  }
  int e = errno;
  int rc = mg_fail(err, MG_ERR_IO, "%s: cannot create a decompressed copy in %s: %s", path,
                   cache_dir, strerror(e));
  free(p);
  return rc;
}

static int parse(mg_array_file *f, const mg_limits *lim, mg_err *err) {
  const char *inner;
  kind k = sniff(f->base, f->size, &inner);
  if (k == K_NPY) {
    f->format = "NPY";
    return mg_npy_parse_header(f->base, f->size, f->name, lim, &f->hdr, err);
  }
  if (k == K_IDX) {
    f->format = "IDX";
    return mg_idx_parse_header(f->base, f->size, f->name, &f->hdr, err);
  }
  return mg_fail(err, MG_ERR_FORMAT, "%s: the %s-decompressed content is not an NPY or IDX array",
                 f->name, f->filter ? f->filter : "?");
}

int mg_array_file_open(mg_array_file *f, const char *path, const char *cache_dir,
                       const mg_limits *lim, mg_err *err) {
  memset(f, 0, sizeof *f);
  f->name = strdup(path);
  if (!f->name)
    return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", path);
  int fd = -1, rc;
  struct stat st;
  rc = open_input(path, &fd, &st, err);
  if (rc)
    goto fail;
  uint8_t head[8];
  size_t got;
  rc = read_prefix(fd, head, sizeof head, &got, path, err);
  if (rc)
    goto fail;
  if (got == 0) {
    rc = mg_fail(err, MG_ERR_FORMAT, "%s: empty file", path);
    goto fail;
  }
  kind k = sniff(head, got, &f->filter);
  if (k == K_UNKNOWN) {
    rc = mg_fail(err, MG_ERR_FORMAT,
                 "%s: not an NPY or IDX array (nor gzip, xz, zstd or bzip2 compressed): bad magic",
                 path);
    goto fail;
  }
  if (k != K_COMPRESSED) {
    rc = mg_limit_check(lim, MG_LIMIT_DATASET_BYTES, (uint64_t)st.st_size, path, err);
    if (!rc)
      rc = map_fd(f, fd, (uint64_t)st.st_size, path, err);
  } else if (cache_dir) {
    int out = -1;
    uint64_t total = 0;
    rc = create_cache(f, path, cache_dir, &out, err);
    if (!rc)
      rc = mg_decompress_to_fd(fd, out, path, lim, &total, err);
    if (!rc && total == 0)
      rc = mg_fail(err, MG_ERR_FORMAT, "%s: decompresses to an empty file", path);
    if (!rc)
      rc = map_fd(f, out, total, path, err);
    if (out >= 0)
      close(out);
  } else {
    size_t len = 0;
    rc = mg_decompress_to_mem(fd, path, lim, &f->heap, &len, err);
    if (!rc && len == 0)
      rc = mg_fail(err, MG_ERR_FORMAT, "%s: decompresses to an empty file", path);
    f->base = f->heap;
    f->size = len;
  }
  close(fd);
  fd = -1;
  if (rc)
    goto fail;
  rc = parse(f, lim, err);
  if (rc)
    goto fail;
  /* Exactly header + data: a short file is truncated, and bytes after the
   * data would be invisible to every check while riding along. */
  uint64_t avail = f->size - f->hdr.data_offset;
  if (f->hdr.data_bytes > avail) {
    rc = mg_fail(err, MG_ERR_FORMAT,
                 "%s: truncated: the %s header promises %" PRIu64 " data bytes, %" PRIu64
                 " are present",
                 path, f->format, f->hdr.data_bytes, avail);
    goto fail;
  }
  if (f->hdr.data_bytes < avail) {
    rc = mg_fail(err, MG_ERR_FORMAT,
                 "%s: %" PRIu64 " unexpected bytes after the %" PRIu64 " data bytes the %s header "
                 "declares",
                 path, avail - f->hdr.data_bytes, f->hdr.data_bytes, f->format);
    goto fail;
  }
  f->data = f->base + f->hdr.data_offset;
  return MG_OK;
fail:
  if (fd >= 0)
    close(fd);
  mg_array_file_close(f);
  return rc;
}

void mg_array_file_close(mg_array_file *f) {
  if (f->map)
    munmap(f->map, f->map_len);
  free(f->heap);
  /* Only the process that decompressed removes the copy: a forked plugin
   * closing its inherited handle must not pull it from under the host. */
  if (f->cache_path && f->cache_owner == getpid())
    unlink(f->cache_path);
  free(f->cache_path);
  free(f->name);
  memset(f, 0, sizeof *f);
}
