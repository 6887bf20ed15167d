/* NPY header parser. The header is a Python dict literal; it is read by a
 * small tokenizer that accepts exactly the literal forms numpy writes (and
 * the harmless variations of other writers), never by anything eval-like.
 * Format: numpy/lib/format.py, "NPY format specification". */
#include "config.h"

#include "data/dataset.h"

#include <inttypes.h>
#include <string.h>

#include "data/dtype.h"

/* numpy itself refuses headers over 10000 bytes by default; ours can only
 * ever need a few hundred. */

typedef enum tok_kind {
  T_END,
  T_LBRACE,
  T_RBRACE,
  T_LPAREN,
  T_RPAREN,
  T_LBRACKET,
  T_COLON,
  T_COMMA,
  T_MINUS,
  T_STRING,
  T_INT,
  T_NAME,
  T_BAD
} tok_kind;

typedef struct tok {
  tok_kind kind;
  const char *s; /* T_STRING: the contents; T_NAME: the name */
  size_t n;
  uint64_t ival;   /* T_INT */
  int overflow;    /* T_INT beyond uint64 */
  const char *why; /* T_BAD */
  size_t pos;      /* offset in the header text, for messages */
} tok;

typedef struct lexer {
  const char *p;
  size_t len;
  size_t pos;
} lexer;

static int is_digit(char c) {
  return c >= '0' && c <= '9';
}

static int is_name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static tok lex_next(lexer *lx) {
  tok t;
  memset(&t, 0, sizeof t);
  while (lx->pos < lx->len && (lx->p[lx->pos] == ' ' || lx->p[lx->pos] == '\t'))
    lx->pos++;
  t.pos = lx->pos;
  if (lx->pos >= lx->len) {
    t.kind = T_END;
    return t;
  }
  char c = lx->p[lx->pos];
  unsigned char uc = (unsigned char)c;
  if (uc < 0x20 || uc >= 0x7f) {
    t.kind = T_BAD;
    t.why = uc >= 0x80 ? "a non-ASCII byte" : "a control character";
    return t;
  }
  static const char punct[] = "{}()[:,-";
  static const tok_kind punct_kind[] = {T_LBRACE,   T_RBRACE, T_LPAREN, T_RPAREN,
                                        T_LBRACKET, T_COLON,  T_COMMA,  T_MINUS};
  const char *q = strchr(punct, c);
  if (q) {
    t.kind = punct_kind[q - punct];
    lx->pos++;
    return t;
  }
  if (c == '\'' || c == '"') {
    size_t start = ++lx->pos;
    while (lx->pos < lx->len && lx->p[lx->pos] != c) {
      unsigned char d = (unsigned char)lx->p[lx->pos];
      if (d == '\\' || d < 0x20 || d >= 0x7f) {
        t.kind = T_BAD;
        t.why = d == '\\' ? "an escape in a string" : "a control or non-ASCII byte in a string";
        t.pos = lx->pos;
        return t;
      }
      lx->pos++;
    }
    if (lx->pos >= lx->len) {
      t.kind = T_BAD;
      t.why = "an unterminated string";
      return t;
    }
    t.kind = T_STRING;
    t.s = lx->p + start;
    t.n = lx->pos - start;
    lx->pos++;
    return t;
  }
  if (is_digit(c)) {
    size_t start = lx->pos;
    uint64_t v = 0;
    while (lx->pos < lx->len && is_digit(lx->p[lx->pos])) {
      unsigned d = (unsigned)(lx->p[lx->pos] - '0');
      if (v > (UINT64_MAX - d) / 10)
        t.overflow = 1;
      else
        v = v * 10 + d;
      lx->pos++;
    }
    /* Python 3 has no octal "010"; "0x10", "1_0", "1.0", "1e3", "1L" are
     * not what numpy writes for a dimension either. */
    if ((lx->p[start] == '0' && lx->pos - start > 1) ||
        (lx->pos < lx->len && (is_name_start(lx->p[lx->pos]) || lx->p[lx->pos] == '.'))) {
      t.kind = T_BAD;
      t.why = "a malformed integer";
      return t;
    }
    t.kind = T_INT;
    t.ival = v;
    return t;
  }
  if (is_name_start(c)) {
    size_t start = lx->pos;
    while (lx->pos < lx->len && (is_name_start(lx->p[lx->pos]) || is_digit(lx->p[lx->pos])))
      lx->pos++;
    t.kind = T_NAME;
    t.s = lx->p + start;
    t.n = lx->pos - start;
    return t;
  }
  t.kind = T_BAD;
  t.why = "an unexpected character";
  return t;
}

