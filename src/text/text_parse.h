/* The three text formats, each parsed as a stream from an mg_text_input
 * and handed on one row at a time, in file order: every call of json_row,
 * csv_row or bad_row is the next row. A malformed row is a bad row, never
 * an error; an error is a file that cannot be read on (damaged
 * compression, a limit, a JSON array whose structure is broken, a CSV
 * header that cannot be read). */
#ifndef MG_TEXT_PARSE_H
#define MG_TEXT_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "text/text_input.h"

typedef struct mg_text_parse {
  mg_text_input *in;
  uint64_t row_limit; /* text-row-bytes: a longer row is bad */
  void *user;
  /* A row that is a JSON object (JSON Lines, JSON arrays); borrowed. */
  int (*json_row)(void *user, json_t *object, mg_err *err);
  /* CSV/TSV: the header's names once, then each record's cells. Cells are
   * valid UTF-8 without NUL, NUL-terminated, borrowed for the call. */
  int (*csv_header)(void *user, const char *const *names, const size_t *lens, size_t n,
                    mg_err *err);
  int (*csv_row)(void *user, const char *const *cells, const size_t *lens, size_t n, mg_err *err);
  /* A row that could not be read, and why (one line). */
  int (*bad_row)(void *user, const char *reason, mg_err *err);
} mg_text_parse;

/* One JSON object per line; blank lines are not rows. */
int mg_text_parse_jsonl(mg_text_parse *p, mg_err *err);
/* A JSON array of objects, one element at a time. */
int mg_text_parse_json(mg_text_parse *p, mg_err *err);
/* RFC 4180 with a header row; sep ',' (CSV) or '\t' (TSV). */
int mg_text_parse_csv(mg_text_parse *p, char sep, mg_err *err);

/* jansson's flags for one row: duplicate keys make a row bad, since two
 * readers of the file would disagree about its value. */
#define MG_TEXT_JSON_FLAGS JSON_REJECT_DUPLICATES

/* One row's JSON text, s[0, n): parsed by jansson and handed to json_row,
 * or to bad_row naming `what` ("line", "array element") and the problem. */
int mg_text_parse_object(mg_text_parse *p, const uint8_t *s, size_t n, const char *what,
                         mg_err *err);

/* Skips a UTF-8 byte order mark at the very start of the stream. */
int mg_text_skip_bom(mg_text_input *in, mg_err *err);

#endif
