/* A zip reader that reads members the way PyTorch's loader (miniz) does:
 * the central directory is trusted, a member's data starts at its local
 * header offset + 30 + the local name and extra lengths, and a wrong CRC,
 * odd flag bits or a local header that disagrees with the central one do
 * not stop the member from being read: they are reported as anomalies, next
 * to the member, so a scanner cannot be blinded by them (picklescan
 * CVE-2025-1945, CVE-2025-10156). Every offset and size is bounds-checked. */
#ifndef MG_ZIP_WALK_H
#define MG_ZIP_WALK_H

#include <stddef.h>
#include <stdint.h>

/* Anomaly bits of a member. */
enum {
  MG_ZIP_NAME_MISMATCH = 1u << 0,   /* local name differs from the central one */
  MG_ZIP_METHOD_MISMATCH = 1u << 1, /* compression method differs */
  MG_ZIP_SIZE_MISMATCH = 1u << 2,   /* local sizes differ (no data descriptor) */
  MG_ZIP_CRC_FIELD_MISMATCH = 1u << 3,
  MG_ZIP_FLAGS_MISMATCH = 1u << 4, /* general-purpose flags differ */
  MG_ZIP_ODD_FLAGS = 1u << 5,      /* encryption/patch/masked/reserved bits */
  MG_ZIP_BAD_CRC = 1u << 6,        /* data does not match the central CRC */
  MG_ZIP_OVERLAP = 1u << 7,        /* data overlaps another member or the directory */
  MG_ZIP_DUPLICATE = 1u << 8,      /* another member has the same name */
  MG_ZIP_NO_LOCAL = 1u << 9,       /* local header missing or out of range: unread */
  MG_ZIP_UNSUPPORTED = 1u << 10,   /* method other than stored/deflate: unread */
  MG_ZIP_INFLATE_ERROR = 1u << 11, /* deflate stream damaged: partial data */
  MG_ZIP_TOO_LARGE = 1u << 12,     /* beyond the output limit: partial data */
  MG_ZIP_SIZE_WRONG = 1u << 13,    /* inflated size differs from the central one */
  MG_ZIP_BAD_ZIP64 = 1u << 14      /* zip64 extra field missing or short */
};

/* Archive-level anomaly bits. */
enum {
  MG_ZIP_A_PREPENDED = 1u << 0,   /* offsets shifted: data before the archive */
  MG_ZIP_A_TRAILING = 1u << 1,    /* bytes after the end record's comment */
  MG_ZIP_A_COUNT = 1u << 2,       /* entry count disagrees with the directory */
  MG_ZIP_A_TRUNCATED_CD = 1u << 3 /* directory ends early: later entries lost */
};

typedef struct mg_zip_member {
  uint64_t index;   /* in the central directory */
  const char *name; /* central name, NUL-terminated (may hold \0 earlier) */
  size_t name_len;
  const char *local_name; /* local header's name, or NULL */
  size_t local_name_len;
  uint16_t method, flags, local_method, local_flags;
  uint32_t crc, actual_crc;
  uint64_t comp_size, size; /* central sizes */
  uint64_t local_offset;    /* of the local header, in the buffer */
  uint64_t data_offset;     /* of the member data, in the buffer */
  const uint8_t *data;      /* member bytes (stored: in the buffer), or NULL */
  uint64_t data_len;        /* bytes available in data */
  uint32_t anomalies;       /* MG_ZIP_* bits */
} mg_zip_member;

typedef struct mg_zip_info {
  uint64_t entries;  /* central directory entries read */
  uint64_t declared; /* entries the end record declares */
  uint64_t cd_offset, cd_size;
  int64_t shift;      /* prepended bytes (Python-style offset fix) */
  uint32_t anomalies; /* MG_ZIP_A_* bits */
  int zip64;
} mg_zip_info;

/* Return nonzero to stop the walk. The member and its data are valid only
 * during the call. */
typedef int (*mg_zip_fn)(void *user, const mg_zip_member *m);

/* Walks the zip in data. max_out caps one member's inflated size, and
 * max_entries the directory entries read (the rest: MG_ZIP_A_TRUNCATED_CD). Returns
 * 0 when the end record and directory were found (members with problems
 * included), 1 when the data is not a zip, -1 on out of memory; the callback's
 * nonzero return stops the walk and is returned as 2. */
int mg_zip_walk(const uint8_t *data, size_t len, uint64_t max_out, uint64_t max_entries,
                mg_zip_fn fn, void *user, mg_zip_info *info);

/* Inflates n bytes at src into a fresh buffer (*out, *out_len; free()
 * it) of at most max_out bytes, starting at cap0 and doubling. wbits as
 * for zlib's inflateInit2: -MAX_WBITS raw deflate (zip members), 15 + 32
 * zlib or gzip. *status says how it ended; -1 when out of memory (nothing
 * to free). */
enum { MG_INFLATE_DONE = 0, MG_INFLATE_OVER = 1, MG_INFLATE_DAMAGED = 2 };
int mg_inflate_bounded(const uint8_t *src, uint64_t n, int wbits, uint64_t cap0, uint64_t max_out,
                       uint8_t **out, uint64_t *out_len, int *status);

/* One line per anomaly bit, for messages. */
const char *mg_zip_anomaly_text(uint32_t bit);
const char *mg_zip_archive_anomaly_text(uint32_t bit);

#endif
