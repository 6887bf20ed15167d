/* Streams a package into the workspace: libarchive for archives, a
 * no-follow directory walk for directories. One pass per byte: the raw
 * archive is hashed as libarchive pulls it, each entry is written and hashed
 * as it is decompressed, and every byte is counted against the limits. */
#include "config.h"

#include "unpack.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "shared/archive_io.h"
#include "hash_worker.h"
#include "nested.h"
#include "path.h"
#include "base/progress.h"
#include "sha256.h"
#include "base/signals.h"
#include "single_file.h"

#define IO_BLOCK (1u << 20)

/* A name already in the package, for duplicate and collision checks. */
typedef struct seen_name {
  char *fold;   /* key */
  char *normal; /* as unpacked */
  int is_dir;
} seen_name;

typedef struct unpack_ctx {
  const mg_limits *lim;
  mg_workspace *ws;
  mg_inventory *inv;
  const char *label; /* package basename, for messages */
  void *seen;        /* tsearch tree of seen_name */
  mg_progress progress;
  mg_err *err;
  /* Raw archive input, hashed as libarchive reads it. */
  int fd;
  unsigned char *buf;
  uint64_t in_bytes;
  mg_sha256 raw;
  int raw_hashing; /* 0 once a seek made the running digest meaningless */
  /* Digests run on these threads, overlapping the reads and writes. */
  mg_hash_worker raw_worker, entry_worker;
  /* Root detection: the first component shared by every entry. */
  char *root;
  int single_root;
} unpack_ctx;

static int cmp_seen(const void *a, const void *b) {
  return strcmp(((const seen_name *)a)->fold, ((const seen_name *)b)->fold);
}

static void free_seen(void *p) {
  seen_name *s = p;
  free(s->fold);
  free(s->normal);
  free(s);
}

