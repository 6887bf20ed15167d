/* libFuzzer harness: the --baseline parser (a previous JSON results
 * document), then the comparison with a results set. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verdict/baseline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mg_baseline b;
  mg_err err;
  mg_err_clear(&err);
  if (mg_baseline_parse((const char *)data, size, "fuzz-baseline", &b, &err) != MG_OK)
    return 0;
  mg_results r;
  mg_results_init(&r, "scan");
  mg_finding f = MG_FINDING_INIT;
  f.rule = "rule";
  f.title = "a finding";
  mg_results_add_finding(&r, "plugin", &f, NULL, NULL, NULL);
  mg_baseline_compare(&b, &r);
  mg_baseline_compare(&b, &r);
  mg_results_free(&r);
  mg_baseline_free(&b);
  return 0;
}
