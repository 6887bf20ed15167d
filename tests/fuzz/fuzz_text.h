/* What the three text fuzz harnesses share: read the input as a text
 * dataset of the given format into memfd caches, then read every row
 * back through the cache, as text_read would. Limits are small so that a
 * run spends its time parsing, not decompressing. */
#ifndef MG_FUZZ_TEXT_H
#define MG_FUZZ_TEXT_H

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "text/text_dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void fuzz_text(const uint8_t *data, size_t size, const char *name,
                             mg_text_format format) {
  mg_limits lim;
  mg_limits_default(&lim);
  lim.value[MG_LIMIT_DATASET_BYTES] = 16 * MG_MIB;
  lim.value[MG_LIMIT_RATIO_GRACE] = MG_MIB;
  lim.value[MG_LIMIT_TEXT_ROW_BYTES] = 4096;
  lim.value[MG_LIMIT_TEXT_ROWS] = 100000;
  mg_text_options o = {0};
  o.format = format;
  mg_err err;
  mg_err_clear(&err);
  mg_text_dataset d = {0};
  mg_text_input in;
  int rf = memfd_create("rows", MFD_CLOEXEC), af = memfd_create("strings", MFD_CLOEXEC);
  if (rf < 0 || af < 0)
    abort();
  if (mg_text_input_open_mem(&in, data, size, name, &lim, &err) == MG_OK &&
      mg_text_dataset_read(&d, &in, rf, af, &o, &lim, &err) == MG_OK) {
    uint64_t bad = 0;
    for (uint64_t i = 0; i < d.rows; i++) {
      const char *f[MG_TEXT_NFIELDS];
      int is_bad;
      if (mg_text_cache_get(&d.cache, i, f, &is_bad) != MG_OK)
        abort(); /* the reader wrote an entry it cannot read back */
      bad += (uint64_t)is_bad;
    }
    if (bad != d.bad_rows)
      abort();
  }
  mg_text_input_close(&in);
  mg_text_dataset_free(&d);
  close(rf);
  close(af);
}

#endif
