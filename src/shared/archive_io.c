/* Reader configuration. */
#include "config.h"

#include "archive_io.h"

#include <archive.h>
#include <stdio.h>
#include <string.h>

void mg_archive_support_filters(struct archive *a) {
  /* In-process decompressors only: filter_all would also enable grzip,
   * lrzip and lzop, which libarchive runs as external programs when they
   * are installed, on attacker-controlled bytes. */
  archive_read_support_filter_bzip2(a);
  archive_read_support_filter_compress(a);
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_lz4(a);
  archive_read_support_filter_lzip(a);
  archive_read_support_filter_lzma(a);
  archive_read_support_filter_xz(a);
  archive_read_support_filter_zstd(a);
}

struct archive *mg_archive_reader_except_zip(void) {
  struct archive *a = archive_read_new();
  if (!a)
    return NULL;
  mg_archive_support_filters(a);
  /* Listed one by one: archive_read_support_format_all() would also enable
   * mtree, whose "contents=" keyword makes libarchive read host files. */
  archive_read_support_format_7zip(a);
  archive_read_support_format_ar(a);
  archive_read_support_format_cab(a);
  archive_read_support_format_cpio(a);
  archive_read_support_format_iso9660(a);
  archive_read_support_format_lha(a);
  archive_read_support_format_rar(a);
  archive_read_support_format_rar5(a);
  archive_read_support_format_tar(a);
  archive_read_support_format_xar(a);
  return a;
}

struct archive *mg_archive_reader_new(void) {
  struct archive *a = mg_archive_reader_except_zip();
  if (a)
    archive_read_support_format_zip(a);
  return a;
}

const char *mg_archive_error(struct archive *a) {
  const char *s = a ? archive_error_string(a) : NULL;
  if (s && !strncmp(s, "INTERNAL ERROR", 14))
    return "damaged archive (libarchive could not continue)";
  return s ? s : "unrecognised or damaged archive";
}

int mg_archive_header_failed(int status) {
  return status != ARCHIVE_OK && status != ARCHIVE_WARN;
}

const char *mg_archive_damage(struct archive *a, char *buf, unsigned long len) {
  /* Filter 0 feeds the format reader: its count is the offset in the
   * archive stream (decompressed when a filter such as gzip is on top). */
  int filters = archive_filter_count(a);
  long long at = (long long)archive_filter_bytes(a, 0);
  long long header = (long long)archive_read_header_position(a);
  snprintf(buf, len, "damaged at byte %lld%s (last entry header at byte %lld): %s", at,
           filters > 1 ? " of the decompressed stream" : "", header, mg_archive_error(a));
  return buf;
}
