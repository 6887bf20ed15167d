/* The CycloneDX 1.6 ML-BOM view of a scan (report_cyclonedx.c). */
#ifndef MG_REPORT_CYCLONEDX_H
#define MG_REPORT_CYCLONEDX_H

#include <jansson.h>

#include "base/diag.h"
#include "package/descriptor.h"
#include "verdict/results.h"

/* d may be NULL (no descriptor): the model card then has what the files
 * say. Written through the report set (report_set.c, --cyclonedx). */
json_t *mg_report_cyclonedx_build(const mg_results *r, const mg_descriptor *d);

#endif
