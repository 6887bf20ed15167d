/* One NPY or IDX file, decompressed if needed and memory-mapped (or, without
 * a cache directory, decompressed into memory), with its header parsed and
 * its size checked against the header. Shared by the dataset reader and
 * mg_array_load_f32. */
#ifndef MG_ARRAY_FILE_H
#define MG_ARRAY_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "data/dataset.h"

typedef struct mg_array_file {
  char *name;          /* the path the user knows, for messages */
  const uint8_t *base; /* the whole (decompressed) file */
  size_t size;         /* bytes at base */
  const uint8_t *data; /* base + hdr.data_offset */
  mg_array_header hdr;
  const char *format; /* "NPY" or "IDX" */
  const char *filter; /* compression that was undone, or NULL */
  void *map;          /* munmap(map, map_len) at close, or NULL */
  size_t map_len;
  uint8_t *heap;    /* free() at close, or NULL */
  char *cache_path; /* decompressed copy, removed at close by its creator */
  pid_t cache_owner;
} mg_array_file;

/* Opens path (never following a link; a regular file only). A compressed
 * file is decompressed into a new file in cache_dir, or into memory when
 * cache_dir is NULL, counting the output against dataset-bytes. */
int mg_array_file_open(mg_array_file *f, const char *path, const char *cache_dir,
                       const mg_limits *lim, mg_err *err);
void mg_array_file_close(mg_array_file *f);

#endif