static int tok_is(const tok *t, const char *word) {
  size_t n = strlen(word);
  return t->n == n && memcmp(t->s, word, n) == 0;
}

/* Messages quote at most this much of a vendor string. */
#define QUOTE_MAX 40

static int syntax(const char *name, const tok *t, const char *expected, mg_err *err) {
  if (t->kind == T_BAD)
    return mg_fail(err, MG_ERR_FORMAT, "%s: NPY header: %s at column %zu", name, t->why,
                   t->pos + 1);
  if (t->kind == T_END)
    return mg_fail(err, MG_ERR_FORMAT, "%s: NPY header: ends where %s was expected", name,
                   expected);
  return mg_fail(err, MG_ERR_FORMAT, "%s: NPY header: %s expected at column %zu", name, expected,
                 t->pos + 1);
}

/* descr: [order] kind size, as numpy's dtype.str spells it. */
static int parse_descr(const char *name, const tok *t, mg_array_header *h, mg_err *err) {
  const char *s = t->s;
  size_t n = t->n;
  char order = 0;
  if (n > 0 && strchr("<>|=", s[0]))
    order = s[0], s++, n--;
  if (n > 0 && s[0] == 'O')
    return mg_fail(err, MG_ERR_UNSAFE,
                   "%s: NPY object array (descr '%.*s') refused: its data is a Python pickle, "
                   "which runs code when loaded",
                   name, (int)(t->n < QUOTE_MAX ? t->n : QUOTE_MAX), t->s);
  static const struct {
    const char *code;
    mg_dtype dt;
  } known[] = {{"u1", MG_DTYPE_U8},
               {"i4", MG_DTYPE_I32},
               {"i8", MG_DTYPE_I64},
               {"f4", MG_DTYPE_F32},
               {"f8", MG_DTYPE_F64}};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
    if (n != 2 || memcmp(s, known[i].code, 2) != 0)
      continue;
    if (known[i].dt != MG_DTYPE_U8 && order != '<' && order != '>')
      return mg_fail(err, MG_ERR_UNSUPPORTED,
                     "%s: NPY descr '%.*s' does not state its byte order (numpy writes '<%s' "
                     "or '>%s')",
                     name, (int)t->n, t->s, known[i].code, known[i].code);
    h->dtype = known[i].dt;
    h->big_endian = order == '>' && known[i].dt != MG_DTYPE_U8;
    return MG_OK;
  }
  return mg_fail(err, MG_ERR_UNSUPPORTED,
                 "%s: NPY dtype '%.*s' is not supported (uint8 '|u1', int32 '<i4', int64 '<i8', "
                 "float32 '<f4' and float64 '<f8' are, either byte order)",
                 name, (int)(t->n < QUOTE_MAX ? t->n : QUOTE_MAX), t->s);
}

