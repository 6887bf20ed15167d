/* UTF-8 validation (the table of RFC 3629, section 4). */
#include "config.h"

#include "text/text_utf8.h"

#include <stdint.h>

size_t mg_text_utf8_valid(const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    if (c >= 0x01 && c < 0x80) {
      i++;
      continue;
    }
    /* The first continuation byte's range depends on the lead byte: this is
     * what excludes overlong forms, surrogates and code points > U+10FFFF. */
    unsigned lo = 0x80, hi = 0xbf;
    size_t len;
    if (c >= 0xc2 && c <= 0xdf)
      len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      lo = c == 0xe0 ? 0xa0 : 0x80;
      hi = c == 0xed ? 0x9f : 0xbf;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      lo = c == 0xf0 ? 0x90 : 0x80;
      hi = c == 0xf4 ? 0x8f : 0xbf;
    } else
      return i; /* NUL, a continuation byte, C0/C1 or F5..FF */
    if (n - i < len || s[i + 1] < lo || s[i + 1] > hi)
      return i;
    for (size_t k = 2; k < len; k++)
      if ((s[i + k] & 0xc0) != 0x80)
        return i;
    i += len;
  }
  return i;
}
