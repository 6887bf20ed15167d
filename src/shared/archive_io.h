/* libarchive set-up shared by the unpacker, the nested-archive inspector
 * and the plugin member walk: which formats are read, and how an error is
 * worded. */
#ifndef MG_ARCHIVE_IO_H
#define MG_ARCHIVE_IO_H

struct archive;

/* Enables the compression filters libarchive implements in-process. */
void mg_archive_support_filters(struct archive *a);
/* A reader for those filters and every archive format except
 * mtree (whose entries can name files on the host) and raw. NULL on OOM. */
struct archive *mg_archive_reader_new(void);
/* The same without zip, for readers that walk zips with their own bounded
 * parser (pickle-code's zip_walk). */
struct archive *mg_archive_reader_except_zip(void);
/* libarchive's last error for a, never NULL. libarchive's own API-misuse
 * text ("INTERNAL ERROR: ... state ...") is never passed on: it describes
 * libarchive, not the input. */
const char *mg_archive_error(struct archive *a);
/* 1 when a header read returned a status that ends the walk: anything but
 * ARCHIVE_OK and ARCHIVE_WARN (ARCHIVE_RETRY, a damaged header that
 * libarchive skipped, included: reading data after it misuses the API). */
int mg_archive_header_failed(int status);
/* "damaged at byte N (last entry header at byte H): why", offsets in the
 * archive stream, into buf; returns buf. */
const char *mg_archive_damage(struct archive *a, char *buf, unsigned long len);

#endif
