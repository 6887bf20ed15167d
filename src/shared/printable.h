/* Text from a hostile package (member paths, names read from a model) made
 * printable ASCII before it reaches a finding: every byte outside 0x20 to
 * 0x7e becomes \xNN. Shared by the core (refused entry names) and the package-safety plugins. */
#ifndef MG_SHARED_PRINTABLE_H
#define MG_SHARED_PRINTABLE_H

#include <stddef.h>

/* A new string (free() it), or NULL when out of memory. */
char *printable_ascii(const char *s);
/* The same for at most the first max bytes of s. */
char *printable_ascii_n(const char *s, size_t max);
/* Into dst of n bytes (n >= 1), cut at a whole escape when it does not
 * fit; s may be NULL (empty). */
void printable_ascii_into(char *dst, size_t n, const char *s);

#endif
