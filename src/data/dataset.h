/* Datasets: NPY and IDX files (optionally compressed) holding images as
 * N x H x W or N x C x H x W and labels as N integers. A dataset is opened
 * once by the host before plugins fork: a compressed file is decompressed
 * into the workspace cache, then everything is memory-mapped, so plugins
 * read batches without anyone holding a second copy. See
 * docs/package-format.md ("Data files"). */
#ifndef MG_DATASET_H
#define MG_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "base/limit_table.h"
#include "data/dtype.h"

#define MG_ARRAY_MAX_DIMS 8

/* A parsed NPY or IDX header. */
typedef struct mg_array_header {
  mg_dtype dtype;
  int big_endian;
  uint32_t ndim;
  uint64_t dims[MG_ARRAY_MAX_DIMS];
  uint64_t count;       /* product of dims, overflow-checked */
  uint64_t data_offset; /* bytes before the data */
  uint64_t data_bytes;  /* count * element size, overflow-checked */
} mg_array_header;

/* Header parsers, exposed for the fuzzers. `name` is used in messages. */
int mg_npy_parse_header(const uint8_t *buf, size_t len, const char *name, const mg_limits *lim,
                        mg_array_header *h, mg_err *err);
int mg_idx_parse_header(const uint8_t *buf, size_t len, const char *name, mg_array_header *h,
                        mg_err *err);

typedef struct mg_dataset mg_dataset;

/* inputs (and labels, may be NULL) are absolute paths inside the workspace;
 * cache_dir is a workspace directory for decompressed copies (NULL:
 * decompress into memory). Checks shapes, counts, labels and float values
 * once, here; *out is NULL on failure. */
int mg_dataset_open(const char *inputs, const char *labels, const char *cache_dir,
                    const mg_limits *lim, mg_dataset **out, mg_err *err);
void mg_dataset_close(mg_dataset *d);

uint64_t mg_dataset_count(const mg_dataset *d);
/* N x H x W reports channels 1. */
void mg_dataset_shape(const mg_dataset *d, uint32_t *channels, uint32_t *height, uint32_t *width);
mg_dtype mg_dataset_dtype(const mg_dataset *d);
int mg_dataset_has_labels(const mg_dataset *d);
/* Largest label + 1 (0 without labels); labels are checked to be >= 0. */
uint32_t mg_dataset_num_labels(const mg_dataset *d);
/* Smallest and largest raw value: the dtype's range for integers, the
 * observed range for floats (NaN/Inf are a format error at open). */
void mg_dataset_raw_range(const mg_dataset *d, double *lo, double *hi);

/* Rows [first, first+count) as floats raw * scale, row-major C x H x W, and
 * their labels (labels may be NULL). */
int mg_dataset_read(const mg_dataset *d, uint64_t first, uint64_t count, float scale, float *x,
                    int32_t *labels, mg_err *err);

/* Writes a float32 C-order NPY (format 1.0), atomically. */
int mg_npy_write_f32(const char *path, const float *data, uint32_t ndim, const uint64_t *dims,
                     mg_err *err);
/* Reads a whole NPY/IDX array as float32 (for `modelgate model run`),
 * decompressing in memory within dataset-bytes; free() *data. */
int mg_array_load_f32(const char *path, const mg_limits *lim, float **data, mg_array_header *h,
                      mg_err *err);

#endif
