/* Inspection of archives inside the package, and the whole-member walk the
 * plugins use. A nested archive is read through a second libarchive reader
 * whose input callback pulls the member's bytes from the outer reader, so
 * the member is hashed and descended into in the same single pass. */
#include "config.h"

#include "nested.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "shared/archive_io.h"
#include "path.h"
#include "sha256.h"
#include "base/signals.h"
#include "unpack.h"

typedef struct nest_ctx {
  mg_inventory *inv;
  const mg_limits *lim;
  mg_err *err;
} nest_ctx;

/* The bytes of one member, pulled from its archive by a child reader. */
typedef struct pull {
  nest_ctx *c;
  struct archive *parent;
  const char *member; /* for messages */
  mg_sha256 hash;
  uint64_t bytes;               /* member bytes produced so far, holes included */
  uint64_t *container_out;      /* bytes produced inside the enclosing archive */
  const uint64_t *container_in; /* bytes of the enclosing archive consumed */
  const void *pending;          /* a data block waiting behind a sparse hole */
  size_t pending_len;
  uint64_t hole;
  int eof, fatal;
  char note[600]; /* first damage seen (bad CRC, truncation) */
} pull;

static int account(pull *p, uint64_t n) {
  nest_ctx *c = p->c;
  p->bytes += n;
  *p->container_out += n;
  c->inv->total_bytes += n;
  char what[700];
  snprintf(what, sizeof what, "nested member '%.500s'", p->member);
  int rc = mg_limit_check(c->lim, MG_LIMIT_ENTRY_BYTES, p->bytes, what, c->err);
  if (!rc)
    rc = mg_limit_check(c->lim, MG_LIMIT_TOTAL_BYTES, c->inv->total_bytes, c->inv->name, c->err);
  if (!rc)
    rc = mg_limit_check_ratio(c->lim, *p->container_out, *p->container_in, what, c->err);
  if (!rc && mg_interrupted())
    rc = mg_fail(c->err, MG_ERR_INTERRUPTED, "interrupted");
  return rc;
}

static la_ssize_t pull_read(struct archive *child, void *user, const void **buf) {
  static const unsigned char zeros[65536];
  pull *p = user;
  if (p->fatal)
    return -1;
  if (p->hole) {
    size_t k = p->hole < sizeof zeros ? (size_t)p->hole : sizeof zeros;
    p->hole -= k;
    if (account(p, k) || mg_sha256_update(&p->hash, zeros, k, p->c->err)) {
      p->fatal = 1;
      return -1;
    }
    *buf = zeros;
    return (la_ssize_t)k;
  }
  if (p->pending) {
    *buf = p->pending;
    size_t n = p->pending_len;
    p->pending = NULL;
    return (la_ssize_t)n;
  }
  if (p->eof)
    return 0;
  const void *block;
  size_t len;
  la_int64_t off;
  int r = archive_read_data_block(p->parent, &block, &len, &off);
  if (r == ARCHIVE_EOF || (r == ARCHIVE_WARN && !len) || r < ARCHIVE_WARN) {
    if (r != ARCHIVE_EOF && !p->note[0])
      snprintf(p->note, sizeof p->note, "%s", mg_archive_error(p->parent));
    p->eof = 1;
    if (child && r < ARCHIVE_WARN)
      archive_set_error(child, EIO, "%s", p->note);
    return r < ARCHIVE_WARN ? -1 : 0;
  }
  if (r == ARCHIVE_WARN && !p->note[0])
    snprintf(p->note, sizeof p->note, "%s", mg_archive_error(p->parent));
  if (off < 0 || (uint64_t)off < p->bytes) {
    snprintf(p->note, sizeof p->note, "overlapping data blocks");
    p->eof = 1;
    return -1;
  }
  if (account(p, len) || mg_sha256_update(&p->hash, block, len, p->c->err)) {
    p->fatal = 1;
    return -1;
  }
  /* account() counted len; a hole before it is counted when served. */
  p->bytes -= len;
  *p->container_out -= len;
  p->c->inv->total_bytes -= len;
  uint64_t gap = (uint64_t)off - p->bytes;
  p->bytes += len;
  *p->container_out += len;
  p->c->inv->total_bytes += len;
  if (gap) {
    p->hole = gap;
    p->pending = block;
    p->pending_len = len;
    return pull_read(child, user, buf);
  }
  *buf = block;
  return (la_ssize_t)len;
}

static int walk_entries(nest_ctx *c, struct archive *a, size_t container, uint32_t depth,
                        const uint64_t *container_in, struct archive_entry *first);

static void note_on(nest_ctx *c, size_t index, const char *fmt, ...) MG_FMT(3, 4);
static void note_on(nest_ctx *c, size_t index, const char *fmt, ...) {
  char note[900];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(note, sizeof note, fmt, ap);
  va_end(ap);
  mg_file_set_note(&c->inv->files[index], note);
}