static int refuse(unpack_ctx *c, const char *name, const char *fmt, ...) MG_FMT(3, 4);
static int refuse(unpack_ctx *c, const char *name, const char *fmt, ...) {
  char reason[1200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  if (mg_inventory_refuse(c->inv, name, reason))
    return mg_fail(c->err, MG_ERR_NOMEM, "out of memory");
  mg_log_debug("%s: refused '%s': %s", c->label, name, reason);
  return MG_OK;
}

/* Records name; returns 0 when new, else writes why it clashes. */
static int remember(unpack_ctx *c, const char *normal, int is_dir, char *why, size_t whylen) {
  seen_name *s = calloc(1, sizeof *s);
  if (!s || !(s->normal = strdup(normal)) || !(s->fold = mg_path_fold(normal))) {
    if (s)
      free_seen(s);
    snprintf(why, whylen, "out of memory");
    return -1;
  }
  s->is_dir = is_dir;
  seen_name **slot = tsearch(s, &c->seen, cmp_seen);
  if (!slot) {
    free_seen(s);
    snprintf(why, whylen, "out of memory");
    return -1;
  }
  if (*slot == s)
    return 0;
  seen_name *old = *slot;
  free_seen(s);
  if (is_dir && old->is_dir && !strcmp(old->normal, normal))
    return 0; /* a directory listed twice is harmless */
  if (!strcmp(old->normal, normal))
    snprintf(why, whylen, "duplicate name");
  else
    snprintf(why, whylen,
             "collides with '%.400s' after normalisation (case, Unicode form or '.' components)",
             old->normal);
  return 1;
}

/* Registers every parent of a file as a directory so that "A/x" and "a/y"
 * are caught as colliding too. */
static int remember_parents(unpack_ctx *c, const char *normal, char *why, size_t whylen) {
  char *copy = strdup(normal);
  if (!copy) {
    snprintf(why, whylen, "out of memory");
    return -1;
  }
  int rc = 0;
  for (char *s = strchr(copy, '/'); s && !rc; s = strchr(s + 1, '/')) {
    *s = '\0';
    rc = remember(c, copy, 1, why, whylen);
    *s = '/';
  }
  free(copy);
  return rc;
}

static void track_root(unpack_ctx *c, const char *normal, int is_dir) {
  const char *slash = strchr(normal, '/');
  size_t n = slash ? (size_t)(slash - normal) : strlen(normal);
  if (!slash && !is_dir)
    c->single_root = 0; /* a file at the top level */
  if (!c->root) {
    c->root = strndup(normal, n);
    return;
  }
  if (strlen(c->root) != n || strncmp(c->root, normal, n) != 0)
    c->single_root = 0;
}

/* Checks name, kind and uniqueness; returns the normal form when the entry
 * may be unpacked, NULL (after recording a refusal) when not. */
static char *admit(unpack_ctx *c, const char *raw, int is_dir, int *fatal) {
  char what[300];
  snprintf(what, sizeof what, "%s: entry", c->label);
  char *normal = NULL;
  mg_err perr;
  mg_err_clear(&perr);
  int rc = mg_path_normalize(raw, c->lim, what, &normal, &perr);
  if (rc == MG_ERR_LIMIT || rc == MG_ERR_NOMEM) {
    mg_fail(c->err, rc, "%s", perr.msg);
    *fatal = 1;
    return NULL;
  }
  if (rc) {
    /* perr.msg is "<pkg>: entry '<name>': reason"; keep the reason. */
    const char *reason = strstr(perr.msg, "': ");
    if (refuse(c, raw, "%s", reason ? reason + 3 : perr.msg))
      *fatal = 1;
    return NULL;
  }
  char why[600];
  int clash = remember_parents(c, normal, why, sizeof why);
  if (!clash)
    clash = remember(c, normal, is_dir, why, sizeof why);
  if (clash) {
    if (clash < 0 || refuse(c, raw, "%s", why))
      *fatal = 1;
    free(normal);
    return NULL;
  }
  track_root(c, normal, is_dir);
  return normal;
}

/* A refused link or device still owns its name: an entry later placed
 * "under" a refused symlink (link/x) must not appear as a plain directory. */
static int block_name(unpack_ctx *c, const char *raw) {
  char *normal = NULL;
  mg_err perr;
  mg_err_clear(&perr);
  if (mg_path_normalize(raw, c->lim, "entry", &normal, &perr))
    return MG_OK; /* its name was unsafe anyway */
  char why[600];
  int rc = remember(c, normal, 0, why, sizeof why) < 0
               ? mg_fail(c->err, MG_ERR_NOMEM, "out of memory")
               : MG_OK;
  free(normal);
  return rc;
}

/* Output side of one entry: the workspace file and its running digest. */
typedef struct sink {
  int fd; /* -1: count and discard (refused entries) */
  mg_sha256 hash;
  uint64_t bytes;
  const char *name;
} sink;

static int sink_put(unpack_ctx *c, sink *s, const void *data, size_t len) {
  if (mg_interrupted())
    return mg_fail(c->err, MG_ERR_INTERRUPTED, "%s: interrupted", c->label);
  s->bytes += len;
  c->inv->total_bytes += len;
  char what[600];
  int rc;
  if (s->bytes > c->lim->value[MG_LIMIT_ENTRY_BYTES] ||
      c->inv->total_bytes > c->lim->value[MG_LIMIT_TOTAL_BYTES]) {
    snprintf(what, sizeof what, "%s: entry '%.400s'", c->label, s->name);
    if ((rc = mg_limit_check(c->lim, MG_LIMIT_ENTRY_BYTES, s->bytes, what, c->err)) ||
        (rc = mg_limit_check(c->lim, MG_LIMIT_TOTAL_BYTES, c->inv->total_bytes, c->label, c->err)))
      return rc;
  }
  if (c->fd >= 0 &&
      (rc = mg_limit_check_ratio(c->lim, c->inv->total_bytes, c->in_bytes, c->label, c->err)))
    return rc;
  if (s->fd < 0)
    return MG_OK;
  /* Hash on the worker while this thread writes the same block. */
  mg_hash_worker_submit(&c->entry_worker, &s->hash, data, len);
  const unsigned char *p = data;
  while (len && !rc) {
    ssize_t n = write(s->fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      rc = mg_fail(c->err, MG_ERR_IO, "workspace: writing '%.400s': %s", s->name, strerror(errno));
    else {
      p += n;
      len -= (size_t)n;
    }
  }
  if (mg_hash_worker_wait(&c->entry_worker) && !rc)
    rc = mg_fail(c->err, MG_ERR_CRYPTO, "SHA-256: EVP_DigestUpdate failed");
  return rc;
}

static int sink_zeros(unpack_ctx *c, sink *s, uint64_t n) {
  static const unsigned char zeros[65536];
  while (n) {
    size_t k = n < sizeof zeros ? (size_t)n : sizeof zeros;
    int rc = sink_put(c, s, zeros, k);
    if (rc)
      return rc;
    n -= k;
  }
  return MG_OK;
}

/* Opens the workspace file for an admitted regular entry. */
static int sink_open(unpack_ctx *c, sink *s, const char *normal) {
  memset(s, 0, sizeof *s);
  s->fd = -1;
  s->name = normal;
  if (!normal)
    return MG_OK;
  int rc = mg_sha256_init(&s->hash, c->err);
  if (rc)
    return rc;
  mg_err werr;
  mg_err_clear(&werr);
  rc = mg_workspace_create_file(c->ws, normal, &s->fd, &werr);
  if (rc == MG_ERR_UNSAFE) {
    /* A name clash with a file used as a directory, or similar. */
    mg_sha256_free(&s->hash);
    s->name = normal;
    return refuse(c, normal, "%s", werr.msg) ? MG_ERR_NOMEM : MG_ERR_UNSAFE;
  }
  if (rc) {
    mg_sha256_free(&s->hash);
    return mg_fail(c->err, rc, "%s", werr.msg);
  }
  return MG_OK;
}

/* Finishes an entry; on success the inventory takes *normal. */
static int sink_close(unpack_ctx *c, sink *s, char **normal, uint32_t mode, int ok) {
  if (s->fd < 0)
    return MG_OK;
  int rc = MG_OK;
  if (close(s->fd) != 0 && ok)
    rc = mg_fail(c->err, MG_ERR_IO, "workspace: closing '%.400s': %s", s->name, strerror(errno));
  s->fd = -1;
  if (!ok || rc) {
    mg_sha256_free(&s->hash);
    return rc;
  }
  mg_file *f = mg_inventory_add(c->inv);
  if (!f) {
    mg_sha256_free(&s->hash);
    return mg_fail(c->err, MG_ERR_NOMEM, "out of memory");
  }
  f->ws_path = *normal;
  *normal = NULL;
  f->size = s->bytes;
  f->mode = mode & 07777;
  return mg_sha256_final(&s->hash, f->sha256, c->err);
}

/* ---- archives ------------------------------------------------------- */

static la_ssize_t raw_read(struct archive *a, void *user, const void **buf) {
  unpack_ctx *c = user;
  /* libarchive is done with the previous buffer; so must the hasher be. */
  if (mg_hash_worker_wait(&c->raw_worker))
    c->raw_hashing = 0;
  for (;;) {
    if (mg_interrupted()) {
      archive_set_error(a, EINTR, "interrupted");
      return -1;
    }
    ssize_t n = read(c->fd, c->buf, IO_BLOCK);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      archive_set_error(a, errno, "read failed: %s", strerror(errno));
      return -1;
    }
    /* Compressed bytes consumed = the furthest offset read: a seeking zip
     * reader rereads its central directory, which is not new input. */
    off_t pos = lseek(c->fd, 0, SEEK_CUR);
    if (pos > 0 && (uint64_t)pos > c->in_bytes)
      c->in_bytes = (uint64_t)pos;
    if (c->raw_hashing && n > 0)
      mg_hash_worker_submit(&c->raw_worker, &c->raw, c->buf, (size_t)n);
    mg_progress_update(&c->progress, c->in_bytes);
    *buf = c->buf;
    return n;
  }
}

static la_int64_t raw_seek(struct archive *a, void *user, la_int64_t offset, int whence) {
  (void)a;
  unpack_ctx *c = user;
  c->raw_hashing = 0; /* out-of-order reads: hash the file separately */
  return lseek(c->fd, offset, whence);
}

static int copy_entry(unpack_ctx *c, struct archive *a, sink *s) {
  const void *block;
  size_t len;
  la_int64_t offset;
  for (;;) {
    int r = archive_read_data_block(a, &block, &len, &offset);
    if (r == ARCHIVE_EOF)
      return MG_OK;
    /* A warning here is damage (libarchive returns a zip member's bad CRC
     * as a warning attached to its last block): the entry is refused,
     * whatever its compression. */
    if (r <= ARCHIVE_WARN) {
      char why[700];
      return mg_fail(c->err, mg_interrupted() ? MG_ERR_INTERRUPTED : MG_ERR_FORMAT,
                     "%s: entry '%.400s': %s", c->label, s->name ? s->name : "?",
                     mg_archive_damage(a, why, sizeof why));
    }
    if (offset < 0 || (uint64_t)offset < s->bytes)
      return mg_fail(c->err, MG_ERR_FORMAT, "%s: entry '%.400s': overlapping data blocks", c->label,
                     s->name ? s->name : "?");
    int rc = sink_zeros(c, s, (uint64_t)offset - s->bytes); /* sparse hole */
    if (!rc && len)
      rc = sink_put(c, s, block, len);
    if (rc)
      return rc;
  }
}

/* Why an entry of this kind is refused, or NULL for files and directories. */
static const char *kind_refusal(struct archive_entry *e) {
  if (archive_entry_hardlink(e))
    return "hard link";
  switch (archive_entry_filetype(e)) {
  case AE_IFLNK:
    return "symbolic link";
  case AE_IFCHR:
  case AE_IFBLK:
    return "device node";
  case AE_IFIFO:
    return "FIFO";
  case AE_IFSOCK:
    return "socket";
  case AE_IFREG:
  case AE_IFDIR:
    return NULL;
  default:
    return "entry of unknown type";
  }
}

static int unpack_archive(unpack_ctx *c, const char *package) {
  c->fd = open(package, O_RDONLY | O_CLOEXEC);
  if (c->fd < 0)
    return mg_fail(c->err, MG_ERR_IO, "%s: %s", package, strerror(errno));
  struct stat st;
  if (fstat(c->fd, &st) != 0 || !S_ISREG(st.st_mode))
    return mg_fail(c->err, MG_ERR_ARGS, "%s: not a regular file or directory", package);
  c->buf = malloc(IO_BLOCK);
  struct archive *a = mg_archive_reader_new();
  if (!c->buf || !a) {
    archive_read_free(a);
    return mg_fail(c->err, MG_ERR_NOMEM, "out of memory");
  }
  int rc = mg_sha256_init(&c->raw, c->err);
  if (rc) {
    archive_read_free(a);
    return rc;
  }
  c->raw_hashing = 1;
  mg_progress_begin(&c->progress, "unpacking", (uint64_t)st.st_size, 1);
  archive_read_set_callback_data(a, c);
  archive_read_set_read_callback(a, raw_read);
  archive_read_set_seek_callback(a, raw_seek);
  if (archive_read_open1(a) != ARCHIVE_OK) {
    rc = mg_fail(c->err, MG_ERR_FORMAT, "%s: not a readable archive: %s", package,
                 mg_archive_error(a));
    goto done;
  }

  struct archive_entry *e;
  for (;;) {
    int r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF)
      break;
    if (mg_archive_header_failed(r)) {
      char why[700];
      rc = mg_fail(c->err, mg_interrupted() ? MG_ERR_INTERRUPTED : MG_ERR_FORMAT,
                   "%s: entry %llu: %s", package, (unsigned long long)c->inv->entries + 1,
                   mg_archive_damage(a, why, sizeof why));
      goto done;
    }
    c->inv->entries++;
    if ((rc = mg_limit_check(c->lim, MG_LIMIT_ENTRIES, c->inv->entries, c->label, c->err)))
      goto done;
    const char *raw = archive_entry_pathname_utf8(e);
    if (!raw)
      raw = archive_entry_pathname(e);
    if (!raw)
      raw = "";
    const char *bad = kind_refusal(e);
    int is_dir = archive_entry_filetype(e) == AE_IFDIR && !bad;
    int fatal = 0;
    char *normal = NULL;
    if (bad) {
      const char *target = archive_entry_hardlink(e);
      if (!target)
        target = archive_entry_symlink(e);
      if (refuse(c, raw, "%s%s%.400s%s (refused)", bad, target ? " to '" : "", target ? target : "",
                 target ? "'" : "") ||
          (rc = block_name(c, raw))) {
        rc = rc ? rc : MG_ERR_NOMEM;
        goto done;
      }
    } else {
      normal = admit(c, raw, is_dir, &fatal);
      if (fatal) {
        rc = c->err->code ? c->err->code : MG_ERR_NOMEM;
        goto done;
      }
    }
    if (is_dir) {
      if (normal && (rc = mg_workspace_mkdir(c->ws, normal, c->err))) {
        free(normal);
        goto done;
      }
      free(normal);
      continue;
    }
    /* Declared sizes can lie; they only let an obvious bomb stop sooner. */
    if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0) {
      char what[600];
      snprintf(what, sizeof what, "%s: entry '%.400s'", c->label, raw);
      if ((rc = mg_limit_check(c->lim, MG_LIMIT_ENTRY_BYTES, (uint64_t)archive_entry_size(e), what,
                               c->err))) {
        free(normal);
        goto done;
      }
    }
    sink s;
    rc = sink_open(c, &s, normal);
    if (rc == MG_ERR_UNSAFE) { /* refused while creating: drain it unwritten */
      free(normal);
      normal = NULL;
      rc = sink_open(c, &s, NULL);
    }
    if (rc) {
      free(normal);
      goto done;
    }
    s.name = normal ? normal : raw;
    rc = copy_entry(c, a, &s);
    int crc = sink_close(c, &s, &normal, (uint32_t)archive_entry_perm(e), rc == MG_OK);
    free(normal); /* NULL once the inventory took it */
    if (rc || crc) {
      rc = rc ? rc : crc;
      goto done;
    }
  }

  /* Bytes after the end-of-archive marker belong to the file's identity. */
  if (c->raw_hashing) {
    const void *unused;
    while (raw_read(a, c, &unused) > 0)
      ;
  }
