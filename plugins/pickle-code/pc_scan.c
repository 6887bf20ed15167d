/* Format dispatch for the pickle scan (see pc_scan.h). A blob is looked at
 * in every way a loader could read it: as a zip (torch.load's first try),
 * as pickles from its first byte (torch's legacy path, pickle.load), as an
 * .npy object array, as a zlib/gzip stream (joblib) and as a tar-like
 * archive; a polyglot is scanned under each reading that applies. */
#include "config.h"

#include "pc_scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include <modelgate/plugin.h>

#include "archive_io.h"

typedef struct ctx {
  const mg_pc_opts *o;
  const mg_pc_sink *sink;
  mg_pc_stats *st;
  const mg_pc_where *w;
  unsigned depth;
} ctx;

static const char *ext_of(const char *name) {
  const char *slash = strrchr(name, '/');
  const char *base = slash ? slash + 1 : name;
  const char *dot = strrchr(base, '.');
  return dot ? dot + 1 : "";
}

int mg_pc_pickle_name(const char *name) {
  static const char *const exts[] = {"pkl", "pickle", "joblib", "pt",  "pth", "ckpt",
                                     "p",   "sav",    "dill",   "pck", "pcl", NULL};
  const char *e = ext_of(name ? name : "");
  for (int i = 0; exts[i]; i++)
    if (!strcasecmp(e, exts[i]))
      return 1;
  return 0;
}

int mg_pc_zip_magic(const uint8_t *d, size_t len) {
  return len >= 4 && d[0] == 'P' && d[1] == 'K' &&
         ((d[2] == 3 && d[3] == 4) || (d[2] == 5 && d[3] == 6));
}

/* Member path of a child: "parent!/name" or "name". */
static char *child_path(const mg_pc_where *w, const char *name) {
  size_t l = (w->member ? strlen(w->member) + 2 : 0) + strlen(name) + 1;
  char *p = malloc(l);
  if (!p)
    return NULL;
  if (w->member)
    snprintf(p, l, "%s!/%s", w->member, name);
  else
    snprintf(p, l, "%s", name);
  return p;
}

static int note(ctx *c, int sev, const char *rule, const char *text) {
  return c->sink->note ? c->sink->note(c->sink->user, c->w, sev, rule, text) : 0;
}

/* --- pickles ---------------------------------------------------------- */

static int opens_like_pickle(const uint8_t *d, size_t len) {
  if (!len)
    return 0;
  /* Without PROTO any opcode may come first (the unpickler does not
   * insist on a header); the caller then demands more evidence. */
  return mg_pickle_opname(d[0]) != NULL;
}

int mg_pc_python_name(const char *s) {
  if (!s || !*s || (*s >= '0' && *s <= '9') || *s == '.')
    return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '_' || *s == '.'))
      return 0;
  return 1;
}

/* An import that reads like Python: what random bytes do not produce. */
static int plausible_import(const mg_pk_result *r) {
  for (size_t i = 0; i < r->n_imports; i++)
    if (mg_pc_python_name(r->imports[i].module) && mg_pc_python_name(r->imports[i].name))
      return 1;
  return 0;
}

/* Pickles from offset 0, one after another while the next one starts with
 * PROTO (legacy torch.save writes five, then raw storage bytes). */
