/* An in-process plugin host for the package-safety plugins' tests: a
 * directory unpacked by the real intake is served through the host's own
 * service table, and what the plugin sends is read back through the host's
 * collector into JSON objects shaped like the report's findings. Plugins
 * are tested without forking and without a scan, but against the services
 * and validation they meet in production. */
#ifndef MG_FAKE_HOST_H
#define MG_FAKE_HOST_H

#include <jansson.h>

#include <modelgate/plugin.h>

typedef struct fh_host fh_host;

/* Unpacks dir as `modelgate scan` would (depth 0 files, nested archive
 * members at depth 1); NULL, with a message on stderr, when it cannot. */
fh_host *fh_open(const char *dir);
void fh_close(fh_host *h);
void fh_set_option(fh_host *h, const char *key, const char *value);
void fh_set_descriptor(fh_host *h, const char *json);
/* JSON the onnx_audit service returns for path (package-relative), in place
 * of the runtime's audit. */
void fh_set_audit(fh_host *h, const char *path, const char *json);
/* Overrides what file_info says about a depth-0 file. */
void fh_set_note(fh_host *h, const char *path, const char *note);
void fh_set_mode(fh_host *h, const char *path, unsigned mode);
/* Adds a depth-1 record without content (a member the unpacker saw). */
void fh_add_member(fh_host *h, const char *container, const char *member, const char *note);

/* init, run, fini; returns run's result. */
int fh_run(fh_host *h, const mg_plugin *p);
/* Findings so far: [{plugin, severity, rule, title, message, artifact,
 * location, atlas, mitigations, controls, evidence}], borrowed. */
json_t *fh_findings(fh_host *h);
json_t *fh_evidence(fh_host *h);
/* Log lines ("error: ...") the plugin wrote, borrowed. */
json_t *fh_logs(fh_host *h);

#endif
