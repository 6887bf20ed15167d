/* Package-relative path rules. A name from an archive or a descriptor is
 * accepted only if it stays inside the package root on every platform a
 * consumer might unpack it on; see docs/package-format.md. */
#ifndef MG_PATH_H
#define MG_PATH_H

#include <stddef.h>

#include "base/diag.h"
#include "base/limit_table.h"

/* Validates a relative name and writes its normal form to *out (malloc'd):
 * no leading "./", no empty or "." components, no trailing "/". Refuses
 * (MG_ERR_UNSAFE) absolute paths, drive letters, ".." components,
 * backslashes, control characters and invalid UTF-8. `what` names the
 * source in the message ("package.tar: entry"). */
int mg_path_normalize(const char *name, const mg_limits *lim, const char *what, char **out,
                      mg_err *err);

/* The key two names collide under on a case-insensitive or normalising
 * file system: the normal form under Unicode NFKC_Casefold (ICU), so NFC
 * and NFD spellings, KELVIN SIGN and 'k', fullwidth and plain letters get
 * one key. malloc'd; NULL when out of memory (or, for a valid UTF-8 normal
 * form, never otherwise). */
char *mg_path_fold(const char *normal);

/* "a" + "b" -> "a/b" (malloc'd); either may be empty. */
char *mg_path_join(const char *a, const char *b);

/* Last component of a normal path (points into it). */
const char *mg_path_base(const char *normal);

/* Shell-style match of a basename against a pattern such as "train-images*". */
int mg_path_match(const char *pattern, const char *name);

#endif
