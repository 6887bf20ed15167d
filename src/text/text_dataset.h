/* One text dataset: its file read once, streaming, in whichever format it
 * is (JSON Lines, CSV, TSV, JSON array; plain or compressed), each row's
 * fields mapped and written to the cache, the cache mapped read-only.
 * Bad rows are counted and kept in the cache as bad; the first few reasons
 * are kept for the report. */
#ifndef MG_TEXT_DATASET_H
#define MG_TEXT_DATASET_H

#include <stdint.h>
#include <sys/types.h>

#include "base/diag.h"
#include "base/limit_table.h"
#include "text/text_cache.h"
#include "text/text_fields.h"
#include "text/text_input.h"

typedef enum mg_text_format {
  MG_TEXT_FORMAT_AUTO = 0, /* from the file name, else the first byte */
  MG_TEXT_FORMAT_JSONL,
  MG_TEXT_FORMAT_CSV,
  MG_TEXT_FORMAT_TSV,
  MG_TEXT_FORMAT_JSON
} mg_text_format;

/* "jsonl", "csv", "tsv", "json". */
const char *mg_text_format_name(mg_text_format f);
/* -1 for an unknown name. */
int mg_text_format_parse(const char *s, mg_text_format *f);
/* The format a file name says (.jsonl/.ndjson, .csv, .tsv/.tab, .json, each
 * optionally followed by .gz, .xz, .zst, .bz2), or AUTO. */
mg_text_format mg_text_format_of_name(const char *path);

typedef struct mg_text_options {
  mg_text_format format; /* AUTO: from the name, then the content */
  mg_text_kind kind;     /* MG_TEXT_UNKNOWN: recognised from the fields */
  mg_text_fieldmap fields;
} mg_text_options;

#define MG_TEXT_BAD_EXAMPLES 10

typedef struct mg_text_bad_row {
  uint64_t row;
  char reason[240]; /* printable ASCII */
} mg_text_bad_row;

typedef struct mg_text_dataset {
  mg_text_format format;
  mg_text_kind kind;
  uint32_t fields; /* MG_TEXT_FIELD_* present in any good row */
  uint64_t rows, bad_rows;
  mg_text_bad_row bad[MG_TEXT_BAD_EXAMPLES]; /* the first bad rows */
  size_t n_bad;
  char filter[16]; /* decompression filter ("gzip"...), or "" */
  uint64_t bytes;  /* decompressed bytes read */
  mg_text_cache cache;
  char *rows_path, *arena_path; /* the cache files, removed by free */
  pid_t owner;                  /* the process that created them */
} mg_text_dataset;

/* Reads path (shown as `shown` in messages) into new cache files in
 * cache_dir and maps them. Errors name `shown`. */
int mg_text_dataset_load(mg_text_dataset *d, const char *path, const char *shown,
                         const char *cache_dir, const mg_text_options *o, const mg_limits *lim,
                         mg_err *err);
/* The reading itself, from an opened input (whose name gives the format
 * when o->format is AUTO) into the given descriptors, which it maps; tests
 * and fuzzing read memory into memfds. */
int mg_text_dataset_read(mg_text_dataset *d, mg_text_input *in, int rows_fd, int arena_fd,
                         const mg_text_options *o, const mg_limits *lim, mg_err *err);
/* Row indices of the bad rows (malloc'd, *n of them; NULL when none). */
int mg_text_dataset_bad_indices(const mg_text_dataset *d, uint64_t **rows, size_t *n, mg_err *err);
/* Unmaps and removes the cache files (when this process created them). */
void mg_text_dataset_free(mg_text_dataset *d);

#endif
