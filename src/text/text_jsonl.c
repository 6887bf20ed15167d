/* JSON Lines: one JSON object per line. JSON strings cannot hold a raw
 * newline, so splitting on '\n' never cuts a value; each line is then
 * parsed on its own by jansson, which validates UTF-8 and escapes. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "text/text_parse.h"

int mg_text_skip_bom(mg_text_input *in, mg_err *err) {
  while (!in->eof && in->len < 3) {
    int rc = mg_text_input_fill(in, err);
    if (rc)
      return rc;
  }
  if (in->offset == 0 && in->len >= 3 && !memcmp(in->data, "\xef\xbb\xbf", 3))
    in->mark = in->pos = 3;
  return MG_OK;
}

static int blank(const uint8_t *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
      return 0;
  return 1;
}

int mg_text_parse_object(mg_text_parse *p, const uint8_t *s, size_t n, const char *what,
                         mg_err *err) {
  json_error_t jerr;
  json_t *v = json_loadb((const char *)s, n, MG_TEXT_JSON_FLAGS, &jerr);
  char reason[320];
  int rc;
  if (!v) {
    snprintf(reason, sizeof reason, "not JSON: %.200s (%s byte %d)", jerr.text, what,
             jerr.position);
    rc = p->bad_row(p->user, reason, err);
  } else if (!json_is_object(v)) {
    snprintf(reason, sizeof reason, "a JSON %s that is not an object", what);
    rc = p->bad_row(p->user, reason, err);
  } else {
    rc = p->json_row(p->user, v, err);
  }
  json_decref(v);
  return rc;
}

static int too_long(mg_text_parse *p, uint64_t bytes, mg_err *err) {
  char reason[160];
  snprintf(reason, sizeof reason,
           "line of %" PRIu64 " bytes, over the text-row-bytes limit (%" PRIu64 ")", bytes,
           p->row_limit);
  return p->bad_row(p->user, reason, err);
}

int mg_text_parse_jsonl(mg_text_parse *p, mg_err *err) {
  mg_text_input *in = p->in;
  int rc = mg_text_skip_bom(in, err);
  uint64_t skipped = 0; /* bytes of an over-long line dropped so far */
  while (!rc) {
    const uint8_t *nl =
        in->pos < in->len ? memchr(in->data + in->pos, '\n', in->len - in->pos) : NULL;
    if (!nl && !in->eof) {
      in->pos = in->len;
      if (skipped || in->len - in->mark > p->row_limit) {
        skipped += in->len - in->mark; /* keep none of it */
        in->mark = in->len;
      }
      rc = mg_text_input_fill(in, err);
      continue;
    }
    size_t end = nl ? (size_t)(nl - in->data) : in->len;
    uint64_t n = skipped + (end - in->mark);
    if (skipped || n > p->row_limit)
      rc = too_long(p, n, err);
    else
      rc = blank(in->data + in->mark, end - in->mark)
               ? MG_OK
               : mg_text_parse_object(p, in->data + in->mark, end - in->mark, "line", err);
    skipped = 0;
    if (!nl)
      break; /* the last line had no newline */
    in->mark = in->pos = end + 1;
  }
  return rc;
}
