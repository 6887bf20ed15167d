/* Unpacking a package (archive or directory) into the workspace. Entries
 * are streamed once: each block is written and hashed as it is read, and
 * every byte decompressed counts against the limits, so a bomb stops early.
 * Unsafe entries (absolute, "..", links, devices, duplicates, colliding
 * names) are refused: recorded in inv->refused and never written. */
#ifndef MG_UNPACK_H
#define MG_UNPACK_H

#include "base/diag.h"
#include "inventory.h"
#include "base/limit_table.h"
#include "workspace.h"

/* Fills inv. Returns MG_OK even when entries were refused (the caller
 * reports inv->refused and exits 2); fails on I/O errors, malformed or
 * truncated archives and exceeded limits. */
int mg_unpack(const char *package, mg_workspace *ws, const mg_limits *lim, mg_inventory *inv,
              mg_err *err);

/* Called for each member of a nested archive with its whole content.
 * Return nonzero to stop the walk. */
typedef int (*mg_nested_fn)(void *user, const char *member, const unsigned char *data,
                            uint64_t size, const char *note);

/* Reads every regular member of the archive at path into memory, one at a
 * time, within the limits; unsafe member names are reported through note. */
int mg_archive_members(const char *path, const mg_limits *lim, mg_nested_fn fn, void *user,
                       mg_err *err);

#endif
