/* A stand-in plugin host for the unsafe-artifact tests: it serves a
 * directory as a package through the public mg_services table (files,
 * mmap, archive members through libarchive, options, descriptor, ONNX
 * audits given as JSON) and collects the findings as JSON objects shaped
 * like the host's report, so the plugins can be tested before and apart
 * from the real host. */
#ifndef MG_FAKE_HOST_H
#define MG_FAKE_HOST_H

#include <jansson.h>

#include <modelgate/plugin.h>

typedef struct fh_host fh_host;

/* Serves every regular file under dir (recursively) at depth 0 and the
 * members of archives among them at depth 1. */
fh_host *fh_open(const char *dir);
void fh_close(fh_host *h);
void fh_set_option(fh_host *h, const char *key, const char *value);
void fh_set_descriptor(fh_host *h, const char *json);
/* JSON the onnx_audit service returns for path (package-relative). */
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
