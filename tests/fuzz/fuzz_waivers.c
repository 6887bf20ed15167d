/* libFuzzer harness: the --waivers parser, then applying what it accepted
 * to a results set with findings for every kind of match. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verdict/waivers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mg_waivers w;
  mg_err err;
  mg_err_clear(&err);
  if (mg_waivers_parse((const char *)data, size, "fuzz-waivers", &w, &err) != MG_OK)
    return 0;
  mg_results r;
  mg_results_init(&r, "scan");
  r.package_sha256 = strdup("0000000000000000000000000000000000000000000000000000000000000000");
  mg_finding f = MG_FINDING_INIT;
  f.rule = "rule";
  f.title = "a finding";
  f.label = 3;
  mg_results_add_finding(&r, "plugin", &f, NULL, NULL, NULL);
  f.label = -1;
  mg_results_add_finding(&r, "other", &f, NULL, NULL, NULL);
  mg_waivers_apply(&w, "2026-12-07", &r);
  mg_waivers_apply(&w, "2000-01-01", &r);
  mg_results_free(&r);
  mg_waivers_free(&w);
  return 0;
}
