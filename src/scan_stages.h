/* Scan stages that live in their own files: the detector plugins
 * (plugin_host.c) and the checklist evaluation (checklist.c). */
#ifndef MG_SCAN_STAGES_H
#define MG_SCAN_STAGES_H

#include "scan.h"

int mg_scan_plugins(mg_scan *s, const mg_scan_config *cfg, mg_err *err);
int mg_scan_checklist(mg_scan *s, const mg_scan_config *cfg, mg_err *err);

#endif
