/* The chores every plugin shares, in one place: filling a finding, emitting
 * it with its evidence, and reading a numeric --set NAME.KEY=VALUE option.
 * Public plugin ABI and jansson only, so all eight plugins link it
 * (libmgplugin.la; libmgd.la brings it to the detectors). */
#ifndef MG_PLUGINS_MGP_H
#define MG_PLUGINS_MGP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <modelgate/plugin.h>

/* MG_FINDING_INIT with the four fields every finding has. */
mg_finding mgp_finding(mg_severity severity, const char *rule, const char *title,
                       const char *message);

/* Emits f. evidence, when not NULL, is taken over and sent as the finding's
 * evidence_json, dumped with dump_flags (jansson's JSON_* flags: they decide
 * the precision and key order the report shows); NULL keeps
 * f->evidence_json. MG_ERR_NOMEM when the evidence cannot be dumped. */
int mgp_emit(const mg_services *svc, mg_plugin_ctx *ctx, mg_finding *f, json_t *evidence,
             size_t dump_flags);

/* Option key of table (the plugin's declared options, ABI 1.2): its --set
 * value as the table's type and range take it, or the table's default. A
 * bad value is logged as "<plugin>: --set <plugin>.<key>=<value>: expected
 * ..." and is MG_ERR_ARGS; a key not in the table is MG_ERR_INTERNAL. The
 * table is the one source of keys, ranges and defaults: the host checks
 * --set against it before the scan and `modelgate plugins` lists it. */
int mgp_opt(const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin,
            const mg_plugin_option *table, const char *key, double *out);

/* For plugins without a table (ABI 1.1 behaviour).
 * A numeric option KEY of plugin in [lo, hi] (a whole number when integer
 * is set), or def when absent. A bad value is logged as
 * "<plugin>: --set <plugin>.<key>=<value>: expected ..." and is MG_ERR_ARGS. */
int mgp_opt_num(const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin, const char *key,
                double def, double lo, double hi, int integer, double *out);
/* A size option (bytes, K, M or G suffix), positive, or def when absent;
 * a bad value is MG_ERR_ARGS as above. */
int mgp_opt_size(const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin, const char *key,
                 uint64_t def, uint64_t *out);

#endif
