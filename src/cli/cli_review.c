/* --waivers and --baseline for the scan commands (docs/waivers.md). */
#include "config.h"

#include "cli_review.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "shared/printable.h"

int mg_cli_review_load(mg_cli_review *rv, mg_scan_config *cfg) {
  mg_err err;
  mg_err_clear(&err);
  if (rv->waivers_path) {
    if (mg_waivers_load(rv->waivers_path, &cfg->limits, &rv->waivers, &err))
      return mg_cli_error(err.msg);
    cfg->waivers = &rv->waivers;
  }
  if (rv->baseline_path) {
    if (mg_baseline_load(rv->baseline_path, &cfg->limits, &rv->baseline, &err))
      return mg_cli_error(err.msg);
    cfg->baseline = &rv->baseline;
  }
  return 0;
}

/* Printed even under -q, like errors: a waiver that did nothing may be why
 * the gate failed when the reviewer expected it to pass. */
static void review_warn(const char *fmt, ...) MG_FMT(1, 2);
static void review_warn(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  mg_log_v(0, "warning: ", fmt, ap);
  va_end(ap);
}

void mg_cli_review_warn(const mg_results *r) {
  for (size_t i = 0; i < r->n_waivers; i++) {
    const mg_result_waiver *rw = &r->waivers[i];
    if (rw->state == MG_WAIVER_APPLIED)
      continue;
    char *id = printable_ascii_n(rw->w->id, 200), why[80];
    if (rw->state == MG_WAIVER_EXPIRED)
      snprintf(why, sizeof why, "expired on %s", rw->w->expires);
    else
      snprintf(why, sizeof why, "%s",
               rw->state == MG_WAIVER_OTHER_PACKAGE ? "is for another package digest"
                                                    : "matches no finding");
    review_warn("%s: waiver %s %s; it waives nothing", r->waivers_path, id ? id : "?", why);
    free(id);
  }
  if (r->baseline_path && r->baseline_package_name && r->package_name &&
      strcmp(r->baseline_package_name, r->package_name)) {
    char *old = printable_ascii_n(r->baseline_package_name, 200),
         *now = printable_ascii_n(r->package_name, 200);
    review_warn("%s: the baseline is a scan of '%s', not of '%s'", r->baseline_path,
                old ? old : "?", now ? now : "?");
    free(old);
    free(now);
  }
}

void mg_cli_review_free(mg_cli_review *rv) {
  if (rv->waivers_path)
    mg_waivers_free(&rv->waivers);
  if (rv->baseline_path)
    mg_baseline_free(&rv->baseline);
}