/* One regular member: hash it, and descend when it is itself an archive. */
static int visit_member(nest_ctx *c, struct archive *a, size_t container, const char *name,
                        uint32_t depth, uint64_t *container_out, const uint64_t *container_in) {
  mg_file *m = mg_inventory_add(c->inv);
  if (!m)
    return mg_fail(c->err, MG_ERR_NOMEM, "out of memory");
  size_t index = (size_t)(m - c->inv->files);
  const char *cpath = c->inv->files[container].path;
  size_t len = strlen(cpath) + strlen(name) + 3;
  m->path = malloc(len);
  m->container = strdup(cpath);
  if (!m->path || !m->container)
    return mg_fail(c->err, MG_ERR_NOMEM, "out of memory");
  snprintf(m->path, len, "%s!/%s", cpath, name);
  m->depth = depth;

  pull p;
  memset(&p, 0, sizeof p);
  p.c = c;
  p.parent = a;
  p.member = c->inv->files[index].path;
  p.container_out = container_out;
  p.container_in = container_in;
  int rc = mg_sha256_init(&p.hash, c->err);
  if (rc)
    return rc;

  struct archive *child = mg_archive_reader_new();
  if (!child) {
    mg_sha256_free(&p.hash);
    return mg_fail(c->err, MG_ERR_NOMEM, "out of memory");
  }
  archive_read_set_callback_data(child, &p);
  archive_read_set_read_callback(child, pull_read);
  struct archive_entry *e;
  if (archive_read_open1(child) == ARCHIVE_OK &&
      !mg_archive_header_failed(archive_read_next_header(child, &e)) && !p.fatal) {
    c->inv->files[index].is_archive = 1;
    if (depth + 1 > c->lim->value[MG_LIMIT_DEPTH])
      note_on(c, index, "nested archive beyond the depth limit: not inspected");
    else
      rc = walk_entries(c, child, index, depth + 1, &p.bytes, e);
  }
  archive_read_free(child);
  /* Drain what the child reader did not consume, still hashing it. */
  const void *unused;
  while (!rc && !p.fatal && pull_read(NULL, &p, &unused) > 0)
    ;
  if (!rc && p.fatal)
    rc = c->err->code ? c->err->code : MG_ERR_INTERNAL;
  m = &c->inv->files[index]; /* the inventory may have moved */
  if (rc) {
    mg_sha256_free(&p.hash);
    return rc;
  }
  m->size = p.bytes;
  if (p.note[0]) {
    note_on(c, index, "damaged: %s", p.note);
    note_on(c, container, "member '%.400s' is damaged: %.400s", name, p.note);
  }
  return mg_sha256_final(&p.hash, m->sha256, c->err);
}

/* Walks the members of an open reader whose first header, first, is
 * already read. container_in counts the bytes of the archive consumed, for
 * the compression-ratio limit. */
static int walk_entries(nest_ctx *c, struct archive *a, size_t container, uint32_t depth,
                        const uint64_t *container_in, struct archive_entry *first) {
  uint64_t out = 0;
  struct archive_entry *e = first;
  int rc = MG_OK;
  for (;;) {
    if (!e) {
      int r = archive_read_next_header(a, &e);
      if (r == ARCHIVE_EOF)
        break;
      if (mg_archive_header_failed(r)) {
        char why[700];
        note_on(c, container, "archive is %.600s", mg_archive_damage(a, why, sizeof why));
        break;
      }
    }
    c->inv->entries++;
    if ((rc = mg_limit_check(c->lim, MG_LIMIT_ENTRIES, c->inv->entries, c->inv->name, c->err)))
      break;
    const char *raw = archive_entry_pathname_utf8(e);
    if (!raw)
      raw = archive_entry_pathname(e);
    if (!raw)
      raw = "";
    char *normal = NULL;
    mg_err perr;
    mg_err_clear(&perr);
    int unsafe = mg_path_normalize(raw, c->lim, "member", &normal, &perr);
    if (unsafe == MG_ERR_NOMEM) {
      rc = mg_fail(c->err, MG_ERR_NOMEM, "out of memory");
      break;
    }
    if (unsafe)
      note_on(c, container, "unsafe member name: %.600s", perr.msg);
    int type = archive_entry_filetype(e);
    const char *link = archive_entry_hardlink(e);
    if (link || type == AE_IFLNK) {
      note_on(c, container, "member '%.400s' is a link to '%.400s'", raw,
              link                       ? link
              : archive_entry_symlink(e) ? archive_entry_symlink(e)
                                         : "");
    } else if (type != AE_IFREG && type != AE_IFDIR) {
      note_on(c, container, "member '%.400s' is a device node, FIFO or socket", raw);
    } else if (type == AE_IFREG) {
      rc = visit_member(c, a, container, normal ? normal : "(unsafe name)", depth, &out,
                        container_in);
    }
    free(normal);
    e = NULL;
    if (rc)
      break;
  }
  return rc;
}

