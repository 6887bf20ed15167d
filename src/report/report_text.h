/* The human summary printed on stdout after a scan. */
#ifndef MG_REPORT_TEXT_H
#define MG_REPORT_TEXT_H

#include <stdio.h>

#include "verdict/results.h"

/* One verdict line, then findings worst first (all of them when verbose,
 * else those at medium and above), plugin problems, and a tally. */
void mg_report_text(const mg_results *r, FILE *out, int verbose);

#endif
