/* See suggest.h. */
#include "config.h"

#include "suggest.h"

#include <stdio.h>
#include <string.h>

#define MG_SUGGEST_MAX 2
#define MG_SUGGEST_NAME 128 /* longer names are compared as unequal */

size_t mg_edit_distance(const char *a, size_t al, const char *b, size_t bl, size_t cap) {
  if (al > MG_SUGGEST_NAME || bl > MG_SUGGEST_NAME)
    return cap + 1;
  if ((al > bl ? al - bl : bl - al) > cap)
    return cap + 1;
  size_t row[MG_SUGGEST_NAME + 1];
  for (size_t j = 0; j <= bl; j++)
    row[j] = j;
  for (size_t i = 1; i <= al; i++) {
    size_t diag = row[0], best = row[0] = i;
    for (size_t j = 1; j <= bl; j++) {
      size_t up = row[j];
      size_t v = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < v)
        v = up + 1;
      if (row[j - 1] + 1 < v)
        v = row[j - 1] + 1;
      row[j] = v;
      diag = up;
      if (v < best)
        best = v;
    }
    if (best > cap)
      return cap + 1;
  }
  return row[bl] > cap ? cap + 1 : row[bl];
}

const char *mg_suggest(const char *word, size_t len, const char *const *candidates, size_t n) {
  const char *best = NULL;
  size_t best_d = MG_SUGGEST_MAX + 1;
  for (size_t i = 0; i < n; i++) {
    if (!candidates[i])
      continue;
    size_t d = mg_edit_distance(word, len, candidates[i], strlen(candidates[i]), MG_SUGGEST_MAX);
    if (d < best_d) {
      best_d = d;
      best = candidates[i];
    }
  }
  return best;
}

const char *mg_suggest_text(const char *word, size_t len, const char *const *candidates, size_t n) {
  static char buf[MG_SUGGEST_NAME + 32];
  const char *s = mg_suggest(word, len, candidates, n);
  if (!s)
    return "";
  snprintf(buf, sizeof buf, " (did you mean '%.*s'?)", MG_SUGGEST_NAME, s);
  return buf;
}
