/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past
 * U+10FFFF, and no NUL, which the cache's NUL-terminated strings could not
 * carry. JSON rows are validated by jansson as it parses; this checks CSV
 * cells and header names. */
#ifndef MG_TEXT_UTF8_H
#define MG_TEXT_UTF8_H

#include <stddef.h>

/* Length of the longest valid prefix of s[0, n): n when all of it is. */
size_t mg_text_utf8_valid(const char *s, size_t n);

#endif
