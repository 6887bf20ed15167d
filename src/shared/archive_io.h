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
/* libarchive's last error for a, never NULL. */
const char *mg_archive_error(struct archive *a);

#endif
