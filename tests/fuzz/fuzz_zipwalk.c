/* libFuzzer harness: the zip member walk and everything a blob goes
 * through after it (members read as pickles, .npy headers, zlib streams),
 * as pickle-code runs it on a package file. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pc_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_pickle(void *user, const mg_pc_where *w, uint64_t base, int index, int strong,
                     const mg_pk_result *res) {
  (void)user, (void)w, (void)index, (void)strong;
  for (size_t i = 0; i < res->n_imports; i++)
    if (strlen(res->imports[i].module) > (1u << 24))
      __builtin_trap();
  (void)base;
  return 0;
}

static int on_zip(void *user, const mg_pc_where *w, const mg_zip_member *m, const mg_zip_info *zi) {
  (void)user, (void)w, (void)zi;
  if (m && m->data) {
    unsigned x = 0;
    for (uint64_t i = 0; i < m->data_len; i += 512)
      x ^= m->data[i];
    if (m->data_len && x == 0x100) /* reads every 512th byte under ASan */
      __builtin_trap();
  }
  return 0;
}

static int on_note(void *user, const mg_pc_where *w, int sev, const char *rule, const char *t) {
  (void)user, (void)w, (void)sev, (void)rule, (void)t;
  return 0;
}

static int on_member(void *user, const mg_zip_member *m) {
  (void)user;
  if (m->data_len && !m->data)
    __builtin_trap();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mg_pc_opts o;
  memset(&o, 0, sizeof o);
  o.max_inflate = 1u << 20;
  o.max_depth = 3;
  mg_pk_limits lim = {4096, 4096, 64};
  o.pk = lim;
  mg_pc_sink sink = {NULL, on_pickle, on_zip, on_note};
  mg_pc_stats st;
  memset(&st, 0, sizeof st);
  mg_pc_where w = {"fuzz", NULL};
  (void)mg_pc_scan_blob(&o, &sink, &st, &w, "fuzz.pt", data, size, 0);
  /* The walker alone, with a tiny inflate cap. */
  mg_zip_info zi;
  (void)mg_zip_walk(data, size, 4096, 4096, on_member, NULL, &zi);
  return 0;
}