done:
  archive_read_free(a);
  if (mg_hash_worker_wait(&c->raw_worker))
    c->raw_hashing = 0;
  mg_progress_end(&c->progress);
  if (!rc && c->raw_hashing)
    rc = mg_sha256_final(&c->raw, c->inv->sha256, c->err);
  else
    mg_sha256_free(&c->raw);
  if (!rc && !c->raw_hashing)
    rc = mg_sha256_file(package, c->inv->sha256, NULL, c->err);
  free(c->buf);
  close(c->fd);
  c->fd = -1;
  return rc;
}

/* ---- directories ---------------------------------------------------- */

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Copies the open file `in` (closed here) as package entry rel. */
static int copy_fd(unpack_ctx *c, int in, const char *rel, const struct stat *st) {
  int fatal = 0;
  char *normal = admit(c, rel, 0, &fatal);
  if (!normal) {
    close(in);
    return fatal ? (c->err->code ? c->err->code : MG_ERR_NOMEM) : MG_OK;
  }
  sink s;
  int rc = sink_open(c, &s, normal);
  if (rc) {
    close(in);
    free(normal);
    return rc == MG_ERR_UNSAFE ? MG_OK : rc;
  }
  for (;;) {
    ssize_t n = read(in, c->buf, IO_BLOCK);
    if (n < 0 && errno == EINTR && !mg_interrupted())
      continue;
    if (n < 0) {
      rc = mg_fail(c->err, mg_interrupted() ? MG_ERR_INTERRUPTED : MG_ERR_IO, "%s/%s: %s",
                   c->inv->source, rel, strerror(errno));
      break;
    }
    if (n == 0)
      break;
    c->in_bytes += (uint64_t)n;
    mg_progress_update(&c->progress, c->in_bytes);
    if ((rc = sink_put(c, &s, c->buf, (size_t)n)))
      break;
  }
  close(in);
  int crc = sink_close(c, &s, &normal, (uint32_t)st->st_mode, rc == MG_OK);
  free(normal);
  return rc ? rc : crc;
}

