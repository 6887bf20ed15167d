/* libFuzzer harness: the package unpacker (archive walk, entry checks,
 * limits, nested-archive inspection) on arbitrary bytes. Small limits keep
 * each run fast; the workspace is removed after every input. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "intake/inventory.h"
#include "base/limit_table.h"
#include "intake/unpack.h"
#include "intake/workspace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[] = "/tmp/mg-fuzz-archive.XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0)
    return 0;
  if (write(fd, data, size) != (ssize_t)size) {
    close(fd);
    unlink(path);
    return 0;
  }
  close(fd);
  mg_limits lim;
  mg_limits_default(&lim);
  lim.value[MG_LIMIT_TOTAL_BYTES] = 64 << 20;
  lim.value[MG_LIMIT_ENTRY_BYTES] = 16 << 20;
  lim.value[MG_LIMIT_ENTRIES] = 1000;
  mg_workspace ws;
  mg_err err;
  mg_err_clear(&err);
  if (mg_workspace_create(&ws, NULL, &err) == MG_OK) {
    mg_inventory inv;
    mg_inventory_init(&inv);
    mg_unpack(path, &ws, &lim, &inv, &err);
    mg_inventory_free(&inv);
    mg_workspace_destroy(&ws);
  }
  unlink(path);
  return 0;
}
