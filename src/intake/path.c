/* Normalisation and confinement checks for names inside a package. */
#include "config.h"

#include "path.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Returns the length of a valid UTF-8 sequence at s, 0 if invalid. */
static size_t utf8_len(const unsigned char *s) {
  if (s[0] < 0x80)
    return 1;
  size_t n;
  uint32_t cp;
  if ((s[0] & 0xe0) == 0xc0)
    n = 2, cp = s[0] & 0x1f;
  else if ((s[0] & 0xf0) == 0xe0)
    n = 3, cp = s[0] & 0x0f;
  else if ((s[0] & 0xf8) == 0xf0)
    n = 4, cp = s[0] & 0x07;
  else
    return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3f);
  }
  /* Overlong forms and surrogates are how filters get fooled. */
  static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return n;
}

int mg_path_normalize(const char *name, const mg_limits *lim, const char *what, char **out,
                      mg_err *err) {
  *out = NULL;
  if (!name || !*name)
    return mg_fail(err, MG_ERR_UNSAFE, "%s: empty name", what);
  size_t len = strlen(name);
  int rc = mg_limit_check(lim, MG_LIMIT_NAME_BYTES, len, what, err);
  if (rc)
    return rc;
  if (name[0] == '/')
    return mg_fail(err, MG_ERR_UNSAFE, "%s '%s': absolute path", what, name);
  if (isalpha((unsigned char)name[0]) && name[1] == ':')
    return mg_fail(err, MG_ERR_UNSAFE, "%s '%s': drive-letter path", what, name);
  for (size_t i = 0; i < len;) {
    unsigned char c = (unsigned char)name[i];
    if (c < 0x20 || c == 0x7f)
      return mg_fail(err, MG_ERR_UNSAFE, "%s: name contains a control character", what);
    if (c == '\\')
      return mg_fail(err, MG_ERR_UNSAFE, "%s '%s': backslash in name (a path separator on Windows)",
                     what, name);
    size_t n = utf8_len((const unsigned char *)name + i);
    if (!n)
      return mg_fail(err, MG_ERR_UNSAFE, "%s: name is not valid UTF-8", what);
    i += n;
  }

  char *norm = malloc(len + 1);
  if (!norm)
    return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", what);
  size_t o = 0;
  const char *p = name;
  while (*p) {
    const char *slash = strchr(p, '/');
    size_t clen = slash ? (size_t)(slash - p) : strlen(p);
    if (clen == 2 && p[0] == '.' && p[1] == '.') {
      free(norm);
      return mg_fail(err, MG_ERR_UNSAFE, "%s '%s': '..' component escapes the package", what, name);
    }
    if (clen > 255) {
      free(norm);
      return mg_fail(err, MG_ERR_UNSAFE, "%s: a path component is longer than 255 bytes", what);
    }
    if (clen > 0 && !(clen == 1 && p[0] == '.')) {
      if (o)
        norm[o++] = '/';
      memcpy(norm + o, p, clen);
      o += clen;
    }
    p += clen;
    if (*p == '/')
      p++;
  }
  norm[o] = '\0';
  if (!o) {
    free(norm);
    return mg_fail(err, MG_ERR_UNSAFE, "%s '%s': names no file", what, name);
  }
  *out = norm;
  return MG_OK;
}

char *mg_path_fold(const char *normal) {
  char *f = strdup(normal);
  if (f)
    for (char *c = f; *c; c++)
      *c = (char)tolower((unsigned char)*c);
  return f;
}

char *mg_path_join(const char *a, const char *b) {
  size_t la = a ? strlen(a) : 0, lb = b ? strlen(b) : 0;
  char *r = malloc(la + lb + 2);
  if (!r)
    return NULL;
  size_t o = 0;
  if (la) {
    memcpy(r, a, la);
    o = la;
    if (lb)
      r[o++] = '/';
  }
  if (lb)
    memcpy(r + o, b, lb), o += lb;
  r[o] = '\0';
  return r;
}

const char *mg_path_base(const char *normal) {
  const char *s = strrchr(normal, '/');
  return s ? s + 1 : normal;
}

int mg_path_match(const char *pattern, const char *name) {
  return fnmatch(pattern, name, 0) == 0;
}