int mg_nested_inspect(mg_inventory *inv, const mg_workspace *ws, const mg_limits *lim,
                      mg_err *err) {
  nest_ctx c = {inv, lim, err};
  size_t top = inv->count;
  for (size_t i = 0; i < top; i++) {
    char *path = mg_workspace_path(ws, inv->files[i].ws_path);
    struct archive *a = mg_archive_reader_new();
    if (!path || !a) {
      free(path);
      archive_read_free(a);
      return mg_fail(err, MG_ERR_NOMEM, "out of memory");
    }
    struct archive_entry *e;
    int rc = MG_OK;
    uint64_t size = inv->files[i].size;
    if (archive_read_open_filename(a, path, 1 << 16) == ARCHIVE_OK &&
        !mg_archive_header_failed(archive_read_next_header(a, &e))) {
      inv->files[i].is_archive = 1;
      if (lim->value[MG_LIMIT_DEPTH] < 1)
        mg_file_set_note(&inv->files[i], "nested archive beyond the depth limit: not inspected");
      else
        rc = walk_entries(&c, a, i, 1, &size, e);
    }
    archive_read_free(a);
    free(path);
    if (rc)
      return rc;
  }
  return MG_OK;
}

int mg_archive_members(const char *path, const mg_limits *lim, mg_nested_fn fn, void *user,
                       mg_err *err) {
  struct archive *a = mg_archive_reader_new();
  if (!a)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
    int rc = mg_fail(err, MG_ERR_FORMAT, "%s: %s", path, mg_archive_error(a));
    archive_read_free(a);
    return rc;
  }
  int rc = MG_OK;
  unsigned char *buf = NULL;
  uint64_t entries = 0;
  struct archive_entry *e;
  for (;;) {
    int r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF)
      break;
    if (mg_archive_header_failed(r)) {
      char why[700];
      rc = mg_fail(err, MG_ERR_FORMAT, "%s: %s", path, mg_archive_damage(a, why, sizeof why));
      break;
    }
    if ((rc = mg_limit_check(lim, MG_LIMIT_ENTRIES, ++entries, path, err)))
      break;
    if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e))
      continue;
    const char *raw = archive_entry_pathname_utf8(e);
    if (!raw)
      raw = archive_entry_pathname(e);
    char *normal = NULL;
    mg_err perr;
    mg_err_clear(&perr);
    char note[700] = "";
    if (mg_path_normalize(raw ? raw : "", lim, "member", &normal, &perr))
      snprintf(note, sizeof note, "unsafe member name: %.600s", perr.msg);
    size_t cap = 0, len = 0;
    for (;;) {
      const void *block;
      size_t n;
      la_int64_t off;
      r = archive_read_data_block(a, &block, &n, &off);
      if (r == ARCHIVE_EOF)
        break;
      if (r < ARCHIVE_WARN || (r == ARCHIVE_WARN && !n)) {
        if (!note[0])
          snprintf(note, sizeof note, "damaged: %s", mg_archive_error(a));
        break;
      }
      if (r == ARCHIVE_WARN && !note[0])
        snprintf(note, sizeof note, "damaged: %s", mg_archive_error(a));
      if (off < 0 || (uint64_t)off < len) {
        snprintf(note, sizeof note, "damaged: overlapping data blocks");
        break;
      }
      uint64_t need = (uint64_t)off + n;
      if ((rc = mg_limit_check(lim, MG_LIMIT_ENTRY_BYTES, need, raw ? raw : "member", err)))
        break;
      if (need > cap) {
        size_t ncap = cap ? cap : 65536;
        while (ncap < need)
          ncap *= 2;
        unsigned char *grown = realloc(buf, ncap);
        if (!grown) {
          rc = mg_fail(err, MG_ERR_NOMEM, "%s: member too large for memory", path);
          break;
        }
        buf = grown;
        cap = ncap;
      }
      if (need > len) { /* an empty block may come with a NULL pointer */
        memset(buf + len, 0, (size_t)off - len);
        if (n)
          memcpy(buf + off, block, n);
        len = (size_t)need;
      }
    }
    if (!rc && fn(user, normal ? normal : raw ? raw : "", buf, len, note[0] ? note : NULL)) {
      free(normal);
      break;
    }
    free(normal);
    if (rc)
      break;
  }
  free(buf);
  archive_read_free(a);
  return rc;
}
