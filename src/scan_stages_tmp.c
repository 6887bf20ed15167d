/* TEMPORARY until the plugin host lands. */
#include "config.h"
#include "scan_stages.h"
int mg_scan_plugins(mg_scan *s, const mg_scan_config *cfg, mg_err *err) {
  (void)s;
  (void)cfg;
  (void)err;
  return MG_OK;
}
int mg_scan_checklist(mg_scan *s, const mg_scan_config *cfg, mg_err *err) {
  (void)s;
  (void)cfg;
  (void)err;
  return MG_OK;
}
#include "report.h"
int mg_reports_write_extra(const mg_results *r, const char *rules_dir, const char *xml,
                           const char *junit, const char *html, const char *sarif,
                           const char *const *stylesheets, size_t n_stylesheets, mg_err *err) {
  (void)r;
  (void)rules_dir;
  (void)xml;
  (void)junit;
  (void)html;
  (void)sarif;
  (void)stylesheets;
  (void)n_stylesheets;
  (void)err;
  return MG_OK;
}
