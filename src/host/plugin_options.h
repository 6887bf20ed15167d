/* The plugins' declared options (ABI 1.2 tables) on the host side: the
 * table's own validation when a plugin loads, the text `modelgate plugins`
 * shows for an entry, and the check of --only/--skip names and --set
 * NAME.KEY=VALUE against the loaded plugins before a scan starts. */
#ifndef MG_PLUGIN_OPTIONS_H
#define MG_PLUGIN_OPTIONS_H

#include <stddef.h>

#include <modelgate/plugin.h>

#include "base/diag.h"
#include "plugin_load.h"

/* Why a plugin's option table cannot be used ("option table entry 3
 * (key): ..."), or NULL. */
const char *mg_plugin_options_invalid(const mg_plugin_option *t, char *why, size_t len);
/* "a whole number in [2, 1000]", "0 or 1", ... */
void mg_option_expected(const mg_plugin_option *o, char *buf, size_t len);
/* The default as text ("24", "2G", "-" for strings). */
void mg_option_default(const mg_plugin_option *o, char *buf, size_t len);

/* Every name of a comma-separated --only/--skip list is a plugin of set,
 * loaded or refused, or "all"; else MG_ERR_ARGS naming it, with the
 * nearest name. */
int mg_plugins_check_names(const mg_plugin_set *set, const char *list, const char *flag,
                           mg_err *err);
/* Every --set NAME.KEY=VALUE names a plugin of set, and, when that plugin
 * declares its options, one of its keys with a value the table accepts. */
int mg_plugins_check_sets(const mg_plugin_set *set, const char *const *sets, mg_err *err);

#endif
