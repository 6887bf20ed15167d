/* The onnx-integrity plugin: turns the runtime loader's audit of every
 * ONNX file in the package (svc->onnx_audit, see docs/runtime.md) into
 * findings (external data that escapes the package or is missing, custom
 * operator domains, unsupported nodes, inputs shadowing initializers,
 * inconsistent or absurd sizes, load errors) and records the model's
 * metadata (producer, versions, opsets) as evidence. */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include <modelgate/plugin.h>

#include "mgp.h"
#include "oi_audit.h"

static const char *const atlas_all[] = {"AML.T0010.003", "AML.T0018.001", "AML.T0011.000",
                                        "AML.T0076", NULL};
static const char *const mitig_all[] = {"AML.M0014", "AML.M0016", NULL};
static const char *const controls_all[] = {"CTL-17", "CTL-16", NULL};

typedef struct run {
  const mg_services *svc;
  mg_plugin_ctx *ctx;
  const char *artifact;
} run;

static int emit_issue(void *user, const oi_issue *is) {
  run *r = user;
  static const char *const a_escape[] = {"AML.T0011.000", "AML.T0010.003", NULL};
  static const char *const a_arch[] = {"AML.T0018.001", "AML.T0010.003", NULL};
  static const char *const a_corrupt[] = {"AML.T0076", "AML.T0010.003", NULL};
  static const char *const m_verify[] = {"AML.M0014", "AML.M0016", NULL};
  static const char *const c_code[] = {"CTL-17", NULL};
  static const char *const c_integrity[] = {"CTL-16", NULL};
  mg_finding f = mgp_finding((mg_severity)is->severity, is->rule, is->title, is->message);
  f.artifact = r->artifact;
  f.location = is->location[0] ? is->location : NULL;
  f.atlas = is->atlas == OI_ATLAS_ESCAPE ? a_escape
            : is->atlas == OI_ATLAS_ARCH ? a_arch
                                         : a_corrupt;
  f.mitigations = m_verify;
  f.controls = is->atlas == OI_ATLAS_ESCAPE ? c_code : c_integrity;
  f.evidence_json = is->evidence; /* already JSON text, from the audit */
  return mgp_emit(r->svc, r->ctx, &f, NULL, 0);
}

static int has_onnx_ext(const char *p) {
  size_t l = strlen(p);
  return l >= 5 && !strcasecmp(p + l - 5, ".onnx");
}

static int oi_run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  json_t *models = json_array();
  if (!models)
    return MG_ERR_NOMEM;
  /* A host older than onnx_audit (ABI minor 0 without it) cannot help. */
  if (svc->struct_size < offsetof(mg_services, onnx_audit) + sizeof svc->onnx_audit ||
      !svc->onnx_audit) {
    svc->log(ctx, MG_LOG_WARN, "onnx-integrity: the host has no onnx_audit service");
    json_decref(models);
    return MG_ERR_UNSUPPORTED;
  }
  run r = {svc, ctx, NULL};
  size_t n = svc->file_count(ctx);
  int rc = MG_OK;
  for (size_t i = 0; i < n && !rc; i++) {
    mg_file_info fi;
    memset(&fi, 0, sizeof fi);
    fi.struct_size = sizeof fi;
    if (svc->file_info(ctx, i, &fi) || !fi.path)
      continue;
    int is_model = fi.role && !strcmp(fi.role, "model");
    if (!is_model && !has_onnx_ext(fi.path))
      continue;
    if (fi.depth) {
      svc->log(ctx, MG_LOG_INFO, "onnx-integrity: %s is inside an archive: not audited", fi.path);
      continue;
    }
    const char *json = NULL;
    int ar = svc->onnx_audit(ctx, i, &json);
    if (ar || !json) {
      svc->log(ctx, MG_LOG_WARN, "onnx-integrity: %s: the runtime could not audit it (error %d)",
               fi.path, ar);
      if (ar == MG_ERR_NOMEM)
        rc = ar;
      continue;
    }
    r.artifact = fi.path;
    json_t *summary = NULL;
    char err[300];
    rc = oi_audit_findings(json, fi.path, emit_issue, &r, &summary, err, sizeof err);
    if (rc == MG_ERR_FORMAT) {
      svc->log(ctx, MG_LOG_ERROR, "onnx-integrity: %s: audit is not usable: %s", fi.path, err);
      rc = MG_OK; /* the other models still count */
    }
    if (summary)
      json_array_append_new(models, summary);
  }
  json_t *ev = json_pack("{s:{s:o}}", "onnx_integrity", "models", models);
  if (ev) {
    char *s = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
    if (s)
      svc->evidence(ctx, s);
    free(s);
    json_decref(ev);
  }
  return rc;
}

static const mg_plugin descriptor = {
    MG_PLUGIN_HEADER,
    "onnx-integrity",
    "0.1.0",
    "ONNX external data escapes, custom domains, unsupported ops, shadowed inputs, sizes",
    MG_NEED_FILES,
    atlas_all,
    mitig_all,
    controls_all,
    NULL,
    oi_run,
    NULL,
};

/* It takes no options: --set on it is a usage error. */
static const mg_plugin_option option_table[] = {{NULL, 0, 0, 0, 0, NULL}};

MG_PLUGIN_EXPORT const mg_plugin_option *mg_plugin_option_table(void) {
  return option_table;
}

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &descriptor;
}
