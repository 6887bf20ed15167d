/* The reviewer's inputs to `scan` and `verify`: --waivers FILE and
 * --baseline OLD.json, loaded and checked before anything is unpacked, and
 * the warnings about waivers that did nothing. */
#ifndef MG_CLI_REVIEW_H
#define MG_CLI_REVIEW_H

#include "scan.h"

typedef struct mg_cli_review {
  const char *waivers_path, *baseline_path; /* the options, or NULL */
  mg_waivers waivers;
  mg_baseline baseline;
} mg_cli_review;

/* Loads what the options name into rv and points cfg at it. A problem is
 * one usage line naming the file; returns MG_EXIT_ERROR then, else 0. */
int mg_cli_review_load(mg_cli_review *rv, mg_scan_config *cfg);
/* One warning line on stderr per waiver that waived nothing, and when the
 * baseline is of another product. */
void mg_cli_review_warn(const mg_results *r);
void mg_cli_review_free(mg_cli_review *rv);

#endif
