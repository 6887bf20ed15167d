/* Test helpers for the text reader. */
#include "config.h"

#include "text_load.h"

#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int tt_load(const void *data, size_t n, const char *name, const mg_text_options *o,
            const mg_limits *lim, mg_text_dataset *d, mg_err *err) {
  static const mg_text_options none;
  memset(d, 0, sizeof *d);
  mg_err_clear(err);
  mg_text_input in;
  int rc = mg_text_input_open_mem(&in, data, n, name, lim, err);
  int rf = memfd_create("rows", MFD_CLOEXEC), af = memfd_create("strings", MFD_CLOEXEC);
  ck_assert(rf >= 0 && af >= 0);
  if (!rc)
    rc = mg_text_dataset_read(d, &in, rf, af, o ? o : &none, lim, err);
  mg_text_input_close(&in);
  close(rf);
  close(af);
  return rc;
}

const char *tt_field(const mg_text_dataset *d, uint64_t i, int k) {
  const char *f[MG_TEXT_NFIELDS];
  int bad;
  ck_assert_int_eq(mg_text_cache_get(&d->cache, i, f, &bad), MG_OK);
  return f[k];
}

int tt_bad(const mg_text_dataset *d, uint64_t i) {
  const char *f[MG_TEXT_NFIELDS];
  int bad;
  ck_assert_int_eq(mg_text_cache_get(&d->cache, i, f, &bad), MG_OK);
  for (int k = 0; bad && k < MG_TEXT_NFIELDS; k++)
    ck_assert_ptr_null(f[k]);
  return bad;
}

void *tt_compress(const void *data, size_t n, const char *filter, size_t *out_len) {
  struct archive *a = archive_write_new();
  ck_assert_ptr_nonnull(a);
  ck_assert_int_eq(archive_write_add_filter_by_name(a, filter), ARCHIVE_OK);
  ck_assert_int_eq(archive_write_set_format_raw(a), ARCHIVE_OK);
  archive_write_set_bytes_in_last_block(a, 1);
  size_t cap = n + 65536;
  void *buf = malloc(cap);
  ck_assert_ptr_nonnull(buf);
  size_t used = 0;
  ck_assert_int_eq(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, "data");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_size(e, (la_int64_t)n);
  ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
  ck_assert_int_eq(archive_write_data(a, data, n), (la_ssize_t)n);
  archive_entry_free(e);
  ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
  archive_write_free(a);
  *out_len = used;
  return buf;
}
