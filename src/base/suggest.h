/* "Did you mean": the nearest of a few known names to a misspelt one, so
 * a usage error can say what the user probably meant. */
#ifndef MG_SUGGEST_H
#define MG_SUGGEST_H

#include <stddef.h>

/* Levenshtein distance between a[0..al) and b[0..bl), capped at cap + 1
 * (names are short; anything further is "not near"). */
size_t mg_edit_distance(const char *a, size_t al, const char *b, size_t bl, size_t cap);
/* The candidate nearest to word[0..len) within 2 edits (ties: the first),
 * or NULL. candidates has n entries; NULL entries are skipped. */
const char *mg_suggest(const char *word, size_t len, const char *const *candidates, size_t n);
/* " (did you mean 'X'?)" for the suggestion, or "" (a static buffer). */
const char *mg_suggest_text(const char *word, size_t len, const char *const *candidates, size_t n);

#endif
