/* CSV and TSV (RFC 4180): a header row, then records of the same number of
 * fields. A field that starts with '"' is quoted and may hold separators,
 * newlines and doubled quotes; a quote elsewhere is an ordinary character
 * (as Python's csv module reads it). Records end at "\n" or "\r\n"; blank
 * lines are not rows. The header must be readable; a record with the wrong
 * number of fields, bytes after a closing quote, invalid UTF-8 or NUL,
 * an unterminated quote or more than text-row-bytes is a bad row. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/text_parse.h"
#include "text/text_utf8.h"

enum { FIELD_START, UNQUOTED, QUOTED, QUOTE_SEEN, AFTER_CR };

typedef struct record {
  char *buf; /* cells, each NUL-terminated */
  size_t len, cap;
  size_t *start; /* offset of each cell in buf */
  size_t n, ncap;
  const char **cells; /* views for the callback */
  size_t *lens;
  size_t vcap;
  uint64_t raw;    /* bytes of the record in the file */
  const char *bad; /* why the record is bad, or NULL */
  int overflow;    /* over the row limit: cells are no longer stored */
  int quoted_now;  /* the current cell was quoted */
  int any_content; /* the record is not a blank line */
} record;

static int put(record *r, char c, const char *name, mg_err *err) {
  if (r->overflow)
    return MG_OK;
  if (r->len == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 4096;
    char *nb = realloc(r->buf, cap);
    if (!nb)
      return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", name);
    r->buf = nb;
    r->cap = cap;
  }
  r->buf[r->len++] = c;
  return MG_OK;
}

static int cell_begin(record *r, const char *name, mg_err *err) {
  if (r->overflow)
    return MG_OK;
  if (r->n == r->ncap) {
    size_t cap = r->ncap ? r->ncap * 2 : 16;
    size_t *ns = realloc(r->start, cap * sizeof *ns);
    if (!ns)
      return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", name);
    r->start = ns;
    r->ncap = cap;
  }
  r->start[r->n++] = r->len;
  r->quoted_now = 0;
  return MG_OK;
}

static void record_reset(record *r) {
  r->len = r->n = 0;
  r->raw = 0;
  r->bad = NULL;
  r->overflow = 0;
  r->quoted_now = 0;
  r->any_content = 0;
}

static void record_free(record *r) {
  free(r->buf);
  free(r->start);
  free(r->cells);
  free(r->lens);
}

/* Terminates the cells and builds the views; checks UTF-8. */
static int finish(record *r, const char *name, mg_err *err) {
  int rc = put(r, '\0', name, err); /* the last cell's terminator */
  if (rc || r->overflow)
    return rc;
  if (r->n > r->vcap) {
    const char **nc = realloc(r->cells, r->n * sizeof *nc);
    if (nc)
      r->cells = nc;
    size_t *nl = realloc(r->lens, r->n * sizeof *nl);
    if (nl)
      r->lens = nl;
    if (!nc || !nl)
      return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", name);
    r->vcap = r->n;
  }
  for (size_t i = 0; i < r->n; i++) {
    size_t end = i + 1 < r->n ? r->start[i + 1] - 1 : r->len - 1;
    r->cells[i] = r->buf + r->start[i];
    r->lens[i] = end - r->start[i];
    if (!r->bad && mg_text_utf8_valid(r->cells[i], r->lens[i]) != r->lens[i])
      r->bad = "invalid UTF-8 (or a NUL byte)";
  }
  return MG_OK;
}

typedef struct csv {
  mg_text_parse *p;
  char sep;
  int have_header;
  size_t columns;
  uint64_t rows;
  char reason[200];
} csv;

static int emit(csv *c, record *r, mg_err *err) {
  mg_text_parse *p = c->p;
  const char *name = p->in->name;
  int rc = finish(r, name, err);
  if (rc)
    return rc;
  if (!r->any_content)
    return MG_OK; /* a blank line */
  if (!c->have_header) {
    if (r->bad || r->overflow)
      return mg_fail(err, MG_ERR_FORMAT, "%s: the header row cannot be read: %s", name,
                     r->overflow ? "over the text-row-bytes limit" : r->bad);
    c->have_header = 1;
    c->columns = r->n;
    return p->csv_header(p->user, r->cells, r->lens, r->n, err);
  }
  c->rows++;
  if (r->overflow) {
    snprintf(c->reason, sizeof c->reason,
             "record of %" PRIu64 " bytes, over the text-row-bytes limit (%" PRIu64 ")", r->raw,
             p->row_limit);
    return p->bad_row(p->user, c->reason, err);
  }
  if (r->bad)
    return p->bad_row(p->user, r->bad, err);
  if (r->n != c->columns) {
    snprintf(c->reason, sizeof c->reason, "%zu fields where the header has %zu", r->n, c->columns);
    return p->bad_row(p->user, c->reason, err);
  }
  return p->csv_row(p->user, r->cells, r->lens, r->n, err);
}

