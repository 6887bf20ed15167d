/* Where modelgate finds its plugins, rules and report stylesheets: the
 * command-line flag, then the environment (MODELGATE_PLUGIN_DIR,
 * MODELGATE_RULES_DIR, MODELGATE_REPORTS_DIR), then the build tree when the
 * binary runs from it, then the installed location. */
#ifndef MG_PATHS_H
#define MG_PATHS_H

#include "diag.h"

const char *mg_paths_plugins(const char *flag);
const char *mg_paths_rules(const char *flag);
const char *mg_paths_reports(const char *flag);

/* An input named on the command line exists and is what is wanted (dir:
 * 1 a directory, 0 anything else, -1 either), so a typo is a usage
 * error before any work: "OPT PATH: No such file or directory". */
int mg_paths_check_input(const char *opt, const char *path, int dir, mg_err *err);

#endif