/* shape: a tuple of non-negative ints, Python's spelling: (), (N,), (N, M[,]) */
static int parse_shape(const char *name, lexer *lx, mg_array_header *h, mg_err *err) {
  tok t = lex_next(lx);
  if (t.kind == T_LBRACKET)
    return mg_fail(err, MG_ERR_FORMAT, "%s: NPY header: shape is a list, not a tuple", name);
  if (t.kind != T_LPAREN)
    return syntax(name, &t, "a shape tuple '('", err);
  h->ndim = 0;
  t = lex_next(lx);
  if (t.kind == T_RPAREN)
    return MG_OK;
  for (;;) {
    if (t.kind == T_MINUS)
      return mg_fail(err, MG_ERR_FORMAT, "%s: NPY header: negative dimension in shape", name);
    if (t.kind != T_INT)
      return syntax(name, &t, "a dimension", err);
    if (t.overflow)
      return mg_fail(err, MG_ERR_FORMAT, "%s: NPY header: dimension %u does not fit in 64 bits",
                     name, h->ndim);
    if (h->ndim >= MG_ARRAY_MAX_DIMS)
      return mg_fail(err, MG_ERR_UNSUPPORTED,
                     "%s: NPY header: more than %d dimensions are not supported", name,
                     MG_ARRAY_MAX_DIMS);
    h->dims[h->ndim++] = t.ival;
    t = lex_next(lx);
    if (t.kind == T_RPAREN) {
      if (h->ndim == 1)
        return mg_fail(err, MG_ERR_FORMAT,
                       "%s: NPY header: shape '(%" PRIu64 ")' is not a tuple (that is '(%" PRIu64
                       ",)')",
                       name, h->dims[0], h->dims[0]);
      return MG_OK;
    }
    if (t.kind != T_COMMA)
      return syntax(name, &t, "',' or ')' in the shape", err);
    t = lex_next(lx);
    if (t.kind == T_RPAREN)
      return MG_OK;
  }
}

static int parse_dict(const char *name, const char *text, size_t len, mg_array_header *h,
                      mg_err *err) {
  lexer lx = {text, len, 0};
  int seen_descr = 0, seen_fortran = 0, seen_shape = 0;
  tok t = lex_next(&lx);
  if (t.kind != T_LBRACE)
    return syntax(name, &t, "'{'", err);
  t = lex_next(&lx);
  while (t.kind != T_RBRACE) {
    if (t.kind != T_STRING)
      return syntax(name, &t, "a quoted key", err);
    int *seen;
    if (tok_is(&t, "descr"))
      seen = &seen_descr;
    else if (tok_is(&t, "fortran_order"))
      seen = &seen_fortran;
    else if (tok_is(&t, "shape"))
      seen = &seen_shape;
    else
      return mg_fail(err, MG_ERR_FORMAT,
                     "%s: NPY header: unknown key '%.*s' (only descr, fortran_order and shape "
                     "are allowed)",
                     name, (int)(t.n < QUOTE_MAX ? t.n : QUOTE_MAX), t.s);
    if (*seen)
      return mg_fail(err, MG_ERR_FORMAT, "%s: NPY header: duplicate key '%.*s'", name, (int)t.n,
                     t.s);
    *seen = 1;
    t = lex_next(&lx);
    if (t.kind != T_COLON)
      return syntax(name, &t, "':'", err);
    int rc;
    if (seen == &seen_shape) {
      rc = parse_shape(name, &lx, h, err);
    } else if (seen == &seen_descr) {
      t = lex_next(&lx);
      if (t.kind == T_LBRACKET)
        return mg_fail(err, MG_ERR_UNSUPPORTED,
                       "%s: NPY structured dtypes (a descr list) are not supported", name);
      rc = t.kind == T_STRING ? parse_descr(name, &t, h, err)
                              : syntax(name, &t, "a dtype string", err);
    } else {
      t = lex_next(&lx);
      if (t.kind == T_NAME && tok_is(&t, "False"))
        rc = MG_OK;
      else if (t.kind == T_NAME && tok_is(&t, "True"))
        rc = mg_fail(err, MG_ERR_UNSUPPORTED,
                     "%s: NPY array is in Fortran order, only C order is supported (save it "
                     "with np.ascontiguousarray)",
                     name);
      else
        rc = syntax(name, &t, "True or False", err);
    }
    if (rc)
      return rc;
    t = lex_next(&lx);
    if (t.kind == T_COMMA)
      t = lex_next(&lx);
    else if (t.kind != T_RBRACE)
      return syntax(name, &t, "',' or '}'", err);
  }
  t = lex_next(&lx);
  if (t.kind == T_BAD)
    return syntax(name, &t, "the end of the header", err);
  if (t.kind != T_END)
    return mg_fail(err, MG_ERR_FORMAT, "%s: NPY header: trailing data after the dict at column %zu",
                   name, t.pos + 1);
  if (!seen_descr || !seen_fortran || !seen_shape)
    return mg_fail(err, MG_ERR_FORMAT, "%s: NPY header: missing key '%s'", name,
                   !seen_descr     ? "descr"
                   : !seen_fortran ? "fortran_order"
                                   : "shape");
  return MG_OK;
}

