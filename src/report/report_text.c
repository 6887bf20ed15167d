/* Plain-text summary for terminals and CI logs. */
#include "config.h"

#include "report_text.h"

#include <unistd.h>

static const char *verdict_label(mg_verdict v) {
  return v == MG_VERDICT_PASS ? "PASS" : v == MG_VERDICT_FAIL ? "FAIL" : "ERROR";
}

void mg_report_text(const mg_results *r, FILE *out, int verbose) {
  fprintf(out, "%s: %s", r->package_name && *r->package_name ? r->package_name : r->package_path,
          verdict_label(r->verdict));
  if (r->package_sha256)
    fprintf(out, " (sha256 %.16s...)", r->package_sha256);
  fputc('\n', out);
  size_t per_sev[MG_SEV_CRITICAL + 1] = {0}, hidden = 0;
  for (int sev = MG_SEV_CRITICAL; sev >= MG_SEV_INFO; sev--)
    for (size_t i = 0; i < r->n_findings; i++) {
      const mg_result_finding *f = &r->findings[i];
      if ((int)f->severity != sev)
        continue;
      per_sev[sev]++;
      if (!verbose && sev < MG_SEV_MEDIUM) {
        hidden++;
        continue;
      }
      fprintf(out, "  %-8s %s  %s", mg_severity_name(f->severity), f->id, f->title);
      if (f->atlas.count)
        fprintf(out, " [%s]", f->atlas.items[0]);
      if (f->waived)
        fprintf(out, " (waived: %s)", f->waived->id);
      if (f->baseline == MG_BASELINE_NEW)
        fputs(" (new)", out);
      fputc('\n', out);
    }
  for (size_t i = 0; i < r->n_plugins; i++) {
    const mg_result_plugin *p = &r->plugins[i];
    if (p->status == MG_PLUGIN_OK && !verbose)
      continue;
    fprintf(out, "  plugin %-22s %-8s %6.1fs%s%s\n", p->name, mg_plugin_status_name(p->status),
            p->seconds, p->message ? "  " : "", p->message ? p->message : "");
  }
  /* A gate failed by a required control nobody could evaluate must not
   * read "0 controls failed". */
  size_t failed = 0, missing = 0;
  for (size_t i = 0; i < r->n_controls; i++) {
    const mg_result_control *c = &r->controls[i];
    if (c->status == MG_CONTROL_FAIL)
      failed++;
    else if (mg_results_control_fails_gate(c))
      missing++;
  }
  char controls[96];
  if (missing)
    snprintf(controls, sizeof controls,
             "%zu control%s failed, %zu required control%s not evaluated", failed,
             failed == 1 ? "" : "s", missing, missing == 1 ? "" : "s");
  else
    snprintf(controls, sizeof controls, "%zu control%s failed", failed, failed == 1 ? "" : "s");
  fprintf(out,
          "%zu finding%s (%zu critical, %zu high, %zu medium, %zu low, %zu info)%s; %zu files; "
          "%zu plugin%s; %s; %.1f s\n",
          r->n_findings, r->n_findings == 1 ? "" : "s", per_sev[MG_SEV_CRITICAL],
          per_sev[MG_SEV_HIGH], per_sev[MG_SEV_MEDIUM], per_sev[MG_SEV_LOW], per_sev[MG_SEV_INFO],
          hidden ? " (-v lists low and info)" : "", r->n_files, r->n_plugins,
          r->n_plugins == 1 ? "" : "s", controls, r->seconds);
}