static int scan_pickles(ctx *c, const uint8_t *d, size_t len, int strong) {
  if (!opens_like_pickle(d, len))
    return 0;
  uint64_t off = 0;
  for (int index = 0; off < len; index++) {
    const uint8_t *p = d + off;
    size_t n = len - (size_t)off;
    int proto = n >= 2 && p[0] == 0x80 && p[1] <= 5;
    if (index && !proto)
      break;
    mg_pk_result r;
    if (mg_pickle_dis(p, n, &c->o->pk, &r)) {
      mg_pickle_result_free(&r);
      return -1;
    }
    int is_pickle;
    if (index)
      is_pickle = r.complete || r.n_imports || r.dyn_calls;
    else
      /* By content alone: clean to STOP, or a PROTO header with something
       * to show, or reaching STOP with a Python-looking import even though
       * the emulation objected on the way (it may be stricter than CPython). */
      is_pickle = strong || (r.complete && !r.errors && r.ops >= 2) ||
                  (proto && (r.complete || r.n_imports)) || (r.complete && plausible_import(&r));
    int rc = 0;
    if (is_pickle) {
      c->st->pickles++;
      rc = c->sink->pickle(c->sink->user, c->w, off, index, strong || index > 0 || proto, &r);
    }
    int go_on = is_pickle && r.complete && r.end > 0;
    off += r.end;
    mg_pickle_result_free(&r);
    if (rc || !go_on)
      return rc;
  }
  return 0;
}

/* --- .npy ------------------------------------------------------------- */

/* An object dtype: a quoted string "|O", "O", "<O8"... in the header. */
static int npy_object(const uint8_t *h, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (h[i] != '\'' && h[i] != '"')
      continue;
    uint8_t q = h[i];
    size_t j = i + 1;
    while (j < n && h[j] != q)
      j++;
    if (j >= n)
      return 0;
    size_t k = i + 1;
    if (k < j && strchr("|<>=", h[k]) && h[k])
      k++;
    if (k < j && h[k] == 'O') {
      k++;
      while (k < j && h[k] >= '0' && h[k] <= '9')
        k++;
      if (k == j)
        return 1;
    }
    i = j;
  }
  return 0;
}

static int scan_npy(ctx *c, const uint8_t *d, size_t len) {
  if (len < 10 || memcmp(d, "\x93NUMPY", 6))
    return 0;
  uint64_t hlen, start;
  if (d[6] == 1) {
    hlen = (uint64_t)d[8] | (uint64_t)d[9] << 8;
    start = 10;
  } else if ((d[6] == 2 || d[6] == 3) && len >= 12) {
    hlen = (uint64_t)d[8] | (uint64_t)d[9] << 8 | (uint64_t)d[10] << 16 | (uint64_t)d[11] << 24;
    start = 12;
  } else {
    return note(c, MG_SEV_LOW, "npy.unknown-version",
                "NPY file of an unknown version: not inspected");
  }
  if (hlen > len - start)
    return note(c, MG_SEV_LOW, "npy.truncated", "NPY header longer than the file");
  if (!npy_object(d + start, (size_t)hlen))
    return 0;
  c->st->npy_object++;
  uint64_t data = start + hlen;
  mg_pk_result r;
  if (mg_pickle_dis(d + data, len - (size_t)data, &c->o->pk, &r)) {
    mg_pickle_result_free(&r);
    return -1;
  }
  c->st->pickles++;
  int rc = c->sink->pickle(c->sink->user, c->w, data, 0, 1, &r);
  mg_pickle_result_free(&r);
  return rc;
}

/* --- zips ------------------------------------------------------------- */

typedef struct zctx {
  ctx *c;
  int rc;
} zctx;

static int zip_member(void *user, const mg_zip_member *m) {
  zctx *z = user;
  ctx *c = z->c;
  c->st->members++;
  char *path = child_path(c->w, m->name);
  if (!path) {
    z->rc = -1;
    return 1;
  }
  mg_pc_where w = {c->w->artifact, path};
  int rc = 0;
  if (m->anomalies && c->sink->zip)
    rc = c->sink->zip(c->sink->user, &w, m, NULL);
  if (!rc && m->data) {
    rc = mg_pc_scan_blob(c->o, c->sink, c->st, &w, m->name, m->data, (size_t)m->data_len,
                         c->depth + 1);
  }
  free(path);
  if (rc) {
    z->rc = rc;
    return 1;
  }
  return 0;
}

