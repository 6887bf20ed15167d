/* Where modelgate finds its plugins, rules and report stylesheets: the
 * command-line flag, then the environment (MODELGATE_PLUGIN_DIR,
 * MODELGATE_RULES_DIR, MODELGATE_REPORTS_DIR), then the build tree when the
 * binary runs from it, then the installed location. */
#ifndef MG_PATHS_H
#define MG_PATHS_H

const char *mg_paths_plugins(const char *flag);
const char *mg_paths_rules(const char *flag);
const char *mg_paths_reports(const char *flag);

#endif
