/* --baseline OLD.json: the findings of a previous JSON results document of
 * the same product, compared with this scan's by fingerprint: each finding
 * is new or unchanged, and the baseline's findings this scan lacks are
 * gone. The document is checked in full before anything is unpacked. */
#ifndef MG_BASELINE_H
#define MG_BASELINE_H

#include <stddef.h>

#include "base/diag.h"
#include "base/limit_table.h"
#include "results.h"

typedef struct mg_baseline {
  char *path, *started, *package_name, *package_sha256; /* the last three may be NULL */
  mg_result_gone *items;                                /* every finding of the baseline */
  size_t count;
} mg_baseline;

/* Parses a results JSON document; name is used in errors. */
int mg_baseline_parse(const char *text, size_t len, const char *name, mg_baseline *out,
                      mg_err *err);
/* Reads and parses path, at most the baseline-bytes limit. */
int mg_baseline_load(const char *path, const mg_limits *lim, mg_baseline *out, mg_err *err);
void mg_baseline_free(mg_baseline *b);

/* Marks every finding of r new or unchanged and lists the gone ones in r
 * (starting over when called again). */
int mg_baseline_compare(const mg_baseline *b, mg_results *r);

#endif
