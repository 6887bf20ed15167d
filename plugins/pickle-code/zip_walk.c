/* The zip structure walk (see zip_walk.h). Two passes: the central
 * directory is read into a table first so overlaps and duplicate names can
 * be flagged, then each member is located through its local header,
 * extracted (stored: in place; deflate: raw inflate with a bounded output)
 * and handed to the callback with its anomalies. */
#include "config.h"

#include "zip_walk.h"

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END 0x06054b50u
#define SIG_END64 0x06064b50u
#define SIG_LOC64 0x07064b50u
/* Flag bits a plain zip writer uses: deflate options, data descriptor, UTF-8. */
#define NORMAL_FLAGS (0x0002u | 0x0004u | 0x0008u | 0x0800u)

typedef struct entry {
  const uint8_t *name;
  size_t name_len;
  uint16_t method, flags;
  uint32_t crc;
  uint64_t comp_size, size, lho;
  uint64_t start, end; /* byte range the member occupies, for overlap checks */
  uint32_t anomalies;
} entry;

static uint16_t rd16(const uint8_t *p) {
  return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p) {
  return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* In range: [off, off + n) within len, without overflow. */
static int fits(uint64_t off, uint64_t n, size_t len) {
  return off <= len && n <= len - off;
}

const char *mg_zip_anomaly_text(uint32_t bit) {
  switch (bit) {
  case MG_ZIP_NAME_MISMATCH:
    return "the local header names a different file than the central directory";
  case MG_ZIP_METHOD_MISMATCH:
    return "local and central headers give different compression methods";
  case MG_ZIP_SIZE_MISMATCH:
    return "local and central headers give different sizes";
  case MG_ZIP_CRC_FIELD_MISMATCH:
    return "local and central headers give different CRCs";
  case MG_ZIP_FLAGS_MISMATCH:
    return "local and central headers give different flag bits";
  case MG_ZIP_ODD_FLAGS:
    return "unusual flag bits (encryption, patch data, masked header or reserved)";
  case MG_ZIP_BAD_CRC:
    return "the data does not match the CRC in the central directory";
  case MG_ZIP_OVERLAP:
    return "the member's bytes overlap another member or the central directory";
  case MG_ZIP_DUPLICATE:
    return "another member has the same name";
  case MG_ZIP_NO_LOCAL:
    return "local header or data out of range or missing";
  case MG_ZIP_UNSUPPORTED:
    return "compression method other than stored or deflate: not inspected";
  case MG_ZIP_INFLATE_ERROR:
    return "the deflate stream is damaged: only its readable part was inspected";
  case MG_ZIP_TOO_LARGE:
    return "inflates beyond the size limit: only the first part was inspected";
  case MG_ZIP_SIZE_WRONG:
    return "the data size differs from the central directory's";
  case MG_ZIP_BAD_ZIP64:
    return "zip64 extra field missing or short";
  default:
    return "unknown anomaly";
  }
}

const char *mg_zip_archive_anomaly_text(uint32_t bit) {
  switch (bit) {
  case MG_ZIP_A_PREPENDED:
    return "data before the archive: offsets had to be shifted";
  case MG_ZIP_A_TRAILING:
    return "bytes after the end record that its comment length does not cover";
  case MG_ZIP_A_COUNT:
    return "the end record's entry count disagrees with the central directory";
  case MG_ZIP_A_TRUNCATED_CD:
    return "the central directory ends early or holds too many entries: later entries lost";
  default:
    return "unknown anomaly";
  }
}

/* Finds the end record: the last signature in the final 64 KiB + 22 whose
 * directory fits before it, as miniz does. */
static int find_end(const uint8_t *d, size_t len, mg_zip_info *info, uint64_t *end_pos,
                    uint64_t *dir_end) {
  if (len < 22)
    return 1;
  size_t lo = len - 22 > 65535 ? len - 22 - 65535 : 0;
  for (size_t pos = len - 22 + 1; pos-- > lo;) {
    if (rd32(d + pos) != SIG_END)
      continue;
    uint64_t entries = rd16(d + pos + 10);
    uint64_t cd_size = rd32(d + pos + 12);
    uint64_t cd_off = rd32(d + pos + 16);
    uint16_t comment = rd16(d + pos + 20);
    int z64 = 0;
    uint64_t before = pos; /* where the central directory should end */
    if (pos >= 20 && rd32(d + pos - 20) == SIG_LOC64) {
      /* The zip64 end record right before its locator, as Python's zipfile
       * looks for it, else where the locator's (unshifted) offset says. */
      uint64_t z = rd64(d + pos - 20 + 8);
      if (pos >= 20 + 56 && rd32(d + pos - 20 - 56) == SIG_END64)
        z = pos - 20 - 56;
      if (fits(z, 56, len) && rd32(d + z) == SIG_END64) {
        before = z;
        z64 = 1;
        if (entries == 0xffff)
          entries = rd64(d + z + 32);
        if (cd_size == 0xffffffffu)
          cd_size = rd64(d + z + 40);
        if (cd_off == 0xffffffffu)
          cd_off = rd64(d + z + 48);
      }
    }
    if (cd_size > pos)
      continue;
    info->declared = entries;
    info->cd_size = cd_size;
    info->cd_offset = cd_off;
    info->zip64 = z64;
    if ((uint64_t)pos + 22 + comment != len)
      info->anomalies |= MG_ZIP_A_TRAILING;
    *end_pos = pos;
    *dir_end = before;
    return 0;
  }
  return 1;
}

/* zip64 extra field: the 64-bit values of the fields saturated in the header. */
static void apply_zip64(entry *e, const uint8_t *x, size_t xlen, int want_disk) {
  int need_u = e->size == 0xffffffffu, need_c = e->comp_size == 0xffffffffu,
      need_o = e->lho == 0xffffffffu;
  if (!need_u && !need_c && !need_o && !want_disk)
    return;
  size_t p = 0;
  while (p + 4 <= xlen) {
    uint16_t id = rd16(x + p), sz = rd16(x + p + 2);
    if (sz > xlen - p - 4)
      break;
    if (id == 0x0001) {
      const uint8_t *f = x + p + 4;
      size_t k = 0;
      if (need_u && k + 8 <= sz) {
        e->size = rd64(f + k);
        k += 8;
        need_u = 0;
      }
      if (need_c && k + 8 <= sz) {
        e->comp_size = rd64(f + k);
        k += 8;
        need_c = 0;
      }
      if (need_o && k + 8 <= sz) {
        e->lho = rd64(f + k);
        need_o = 0;
      }
      break;
    }
    p += 4 + (size_t)sz;
  }
  if (need_u || need_c || need_o)
    e->anomalies |= MG_ZIP_BAD_ZIP64;
}

static int by_start(const void *a, const void *b) {
  const entry *const *x = a, *const *y = b;
  return (*x)->start < (*y)->start ? -1 : (*x)->start > (*y)->start;
}

static int by_name(const void *a, const void *b) {
  const entry *const *x = a, *const *y = b;
  size_t n = (*x)->name_len < (*y)->name_len ? (*x)->name_len : (*y)->name_len;
  int c = memcmp((*x)->name, (*y)->name, n);
  if (c)
    return c;
  return (*x)->name_len < (*y)->name_len ? -1 : (*x)->name_len > (*y)->name_len;
}

/* Overlaps and duplicates across the table. */
static int cross_checks(entry *t, size_t n, uint64_t cd_start, uint64_t cd_end) {
  if (!n)
    return 0;
  entry **s = malloc(n * sizeof *s);
  if (!s)
    return -1;
  for (size_t i = 0; i < n; i++)
    s[i] = &t[i];
  qsort(s, n, sizeof *s, by_start);
  uint64_t max_end = 0;
  entry *max_owner = NULL;
  for (size_t i = 0; i < n; i++) {
    entry *e = s[i];
    if (e->anomalies & MG_ZIP_NO_LOCAL)
      continue;
    if (max_owner && e->start < max_end) {
      e->anomalies |= MG_ZIP_OVERLAP;
      max_owner->anomalies |= MG_ZIP_OVERLAP;
    }
    if (e->start < cd_end && cd_start < e->end)
      e->anomalies |= MG_ZIP_OVERLAP;
    if (e->end > max_end) {
      max_end = e->end;
      max_owner = e;
    }
  }
  qsort(s, n, sizeof *s, by_name);
  for (size_t i = 1; i < n; i++)
    if (!by_name(&s[i - 1], &s[i])) {
      s[i - 1]->anomalies |= MG_ZIP_DUPLICATE;
      s[i]->anomalies |= MG_ZIP_DUPLICATE;
    }
  free(s);
  return 0;
}

int mg_inflate_bounded(const uint8_t *src, uint64_t n, int wbits, uint64_t cap0, uint64_t max_out,
                       uint8_t **out, uint64_t *out_len, int *status) {
  *out = NULL;
  *out_len = 0;
  *status = MG_INFLATE_DONE;
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  if (inflateInit2(&zs, wbits) != Z_OK)
    return -1;
  uint64_t cap = cap0 < max_out ? cap0 : max_out;
  uint8_t *buf = malloc(cap ? (size_t)cap : 1);
  if (!buf) {
    inflateEnd(&zs);
    return -1;
  }
  uint64_t in_done = 0, have = 0;
  for (;;) {
    /* zlib counts in uInt: input and room go in 1 GiB pieces. */
    if (!zs.avail_in && in_done < n) {
      uint64_t chunk = n - in_done > 0x40000000u ? 0x40000000u : n - in_done;
      zs.next_in = (Bytef *)(uintptr_t)(src + in_done);
      zs.avail_in = (uInt)chunk;
      in_done += chunk;
    }
    if (have == cap) {
      if (cap >= max_out) {
        *status = MG_INFLATE_OVER;
        break;
      }
      uint64_t ncap = cap * 2 > max_out ? max_out : cap * 2;
      uint8_t *g = realloc(buf, (size_t)ncap);
      if (!g) {
        free(buf);
        inflateEnd(&zs);
        return -1;
      }
      buf = g;
      cap = ncap;
    }
    uint64_t room = cap - have > 0x40000000u ? 0x40000000u : cap - have;
    zs.next_out = buf + have;
    zs.avail_out = (uInt)room;
    uInt before_in = zs.avail_in;
    int rc = inflate(&zs, Z_NO_FLUSH);
    have += room - zs.avail_out;
    if (rc == Z_STREAM_END)
      break;
    if (rc == Z_MEM_ERROR) {
      free(buf);
      inflateEnd(&zs);
      return -1;
    }
    /* An error, or no progress with all input given: the stream is damaged
     * or cut short. */
    if ((rc != Z_OK && rc != Z_BUF_ERROR) ||
        (rc == Z_BUF_ERROR && zs.avail_out && in_done >= n && before_in == zs.avail_in)) {
      *status = MG_INFLATE_DAMAGED;
      break;
    }
  }
  inflateEnd(&zs);
  *out = buf;
  *out_len = have;
  return 0;
}

static uint32_t crc_of(const uint8_t *p, uint64_t n) {
  uLong c = crc32(0L, Z_NULL, 0);
  while (n) {
    uInt k = n > 0x40000000u ? 0x40000000u : (uInt)n;
    c = crc32(c, p, k);
    p += k;
    n -= k;
  }
  return (uint32_t)c;
}

/* Locates, compares and extracts one member, then calls fn. */
static int visit(const uint8_t *d, size_t len, int64_t shift, uint64_t max_out, entry *e,
                 uint64_t index, mg_zip_fn fn, void *user) {
  mg_zip_member m;
  memset(&m, 0, sizeof m);
  char *name = malloc(e->name_len + 1);
  if (!name)
    return -1;
  memcpy(name, e->name, e->name_len);
  name[e->name_len] = '\0';
  m.index = index;
  m.name = name;
  m.name_len = e->name_len;
  m.method = e->method;
  m.flags = e->flags;
  m.crc = e->crc;
  m.comp_size = e->comp_size;
  m.size = e->size;
  m.anomalies = e->anomalies;
  uint64_t lho = e->lho + (uint64_t)shift;
  m.local_offset = lho;
  uint8_t *owned = NULL;
  if (!(e->anomalies & MG_ZIP_NO_LOCAL)) {
    const uint8_t *l = d + lho;
    uint16_t lflags = rd16(l + 6), lmethod = rd16(l + 8), nlen = rd16(l + 26), xlen = rd16(l + 28);
    uint32_t lcrc = rd32(l + 14), lcsize = rd32(l + 18), lusize = rd32(l + 22);
    m.local_flags = lflags;
    m.local_method = lmethod;
    m.local_name = (const char *)(l + 30);
    m.local_name_len = nlen;
    if (nlen != e->name_len || memcmp(l + 30, e->name, nlen))
      m.anomalies |= MG_ZIP_NAME_MISMATCH;
    if (lmethod != e->method)
      m.anomalies |= MG_ZIP_METHOD_MISMATCH;
    if (lflags != e->flags)
      m.anomalies |= MG_ZIP_FLAGS_MISMATCH;
    if ((lflags | e->flags) & ~NORMAL_FLAGS & 0xffffu)
      m.anomalies |= MG_ZIP_ODD_FLAGS;
    if (!(lflags & 0x0008u)) {
      if (lcrc != e->crc)
        m.anomalies |= MG_ZIP_CRC_FIELD_MISMATCH;
      if ((lcsize != 0xffffffffu && lcsize != e->comp_size) ||
          (lusize != 0xffffffffu && lusize != e->size))
        m.anomalies |= MG_ZIP_SIZE_MISMATCH;
    }
    m.data_offset = lho + 30 + nlen + xlen;
    uint64_t avail = m.data_offset < len ? len - m.data_offset : 0;
    uint64_t n = e->comp_size;
    if (n > avail) {
      m.anomalies |= MG_ZIP_NO_LOCAL;
      n = avail;
    }
    const uint8_t *src = d + (m.data_offset < len ? m.data_offset : len);
    int complete = !(m.anomalies & MG_ZIP_NO_LOCAL);
    if (e->method == 0) {
      m.data = src;
      m.data_len = n;
      if (n != e->size)
        m.anomalies |= MG_ZIP_SIZE_WRONG;
    } else if (e->method == 8) {
      /* Start at the declared size, within 64 KiB to 64 MiB: it is a hint. */
      uint64_t cap0 = e->size < 65536                  ? 65536
                      : e->size > ((uint64_t)64 << 20) ? (uint64_t)64 << 20
                                                       : e->size;
      int st;
      if (mg_inflate_bounded(src, n, -MAX_WBITS, cap0, max_out, &owned, &m.data_len, &st)) {
        free(name);
        return -1;
      }
      if (st == MG_INFLATE_OVER)
        m.anomalies |= MG_ZIP_TOO_LARGE;
      else if (st == MG_INFLATE_DAMAGED)
        m.anomalies |= MG_ZIP_INFLATE_ERROR;
      m.data = owned;
      if (st != MG_INFLATE_DONE)
        complete = 0;
      else if (m.data_len != e->size)
        m.anomalies |= MG_ZIP_SIZE_WRONG;
    } else {
      m.anomalies |= MG_ZIP_UNSUPPORTED;
      complete = 0;
    }
    if (complete) {
      m.actual_crc = crc_of(m.data, m.data_len);
      if (m.actual_crc != e->crc)
        m.anomalies |= MG_ZIP_BAD_CRC;
    }
  }
  int stop = fn(user, &m);
  free(owned);
  free(name);
  return stop ? 2 : 0;
}

int mg_zip_walk(const uint8_t *d, size_t len, uint64_t max_out, uint64_t max_entries, mg_zip_fn fn,
                void *user, mg_zip_info *info) {
  mg_zip_info scratch;
  if (!info)
    info = &scratch;
  memset(info, 0, sizeof *info);
  uint64_t end_pos, dir_end;
  if (!d || find_end(d, len, info, &end_pos, &dir_end))
    return 1;
  /* A directory not where the end record says, but right before it (or
   * before the zip64 end record): data was prepended. Python's zipfile
   * shifts every offset by the difference and loads the members, so they
   * are found and inspected the same way (issue 14), and it is reported. */
  uint64_t cd = info->cd_offset;
  if (!(fits(cd, 4, len) && rd32(d + cd) == SIG_CENTRAL) && info->cd_size &&
      dir_end >= info->cd_size && rd32(d + dir_end - info->cd_size) == SIG_CENTRAL &&
      dir_end - info->cd_size > cd) {
    info->shift = (int64_t)(dir_end - info->cd_size - cd);
    info->anomalies |= MG_ZIP_A_PREPENDED;
    cd += (uint64_t)info->shift;
  }
  if (!fits(cd, info->cd_size, len))
    return 1;
  uint64_t cd_end = cd + info->cd_size;

  size_t cap = 0, n = 0;
  entry *t = NULL;
  uint64_t p = cd;
  while (p + 46 <= cd_end && rd32(d + p) == SIG_CENTRAL) {
    if (n >= max_entries) {
      info->anomalies |= MG_ZIP_A_TRUNCATED_CD;
      break;
    }
    const uint8_t *c = d + p;
    uint16_t nlen = rd16(c + 28), xlen = rd16(c + 30), clen = rd16(c + 32);
    uint64_t rec = 46u + nlen + xlen + clen;
    if (p + rec > cd_end) {
      info->anomalies |= MG_ZIP_A_TRUNCATED_CD;
      break;
    }
    if (n == cap) {
      size_t ncap = cap ? cap * 2 : 64;
      entry *g = realloc(t, ncap * sizeof *g);
      if (!g) {
        free(t);
        return -1;
      }
      t = g;
      cap = ncap;
    }
    entry *e = &t[n++];
    memset(e, 0, sizeof *e);
    e->flags = rd16(c + 8);
    e->method = rd16(c + 10);
    e->crc = rd32(c + 16);
    e->comp_size = rd32(c + 20);
    e->size = rd32(c + 24);
    e->lho = rd32(c + 42);
    e->name = c + 46;
    e->name_len = nlen;
    apply_zip64(e, c + 46 + nlen, xlen, 0);
    uint64_t lho = e->lho + (uint64_t)info->shift;
    if (lho < e->lho || !fits(lho, 30, len) || rd32(d + lho) != SIG_LOCAL) {
      e->anomalies |= MG_ZIP_NO_LOCAL;
    } else {
      uint64_t data = lho + 30 + rd16(d + lho + 26) + rd16(d + lho + 28);
      e->start = lho;
      e->end = data + e->comp_size < data ? UINT64_MAX : data + e->comp_size;
      if (data > len)
        e->anomalies |= MG_ZIP_NO_LOCAL;
    }
    p += rec;
  }
  if (p < cd_end && !(info->anomalies & MG_ZIP_A_TRUNCATED_CD))
    info->anomalies |= MG_ZIP_A_TRUNCATED_CD;
  info->entries = n;
  if (n != info->declared)
    info->anomalies |= MG_ZIP_A_COUNT;
  if (cross_checks(t, n, cd, cd_end)) {
    free(t);
    return -1;
  }
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++)
    rc = visit(d, len, info->shift, max_out, &t[i], i, fn, user);
  free(t);
  return rc;
}
