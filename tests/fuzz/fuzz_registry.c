/* libFuzzer harness: the registry parser (JSON and sha256sum forms), then
 * the lookups a verification performs. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text)
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  mg_registry reg;
  mg_registry_init(&reg);
  reg.path = strdup("fuzz-registry");
  mg_err err;
  mg_err_clear(&err);
  if (mg_registry_parse(&reg, text, size, &err) == MG_OK)
    for (size_t i = 0; i < reg.count; i++) {
      mg_registry_by_digest(&reg, reg.items[i].sha256, NULL);
      mg_registry_by_name(&reg, reg.items[i].name, NULL);
    }
  mg_registry_free(&reg);
  free(text);
  return 0;
}