static int copy_file(unpack_ctx *c, int dirfd, const char *leaf, const char *rel,
                     const struct stat *st) {
  int in = openat(dirfd, leaf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0)
    return mg_fail(c->err, MG_ERR_IO, "%s/%s: %s", c->inv->source, rel, strerror(errno));
  return copy_fd(c, in, rel, st);
}

/* A package of one file (text/single_file.h): the file itself, under its
 * own name; its digest is the package's. */
static int unpack_single(unpack_ctx *c, const char *package) {
  int in = open(package, O_RDONLY | O_CLOEXEC);
  if (in < 0)
    return mg_fail(c->err, MG_ERR_IO, "%s: %s", package, strerror(errno));
  struct stat st;
  if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(in);
    return mg_fail(c->err, MG_ERR_ARGS, "%s: not a regular file or directory", package);
  }
  c->buf = malloc(IO_BLOCK);
  if (!c->buf) {
    close(in);
    return mg_fail(c->err, MG_ERR_NOMEM, "out of memory");
  }
  mg_progress_begin(&c->progress, "copying", (uint64_t)st.st_size, 1);
  int rc = copy_fd(c, in, c->inv->name, &st);
  mg_progress_end(&c->progress);
  free(c->buf);
  c->buf = NULL;
  if (!rc && c->inv->count == 1)
    memcpy(c->inv->sha256, c->inv->files[0].sha256, sizeof c->inv->sha256);
  return rc;
}

