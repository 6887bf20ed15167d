/* See printable.h. */
#include "config.h"

#include "printable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes c at dst, escaped when not printable: the bytes written (1 or 4),
 * or 0 when that many plus the terminator do not fit in room. */
static size_t put(char *dst, size_t room, unsigned char c) {
  size_t need = c >= 0x20 && c < 0x7f ? 1 : 4;
  if (need + 1 > room)
    return 0;
  if (need == 1)
    dst[0] = (char)c;
  else
    snprintf(dst, 5, "\\x%02x", c);
  return need;
}

char *printable_ascii(const char *s) {
  return printable_ascii_n(s, strlen(s));
}

char *printable_ascii_n(const char *s, size_t max) {
  size_t n = strnlen(s, max);
  if (n > (((size_t)-1) - 1) / 4)
    return NULL;
  char *o = malloc(n * 4 + 1);
  if (!o)
    return NULL;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    k += put(o + k, n * 4 + 1 - k, (unsigned char)s[i]);
  o[k] = '\0';
  return o;
}

void printable_ascii_into(char *dst, size_t n, const char *s) {
  size_t k = 0;
  for (; s && *s; s++) {
    size_t w = put(dst + k, n - k, (unsigned char)*s);
    if (!w)
      break;
    k += w;
  }
  dst[k] = '\0';
}
