/* Reads a reviewer's input file (--waivers, --baseline) whole: a regular
 * file, at most the given limit, no NUL bytes; and parses it as JSON. */
#ifndef MG_REVIEW_FILE_H
#define MG_REVIEW_FILE_H

#include <stddef.h>

#include <jansson.h>

#include "base/diag.h"
#include "base/limit_table.h"

/* *text is NUL-terminated (free() it); errors name the path. */
int mg_review_file_read(const char *path, const mg_limits *lim, mg_limit_id limit, char **text,
                        size_t *len, mg_err *err);

/* Parses text as JSON, duplicate keys refused; NULL with err set to
 * "name:line:column: problem" when it is not. */
json_t *mg_review_json(const char *text, size_t len, const char *name, mg_err *err);
/* Reads path (bounded by limit) and parses it. */
json_t *mg_review_json_file(const char *path, const mg_limits *lim, mg_limit_id limit, mg_err *err);

/* Hands doc (NULL when reading or parsing failed: err says why) to parse,
 * which fills out, then releases doc. */
typedef int (*mg_review_parse_fn)(json_t *doc, const char *name, void *out, mg_err *err);
int mg_review_take(json_t *doc, const char *name, mg_review_parse_fn parse, void *out, mg_err *err);

#endif