static int walk_dir(unpack_ctx *c, int dirfd, const char *rel, unsigned depth) {
  if (depth > 64)
    return mg_fail(c->err, MG_ERR_LIMIT, "%s/%s: directories nested more than 64 deep",
                   c->inv->source, rel);
  int fd = dup(dirfd);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (!d) {
    if (fd >= 0)
      close(fd);
    return mg_fail(c->err, MG_ERR_IO, "%s/%s: %s", c->inv->source, rel, strerror(errno));
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  int rc = MG_OK;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
      continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 32;
      char **grown = realloc(names, cap * sizeof *names);
      if (!grown) {
        rc = mg_fail(c->err, MG_ERR_NOMEM, "out of memory");
        break;
      }
      names = grown;
    }
    if (!(names[n] = strdup(de->d_name))) {
      rc = mg_fail(c->err, MG_ERR_NOMEM, "out of memory");
      break;
    }
    n++;
  }
  closedir(d);
  if (!rc)
    qsort(names, n, sizeof *names, cmp_str); /* deterministic inventory order */
  for (size_t i = 0; i < n && !rc; i++) {
    char *child = mg_path_join(rel, names[i]);
    if (!child) {
      rc = mg_fail(c->err, MG_ERR_NOMEM, "out of memory");
      break;
    }
    struct stat st;
    if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) != 0) {
      rc = mg_fail(c->err, MG_ERR_IO, "%s/%s: %s", c->inv->source, child, strerror(errno));
    } else if (++c->inv->entries &&
               (rc = mg_limit_check(c->lim, MG_LIMIT_ENTRIES, c->inv->entries, c->label, c->err))) {
    } else if (S_ISDIR(st.st_mode)) {
      int fatal = 0;
      char *normal = admit(c, child, 1, &fatal);
      if (fatal)
        rc = c->err->code ? c->err->code : MG_ERR_NOMEM;
      if (normal && !(rc = mg_workspace_mkdir(c->ws, normal, c->err))) {
        int sub = openat(dirfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0)
          rc = mg_fail(c->err, MG_ERR_IO, "%s/%s: %s", c->inv->source, child, strerror(errno));
        else {
          rc = walk_dir(c, sub, child, depth + 1);
          close(sub);
        }
      }
      free(normal);
    } else if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
      rc = refuse(c, child, "hard link (the file has other names; links are refused)");
    } else if (S_ISREG(st.st_mode)) {
      rc = copy_file(c, dirfd, names[i], child, &st);
    } else if (S_ISLNK(st.st_mode)) {
      char target[1024];
      ssize_t k = readlinkat(dirfd, names[i], target, sizeof target - 1);
      target[k > 0 ? k : 0] = '\0';
      rc = refuse(c, child, "symbolic link to '%.400s' (links are refused)", target);
    } else {
      rc = refuse(c, child, "%s",
                  S_ISFIFO(st.st_mode)   ? "FIFO (refused)"
                  : S_ISSOCK(st.st_mode) ? "socket (refused)"
                                         : "device node (refused)");
    }
    free(child);
  }
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  free(names);
  return rc;
}

