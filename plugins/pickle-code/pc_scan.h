/* Finding the pickles in a blob of bytes: raw and stacked pickles (legacy
 * PyTorch), PyTorch and other zips (every member, by extension or magic),
 * .npy object arrays, zlib/gzip streams (joblib compress=) and, in memory,
 * tar-like archives through libarchive. What is found goes to a sink; the
 * sink decides what becomes a finding. */
#ifndef MG_PC_SCAN_H
#define MG_PC_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "pickle_dis.h"
#include "zip_walk.h"

/* Where a blob sits: the package file (artifact) and, inside it, the
 * member path ("archive/data.pkl", "inner.tar!/x.pkl"), NULL for the file. */
typedef struct mg_pc_where {
  const char *artifact;
  const char *member;
} mg_pc_where;

typedef struct mg_pc_sink {
  void *user;
  /* A pickle at byte offset base of the blob; strong when the name or the
   * container says it is a pickle (then "malformed" is worth reporting). */
  int (*pickle)(void *user, const mg_pc_where *w, uint64_t base, int index, int strong,
                const mg_pk_result *res);
  /* A zip member's anomalies (m) or the archive's (m == NULL). */
  int (*zip)(void *user, const mg_pc_where *w, const mg_zip_member *m, const mg_zip_info *zi);
  /* Something that could not be inspected, or was odd. */
  int (*note)(void *user, const mg_pc_where *w, int severity, const char *rule, const char *text);
} mg_pc_sink;

typedef struct mg_pc_opts {
  uint64_t max_inflate;     /* bytes one member/stream may inflate to */
  uint64_t max_zip_entries; /* directory entries of one zip (the zip-entries limit) */
  unsigned max_depth;       /* containers inside the blob that are opened */
  mg_pk_limits pk;
  int use_libarchive; /* open tar/7z/... blobs in memory */
  int flat;           /* read only as pickle/.npy: no containers */
} mg_pc_opts;

typedef struct mg_pc_stats {
  uint64_t blobs, pickles, zips, members, npy_object;
} mg_pc_stats;

/* Scans data (name is the blob's file name, for extension hints). Returns
 * 0, -1 on out of memory, or a sink's nonzero return. */
int mg_pc_scan_blob(const mg_pc_opts *o, const mg_pc_sink *sink, mg_pc_stats *st,
                    const mg_pc_where *w, const char *name, const uint8_t *data, size_t len,
                    unsigned depth);

/* 1 when s reads like a dotted Python name ("torch._utils", "OrderedDict"):
 * letters, digits, '_' and '.', not starting with a digit or a dot. */
int mg_pc_python_name(const char *s);
/* 1 when the name's extension says pickle (".pkl", ".pt", ...). */
int mg_pc_pickle_name(const char *name);
/* 1 when data starts like a zip local header or end record. */
int mg_pc_zip_magic(const uint8_t *data, size_t len);

#endif
