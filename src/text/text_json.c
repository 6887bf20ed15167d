/* A JSON array of objects, streamed: a small scanner finds where each
 * element ends (tracking strings, escapes and bracket depth, nothing more)
 * and jansson parses that element alone, so the file is never held whole.
 * An element that is not valid JSON or not an object is a bad row; broken
 * structure between elements (a missing comma, bytes after the closing
 * bracket, the end of the file inside the array) leaves no trustworthy row
 * boundary and is an error. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "text/text_parse.h"

static int is_space(uint8_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The next byte that is not JSON whitespace, read into the window at pos;
 * -1 at the end of the stream. Bytes before pos are dropped. */
static int next_token(mg_text_input *in, mg_err *err, int *rc) {
  for (;;) {
    while (in->pos < in->len && is_space(in->data[in->pos]))
      in->pos++;
    in->mark = in->pos;
    if (in->pos < in->len)
      return in->data[in->pos];
    if (in->eof || (*rc = mg_text_input_fill(in, err)) != MG_OK)
      return -1;
  }
}

static int structure(const mg_text_input *in, const char *what, uint64_t rows, mg_err *err) {
  return mg_fail(err, MG_ERR_FORMAT,
                 "%s: not a JSON array of objects: %s at byte %" PRIu64 " (after %" PRIu64 " rows)",
                 in->name, what, in->offset + in->pos, rows);
}

typedef struct scan {
  int depth;     /* open brackets */
  int in_string; /* inside "..." */
  int escape;    /* the previous byte was a backslash in a string */
  int scalar;    /* the element is not an object or array */
} scan;

/* Advances in->pos over element bytes; returns 1 when the element ended
 * (pos just past it), 0 when the window ran out first. */
static int scan_element(scan *s, mg_text_input *in) {
  const uint8_t *d = in->data;
  size_t i = in->pos;
  for (; i < in->len; i++) {
    uint8_t c = d[i];
    if (s->in_string) {
      if (s->escape)
        s->escape = 0;
      else if (c == '\\')
        s->escape = 1;
      else if (c == '"')
        s->in_string = 0;
      continue;
    }
    if (c == '"') {
      s->in_string = 1;
    } else if (c == '{' || c == '[') {
      s->depth++;
    } else if (c == '}' || c == ']') {
      if (s->depth == 0) { /* the array's own ']' after a scalar */
        in->pos = i;
        return 1;
      }
      if (--s->depth == 0 && !s->scalar) {
        in->pos = i + 1;
        return 1;
      }
    } else if (s->depth == 0 && (c == ',' || is_space(c))) {
      in->pos = i;
      return 1;
    }
  }
  in->pos = i;
  return 0;
}

int mg_text_parse_json(mg_text_parse *p, mg_err *err) {
  mg_text_input *in = p->in;
  int rc = mg_text_skip_bom(in, err);
  if (rc)
    return rc;
  int c = next_token(in, err, &rc);
  if (rc)
    return rc;
  if (c < 0)
    return MG_OK; /* an empty file: no rows */
  if (c != '[')
    return structure(in, "expected '['", 0, err);
  in->pos++;
  uint64_t rows = 0;
  for (int first = 1;; first = 0) {
    c = next_token(in, err, &rc);
    if (rc)
      return rc;
    if (c < 0)
      return structure(in, "the file ends inside the array", rows, err);
    if (c == ']' && first) {
      in->pos++;
      break;
    }
    scan s = {0, 0, 0, c != '{' && c != '['};
    uint64_t skipped = 0; /* bytes of an over-long element dropped */
    while (!scan_element(&s, in)) {
      if (skipped || in->pos - in->mark > p->row_limit) {
        skipped += in->pos - in->mark;
        in->mark = in->pos;
      }
      if (in->eof)
        return structure(in, "the file ends inside an element", rows, err);
      if ((rc = mg_text_input_fill(in, err)))
        return rc;
    }
    uint64_t n = skipped + (in->pos - in->mark);
    if (skipped || n > p->row_limit) {
      char reason[160];
      snprintf(reason, sizeof reason,
               "element of %" PRIu64 " bytes, over the text-row-bytes limit (%" PRIu64 ")", n,
               p->row_limit);
      rc = p->bad_row(p->user, reason, err);
    } else {
      rc = mg_text_parse_object(p, in->data + in->mark, in->pos - in->mark, "array element", err);
    }
    if (rc)
      return rc;
    rows++;
    c = next_token(in, err, &rc);
    if (rc)
      return rc;
    if (c == ']') {
      in->pos++;
      break;
    }
    if (c != ',')
      return structure(in, c < 0 ? "the file ends inside the array" : "expected ',' or ']'", rows,
                       err);
    in->pos++;
  }
  int after = next_token(in, err, &rc);
  if (rc)
    return rc;
  if (after >= 0)
    return structure(in, "data after the closing ']'", rows, err);
  return MG_OK;
}