static int scan_zip(ctx *c, const uint8_t *d, size_t len, int *was_zip) {
  zctx z = {c, 0};
  mg_zip_info zi;
  *was_zip = 0;
  int r = mg_zip_walk(d, len, c->o->max_inflate, c->o->max_zip_entries, zip_member, &z, &zi);
  if (r == 1)
    return 0;
  *was_zip = 1;
  c->st->zips++;
  if (r == -1)
    return -1;
  if (z.rc)
    return z.rc;
  if (zi.anomalies && c->sink->zip)
    return c->sink->zip(c->sink->user, c->w, NULL, &zi);
  return 0;
}

/* --- compressed streams ------------------------------------------------ */

static int looks_compressed(const uint8_t *d, size_t len) {
  if (len < 3)
    return 0;
  if (d[0] == 0x1f && d[1] == 0x8b && d[2] == 8)
    return 1;
  return (d[0] & 0x0f) == 8 && (d[0] >> 4) <= 7 && ((d[0] << 8) | d[1]) % 31 == 0;
}

/* What a stream inflates to is worth a full look: a pickle by name or
 * header, an .npy, a zip. Datasets (.idx.gz, .npy.gz of numbers) are left
 * alone after their first 64 KiB. */
static int worth_inflating(const char *inner, const uint8_t *b, size_t n) {
  return mg_pc_pickle_name(inner) || (n >= 2 && b[0] == 0x80 && b[1] <= 5) ||
         (n >= 6 && !memcmp(b, "\x93NUMPY", 6)) || mg_pc_zip_magic(b, n);
}

static int scan_compressed(ctx *c, const char *name, const uint8_t *d, size_t len) {
  /* joblib keeps ".joblib"/".pkl" on compressed dumps; .gz/.z go away. */
  char inner[256];
  snprintf(inner, sizeof inner, "%s", name ? name : "");
  char *dot = strrchr(inner, '.');
  if (dot && (!strcasecmp(dot, ".gz") || !strcasecmp(dot, ".z") || !strcasecmp(dot, ".zlib")))
    *dot = '\0';
  uint8_t *buf;
  uint64_t have;
  int status;
  /* A first look at 64 KiB decides whether the whole is worth inflating. */
  const int wbits = 15 + 32; /* zlib or gzip header */
  uint64_t peek = c->o->max_inflate < 65536 ? c->o->max_inflate : 65536;
  if (mg_inflate_bounded(d, len, wbits, peek, peek, &buf, &have, &status))
    return -1;
  int worth = have && worth_inflating(inner, buf, (size_t)have);
  if (worth && status == MG_INFLATE_OVER) {
    free(buf);
    if (mg_inflate_bounded(d, len, wbits, 65536, c->o->max_inflate, &buf, &have, &status))
      return -1;
  }
  int rc = 0;
  if (worth) {
    if (status == MG_INFLATE_OVER)
      rc = note(c, MG_SEV_MEDIUM, "pickle.not-inspected",
                "compressed stream inflates beyond the size limit: only its first part was "
                "inspected");
    else if (status == MG_INFLATE_DAMAGED)
      rc = note(c, MG_SEV_LOW, "pickle.damaged-stream",
                "compressed stream is damaged: only its readable part was inspected");
    char *path = rc ? NULL : child_path(c->w, "(decompressed)");
    if (!rc && !path) {
      rc = -1;
    } else if (!rc) {
      mg_pc_where w = {c->w->artifact, path};
      rc = mg_pc_scan_blob(c->o, c->sink, c->st, &w, inner, buf, have, c->depth + 1);
    }
    free(path);
  }
  free(buf);
  return rc;
}

/* --- tar-like archives, in memory -------------------------------------- */