int mg_npy_parse_header(const uint8_t *buf, size_t len, const char *name, const mg_limits *lim,
                        mg_array_header *h, mg_err *err) {
  static const uint8_t magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  memset(h, 0, sizeof *h);
  if (len < 10 || memcmp(buf, magic, sizeof magic) != 0)
    return mg_fail(err, MG_ERR_FORMAT, "%s: not an NPY file (%s)", name,
                   len < 10 ? "shorter than the NPY preamble" : "bad magic");
  unsigned major = buf[6], minor = buf[7];
  if (major < 1 || major > 3 || minor != 0)
    return mg_fail(err, MG_ERR_UNSUPPORTED,
                   "%s: NPY format version %u.%u is not supported (1.0, 2.0 and 3.0 are)", name,
                   major, minor);
  uint64_t hlen, start;
  if (major == 1) {
    hlen = (uint64_t)buf[8] | (uint64_t)buf[9] << 8;
    start = 10;
  } else {
    if (len < 12)
      return mg_fail(err, MG_ERR_FORMAT, "%s: NPY preamble is truncated", name);
    hlen = (uint64_t)buf[8] | (uint64_t)buf[9] << 8 | (uint64_t)buf[10] << 16 |
           (uint64_t)buf[11] << 24;
    start = 12;
  }
  if (mg_limit_check(lim, MG_LIMIT_NPY_HEADER_BYTES, hlen, name, err))
    return err->code;
  if (hlen > len - start)
    return mg_fail(err, MG_ERR_FORMAT,
                   "%s: NPY header length %" PRIu64 " runs past the end of the file (%zu bytes)",
                   name, hlen, len);
  if (hlen == 0 || buf[start + hlen - 1] != '\n')
    return mg_fail(err, MG_ERR_FORMAT, "%s: NPY header does not end in a newline", name);
  /* Versions 1.0 and 2.0 are latin-1, 3.0 is UTF-8: both are ASCII for every
   * header we accept, and the lexer refuses any other byte. */
  int rc = parse_dict(name, (const char *)buf + start, (size_t)hlen - 1, h, err);
  if (rc)
    return rc;
  /* A zero dimension makes the product 0, but the other dimensions must
   * still multiply without overflow: (0, 2**63, 2**63) is a lie, not an empty
   * array. */
  uint64_t count = 1, nonzero = 1;
  for (uint32_t i = 0; i < h->ndim; i++) {
    if (h->dims[i] == 0) {
      count = 0;
      continue;
    }
    if (nonzero > UINT64_MAX / h->dims[i])
      return mg_fail(err, MG_ERR_FORMAT,
                     "%s: NPY shape overflows: the element count does not fit in 64 bits", name);
    nonzero *= h->dims[i];
  }
  if (count)
    count = nonzero;
  size_t esize = mg_dtype_size(h->dtype);
  if (nonzero > UINT64_MAX / esize)
    return mg_fail(err, MG_ERR_FORMAT,
                   "%s: NPY shape overflows: the data size does not fit in 64 bits", name);
  h->count = count;
  h->data_offset = start + hlen;
  h->data_bytes = count * esize;
  return MG_OK;
}
