/* The reports one scan writes, as a set: checked before the scan (so a
 * report path that cannot be written is a usage error, not a lost scan),
 * then rendered in memory, staged beside their targets and published
 * together, so every report written and the exit status agree. "-" is
 * standard output. */
#ifndef MG_REPORT_SET_H
#define MG_REPORT_SET_H

#include <stddef.h>
#include <stdio.h>

#include "base/diag.h"
#include "verdict/results.h"

typedef enum mg_report_kind {
  MG_REPORT_JSON,
  MG_REPORT_XML,
  MG_REPORT_JUNIT,
  MG_REPORT_HTML,
  MG_REPORT_SARIF,
  MG_REPORT_KINDS
} mg_report_kind;

typedef struct mg_report_set {
  const char *path[MG_REPORT_KINDS]; /* NULL: not wanted; "-": standard output */
  const char *const *stylesheets;    /* "junit=FILE", "html=FILE" */
  size_t n_stylesheets;
} mg_report_set;

/* "--json", "--xml", ... */
const char *mg_report_option(mg_report_kind k);
/* 1 when a report goes to standard output. */
int mg_report_set_uses_stdout(const mg_report_set *s);
/* Usage errors (MG_ERR_ARGS, one line): two reports on "-" or on one
 * file, a path that is a directory, device, FIFO or link, a directory
 * that does not exist. */
int mg_report_set_check(const mg_report_set *s, mg_err *err);
/* Writes every report of s to its path (out for "-"). A report that cannot
 * be rendered or written makes the scan's verdict error: the reason joins
 * r->error ("could not write the HTML report: out.html: write failed: No
 * space left on device"), every report is rendered again with it and
 * only then published, so the reports written all say exit code 2.
 * Returns the number of reports not written. */
int mg_report_set_write(mg_results *r, const mg_report_set *s, FILE *out);

#endif
