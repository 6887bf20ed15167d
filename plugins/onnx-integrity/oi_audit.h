/* Reading the runtime's ONNX audit JSON (docs/runtime.md, "audit") and
 * turning each problem it lists into an issue with a severity. Tolerant of
 * the audit's exact shape: lists may hold strings or objects. */
#ifndef MG_OI_AUDIT_H
#define MG_OI_AUDIT_H

#include <stddef.h>

#include <jansson.h>

enum { OI_ATLAS_ESCAPE, OI_ATLAS_ARCH, OI_ATLAS_CORRUPT };

typedef struct oi_issue {
  int severity; /* mg_severity */
  const char *rule;
  char title[600];
  char message[1600];
  char location[600];
  const char *evidence; /* JSON object */
  int atlas;            /* OI_ATLAS_* */
} oi_issue;

typedef int (*oi_emit_fn)(void *user, const oi_issue *is);

/* Emits every issue in the audit of path; *summary receives the model's
 * metadata for the evidence (to decref). MG_ERR_FORMAT when the audit is not
 * a JSON object (err says why); an emit failure is returned as is. */
int oi_audit_findings(const char *audit_json, const char *path, oi_emit_fn emit, void *user,
                      json_t **summary, char *err, size_t err_size);

#endif
