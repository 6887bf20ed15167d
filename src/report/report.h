/* Report writers. Each is a view of one mg_results; every file is written
 * atomically (temporary + rename), and a failure to write one report does
 * not stop the others. */
#ifndef MG_REPORT_H
#define MG_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/diag.h"
#include "verdict/results.h"

/* What fails the gate, by the rule of mg_results_decide(): a finding at or
 * above fail-on; a failed control, or a required one that neither passed
 * nor was attested where the checklist allows it, unless its status is
 * error (its evidence is missing: the scan is incomplete instead). Every
 * view marks these the same way (XML fails-gate, JSON fails_gate, SARIF
 * results). */
int mg_report_finding_fails_gate(const mg_results *r, const mg_result_finding *f);
/* Width and height of a PNG from its IHDR chunk; 0 and 0 when not a PNG. */
void mg_report_png_size(const unsigned char *png, size_t len, uint32_t *w, uint32_t *h);

/* The JSON document of docs/results.md (also the basis of SARIF). */
json_t *mg_report_json_build(const mg_results *r);
int mg_report_json_write(const mg_results *r, const char *path, mg_err *err);
/* doc (built by the caller, NULL when that ran out of memory), indented
 * with a final newline, into a malloc'd buffer; releases doc. kind names
 * the report in errors ("JSON", "SARIF"). */
int mg_report_json_render(json_t *doc, const char *kind, char **buf, size_t *len, mg_err *err);
/* The same, written to path atomically. */
int mg_report_json_dump(json_t *doc, const char *kind, const char *path, mg_err *err);

#endif