static int scan_archive(ctx *c, const uint8_t *d, size_t len, int *was_archive) {
  *was_archive = 0;
  struct archive *a = mg_archive_reader_except_zip(); /* zips go through zip_walk */
  if (!a)
    return -1;
  struct archive_entry *e;
  if (archive_read_open_memory(a, d, len) != ARCHIVE_OK ||
      mg_archive_header_failed(archive_read_next_header(a, &e))) {
    archive_read_free(a);
    return 0;
  }
  *was_archive = 1;
  int rc = 0;
  uint8_t *buf = NULL;
  size_t cap = 0;
  for (int first = 1; !rc; first = 0) {
    if (!first) {
      int r = archive_read_next_header(a, &e);
      if (r == ARCHIVE_EOF)
        break;
      if (mg_archive_header_failed(r)) {
        rc =
            note(c, MG_SEV_LOW, "archive.damaged", "nested archive is damaged: later members lost");
        break;
      }
    }
    if (archive_entry_filetype(e) != AE_IFREG)
      continue;
    const char *name = archive_entry_pathname(e);
    size_t have = 0;
    int trunc = 0;
    for (;;) {
      if (have == cap) {
        if (cap >= c->o->max_inflate) {
          trunc = 1;
          break;
        }
        size_t ncap = cap ? cap * 2 : 65536;
        if (ncap > c->o->max_inflate)
          ncap = (size_t)c->o->max_inflate;
        uint8_t *g = realloc(buf, ncap);
        if (!g) {
          rc = -1;
          break;
        }
        buf = g;
        cap = ncap;
      }
      la_ssize_t k = archive_read_data(a, buf + have, cap - have);
      if (k <= 0) {
        if (k < 0)
          trunc = 2;
        break;
      }
      have += (size_t)k;
    }
    if (rc)
      break;
    c->st->members++;
    char *path = child_path(c->w, name ? name : "(unnamed)");
    if (!path) {
      rc = -1;
      break;
    }
    mg_pc_where w = {c->w->artifact, path};
    ctx sub = *c;
    sub.w = &w;
    if (trunc)
      rc = note(&sub, trunc == 1 ? MG_SEV_MEDIUM : MG_SEV_LOW, "pickle.not-inspected",
                trunc == 1 ? "member larger than the size limit: only its first part was inspected"
                           : "member is damaged: only its readable part was inspected");
    if (!rc)
      rc = mg_pc_scan_blob(c->o, c->sink, c->st, &w, name, buf, have, c->depth + 1);
    free(path);
  }
  free(buf);
  archive_read_free(a);
  return rc;
}

/* --- dispatch --------------------------------------------------------- */

int mg_pc_scan_blob(const mg_pc_opts *o, const mg_pc_sink *sink, mg_pc_stats *st,
                    const mg_pc_where *w, const char *name, const uint8_t *data, size_t len,
                    unsigned depth) {
  ctx c = {o, sink, st, w, depth};
  st->blobs++;
  if (!data || !len)
    return 0;
  int strong = mg_pc_pickle_name(name);
  int is_zip = 0, is_archive = 0, rc;
  if (o->flat) {
    if ((rc = scan_npy(&c, data, len)))
      return rc;
    return scan_pickles(&c, data, len, strong);
  }
  if (depth > o->max_depth) {
    /* Too deep to open containers; still read it as a pickle. What the
     * container holds may be a pickle no one looked at: high, so the
     * default gate fails (CTL-17) rather than passing unseen content. */
    if (mg_pc_zip_magic(data, len) || looks_compressed(data, len))
      if ((rc = note(&c, MG_SEV_HIGH, "pickle.not-inspected",
                     "container nested deeper than the depth limit (--set pickle-code.depth=N): "
                     "not opened, its content is unexamined")))
        return rc;
    return scan_pickles(&c, data, len, strong);
  }
  if ((rc = scan_zip(&c, data, len, &is_zip)))
    return rc;
  if ((rc = scan_npy(&c, data, len)))
    return rc;
  if ((rc = scan_pickles(&c, data, len, strong && !is_zip)))
    return rc;
  if (is_zip)
    return 0;
  if (o->use_libarchive && (rc = scan_archive(&c, data, len, &is_archive)))
    return rc;
  if (!is_archive && looks_compressed(data, len))
    return scan_compressed(&c, name, data, len);
  return 0;
}