/* A separator: the cell ends, the next begins. */
static int next_cell(record *r, const char *name, mg_err *err) {
  int rc = put(r, '\0', name, err);
  return rc ? rc : cell_begin(r, name, err);
}

/* A newline outside quotes: the record is handed on, the next begins. */
static int next_record(csv *c, record *r, mg_err *err) {
  int rc = emit(c, r, err);
  record_reset(r);
  return rc ? rc : cell_begin(r, c->p->in->name, err);
}

int mg_text_parse_csv(mg_text_parse *p, char sep, mg_err *err) {
  mg_text_input *in = p->in;
  const char *name = in->name;
  csv c = {p, sep, 0, 0, 0, ""};
  record r;
  memset(&r, 0, sizeof r);
  int state = FIELD_START;
  int rc = mg_text_skip_bom(in, err);
  if (!rc)
    rc = cell_begin(&r, name, err);
  while (!rc) {
    if (in->pos == in->len) {
      in->mark = in->pos; /* cells are copied out: the window keeps nothing */
      if (in->eof)
        break;
      rc = mg_text_input_fill(in, err);
      continue;
    }
    char ch = (char)in->data[in->pos++];
    /* A record's size leaves out the newline that ends it, as a line's does. */
    if (ch != '\n' || state == QUOTED) {
      r.raw++;
      if (!r.overflow && r.raw > p->row_limit)
        r.overflow = 1;
    }
    if (ch != '\n' && ch != '\r')
      r.any_content = 1;
    switch (state) {
    case FIELD_START:
      if (ch == '"') {
        r.quoted_now = 1;
        r.any_content = 1;
        state = QUOTED;
        break;
      }
      state = UNQUOTED;
      /* fall through */
    case UNQUOTED:
      if (ch == sep) {
        rc = next_cell(&r, name, err);
        state = FIELD_START;
      } else if (ch == '\n') {
        /* "\r\n": the '\r' belongs to the line ending, not the cell. */
        if (!r.overflow && r.len > r.start[r.n - 1] && r.buf[r.len - 1] == '\r')
          r.len--;
        rc = next_record(&c, &r, err);
        state = FIELD_START;
      } else {
        rc = put(&r, ch, name, err);
      }
      break;
    case QUOTED:
      if (ch == '"')
        state = QUOTE_SEEN;
      else
        rc = put(&r, ch, name, err);
      break;
    case QUOTE_SEEN:
      if (ch == '"') { /* a doubled quote */
        rc = put(&r, '"', name, err);
        state = QUOTED;
      } else if (ch == sep) {
        rc = next_cell(&r, name, err);
        state = FIELD_START;
      } else if (ch == '\r') {
        state = AFTER_CR;
      } else if (ch == '\n') {
        rc = next_record(&c, &r, err);
        state = FIELD_START;
      } else {
        if (!r.bad)
          r.bad = "characters after a closing quote";
        rc = put(&r, ch, name, err);
        state = UNQUOTED;
      }
      break;
    case AFTER_CR:
      if (ch == '\n') {
        rc = next_record(&c, &r, err);
        state = FIELD_START;
      } else {
        if (!r.bad)
          r.bad = "characters after a closing quote";
        in->pos--; /* read this byte again as part of the cell */
        r.raw--;
        rc = put(&r, '\r', name, err);
        state = UNQUOTED;
      }
      break;
    }
  }
  if (!rc &&
      (state == QUOTED || state == QUOTE_SEEN || state == AFTER_CR || r.any_content || r.n > 1)) {
    /* The last record had no newline. */
    if (state == QUOTED && !r.bad)
      r.bad = "a quoted field is not closed before the end of the file";
    rc = emit(&c, &r, err);
  }
  if (!rc && !c.have_header)
    rc = p->csv_header(p->user, NULL, NULL, 0, err); /* an empty file: no columns, no rows */
  record_free(&r);
  return rc;
}
