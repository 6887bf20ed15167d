/* libFuzzer harness: the configuration file (.modelgate.json) turned into
 * command-line arguments, against an option table like scan's. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct option opts[] = {
    {"registry", required_argument, NULL, 1},
    {"fail-on", required_argument, NULL, 2},
    {"set", required_argument, NULL, 3},
    {"only", required_argument, NULL, 4},
    {"stylesheet", required_argument, NULL, 5},
    {"strict", no_argument, NULL, 6},
    {"model", required_argument, NULL, 7},
    {"limit", required_argument, NULL, 8},
    {NULL, 0, NULL, 0},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mg_cli_args out;
  memset(&out, 0, sizeof out);
  mg_err err;
  mg_err_clear(&err);
  mg_cli_config_parse((const char *)data, size, "fuzz.json", "dir", opts, &out, &err);
  mg_cli_args_free(&out);
  return 0;
}