static int unpack_directory(unpack_ctx *c, const char *package) {
  int fd = open(package, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return mg_fail(c->err, MG_ERR_IO, "%s: %s", package, strerror(errno));
  c->buf = malloc(IO_BLOCK);
  if (!c->buf) {
    close(fd);
    return mg_fail(c->err, MG_ERR_NOMEM, "out of memory");
  }
  mg_progress_begin(&c->progress, "copying", 0, 1);
  int rc = walk_dir(c, fd, "", 0);
  mg_progress_end(&c->progress);
  close(fd);
  free(c->buf);
  c->buf = NULL;
  return rc;
}

/* ---- driver --------------------------------------------------------- */

static int assign_paths(unpack_ctx *c) {
  mg_inventory *inv = c->inv;
  const char *prefix = "";
  char *owned = NULL;
  if (c->single_root && c->root && inv->count) {
    owned = malloc(strlen(c->root) + 2);
    if (!owned)
      return mg_fail(c->err, MG_ERR_NOMEM, "out of memory");
    sprintf(owned, "%s/", c->root);
    prefix = owned;
  }
  inv->root_prefix = owned ? owned : strdup("");
  if (!inv->root_prefix)
    return mg_fail(c->err, MG_ERR_NOMEM, "out of memory");
  size_t pl = strlen(prefix);
  for (size_t i = 0; i < inv->count; i++) {
    mg_file *f = &inv->files[i];
    if (!(f->path = strdup(f->ws_path + pl)))
      return mg_fail(c->err, MG_ERR_NOMEM, "out of memory");
  }
  return MG_OK;
}

int mg_unpack(const char *package, mg_workspace *ws, const mg_limits *lim, mg_inventory *inv,
              mg_err *err) {
  unpack_ctx c;
  memset(&c, 0, sizeof c);
  c.lim = lim;
  c.ws = ws;
  c.inv = inv;
  c.err = err;
  c.fd = -1;
  c.single_root = 1;
  inv->source = strdup(package);
  const char *base = strrchr(package, '/');
  /* "dir/" has an empty last component; name it by the whole argument. */
  inv->name = strdup(base && base[1] ? base + 1 : package);
  if (!inv->source || !inv->name)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  c.label = inv->name;

  struct stat st;
  if (stat(package, &st) != 0)
    return mg_fail(err, MG_ERR_IO, "%s: %s", package, strerror(errno));
  inv->is_directory = S_ISDIR(st.st_mode);
  /* Without threads the workers hash inline: slower, still correct. */
  if (mg_hash_worker_start(&c.raw_worker) || mg_hash_worker_start(&c.entry_worker))
    mg_log_debug("hash worker threads unavailable; hashing inline");
  int rc = inv->is_directory                 ? unpack_directory(&c, package)
           : mg_single_file_package(package) ? unpack_single(&c, package)
                                             : unpack_archive(&c, package);
  mg_hash_worker_stop(&c.raw_worker);
  mg_hash_worker_stop(&c.entry_worker);
  tdestroy(c.seen, free_seen);
  if (!rc)
    rc = assign_paths(&c);
  free(c.root);
  if (!rc && inv->is_directory)
    rc = mg_inventory_manifest_digest(inv, inv->sha256, err);
  if (!rc && !inv->n_refused)
    rc = mg_nested_inspect(inv, ws, lim, err);
  return rc;
}
