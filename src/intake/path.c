/* Normalisation and confinement checks for names inside a package. */
#include "config.h"

#include "path.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/unorm2.h>
#include <unicode/ustring.h>

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

/* NFKC_Casefold (Unicode's key for identifier matching) does in one step
 * what a case-insensitive or normalising file system does to a name: NFC
 * and NFD spellings meet, case folds fully (KELVIN SIGN to k, long s to s),
 * compatibility forms (fullwidth letters, ligatures) meet their plain ones
 * and default-ignorable characters (soft hyphen, zero-width joiner)
 * vanish. ICU implements it; libxml2 already pulls ICU in on Debian. */
static char *fold_unicode(const char *normal) {
  UErrorCode e = U_ZERO_ERROR;
  const UNormalizer2 *nf = unorm2_getNFKCCasefoldInstance(&e);
  if (U_FAILURE(e))
    return NULL;
  int32_t n16 = 0;
  e = U_ZERO_ERROR;
  u_strFromUTF8(NULL, 0, &n16, normal, -1, &e); /* preflight */
  if (e != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(e))
    return NULL;
  /* Folding can grow a string (U+FDFA expands to 18 code units). */
  int32_t cap = n16 * 18 + 1;
  UChar *in = malloc(((size_t)n16 + 1) * sizeof *in), *out = malloc((size_t)cap * sizeof *out);
  char *utf8 = NULL;
  int32_t n_out = 0, n8 = 0;
  e = U_ZERO_ERROR;
  if (in && out) {
    u_strFromUTF8(in, n16 + 1, NULL, normal, -1, &e);
    if (U_SUCCESS(e))
      n_out = unorm2_normalize(nf, in, n16, out, cap, &e);
    if (U_SUCCESS(e))
      u_strToUTF8(NULL, 0, &n8, out, n_out, &e);
    if (e == U_BUFFER_OVERFLOW_ERROR || U_SUCCESS(e)) {
      e = U_ZERO_ERROR;
      if ((utf8 = malloc((size_t)n8 + 1)))
        u_strToUTF8(utf8, n8 + 1, NULL, out, n_out, &e);
      if (U_FAILURE(e)) {
        free(utf8);
        utf8 = NULL;
      }
    }
  }
  free(in);
  free(out);
  return utf8;
}

char *mg_path_fold(const char *normal) {
  for (const char *c = normal; *c; c++)
    if ((unsigned char)*c >= 0x80)
      return fold_unicode(normal);
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
