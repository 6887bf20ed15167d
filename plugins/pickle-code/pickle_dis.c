/* Pickle disassembly and stack/memo simulation (see pickle_dis.h). The
 * simulation follows CPython's _pickle.c where it matters for what gets
 * imported and called; where a real unpickler would raise, the error is
 * recorded and decoding goes on with an "unknown" value, so junk placed in
 * front of a payload cannot hide it. Only an undecodable opcode byte or a
 * truncated argument ends the walk early. */
#include "config.h"

#include "pickle_dis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Values are tracked only as far as needed: strings (STACK_GLOBAL operands),
 * imports and call results, and the ints, tuples, dicts and numpy dtypes
 * that tell how many raw array bytes joblib puts inside the stream. */
enum { K_OTHER, K_STR, K_IMPORT, K_CALL, K_PERSID, K_INT, K_TUPLE, K_DICT, K_DTYPE, K_NONE };

enum {
  F_ALLINT = 1,   /* K_TUPLE: every element an int (v = their product) */
  F_SHAPE = 2,    /* K_DICT: has "shape" (v = element count) */
  F_DTYPE = 4,    /* K_DICT: has "dtype" (n = item size) */
  F_ALIGN = 8,    /* K_DICT: numpy_array_alignment_bytes is set */
  F_OBJECT = 16,  /* K_DTYPE/K_DICT: object dtype */
  F_OVERFLOW = 32 /* a product overflowed */
};

typedef struct item {
  uint8_t kind;
  uint8_t flags;
  uint32_t imp;     /* K_IMPORT, K_CALL, K_DTYPE: index into imports */
  const uint8_t *s; /* K_STR, K_TUPLE (first element): bytes */
  size_t n;         /* string length; K_DICT/K_DTYPE: item size */
  uint64_t v;       /* K_INT value, K_TUPLE product, K_DICT element count */
} item;

typedef struct memo_slot {
  uint64_t key;
  int used;
  item val;
} memo_slot;

typedef struct arena_block {
  struct arena_block *next;
  size_t used, cap;
  uint8_t data[];
} arena_block;

typedef struct state {
  const uint8_t *base;
  size_t len;
  mg_pk_limits lim;
  mg_pk_result *res;
  item *stack;
  size_t sp, scap;
  size_t *marks;
  size_t nmarks, mcap;
  memo_slot *memo;
  size_t memo_count, memo_cap;
  uint32_t *ihash; /* distinct-import table: index + 1, 0 empty */
  size_t ihash_cap;
  size_t icap;
  arena_block *arena;
  int nomem;
  unsigned depth; /* nested pickles (joblib object arrays) */
} state;

typedef struct priv {
  arena_block *arena;
} priv;

static const char *const opnames[256] = {
    ['('] = "MARK",
    ['.'] = "STOP",
    ['0'] = "POP",
    ['1'] = "POP_MARK",
    ['2'] = "DUP",
    ['F'] = "FLOAT",
    ['I'] = "INT",
    ['J'] = "BININT",
    ['K'] = "BININT1",
    ['L'] = "LONG",
    ['M'] = "BININT2",
    ['N'] = "NONE",
    ['P'] = "PERSID",
    ['Q'] = "BINPERSID",
    ['R'] = "REDUCE",
    ['S'] = "STRING",
    ['T'] = "BINSTRING",
    ['U'] = "SHORT_BINSTRING",
    ['V'] = "UNICODE",
    ['X'] = "BINUNICODE",
    ['a'] = "APPEND",
    ['b'] = "BUILD",
    ['c'] = "GLOBAL",
    ['d'] = "DICT",
    ['}'] = "EMPTY_DICT",
    ['e'] = "APPENDS",
    ['g'] = "GET",
    ['h'] = "BINGET",
    ['i'] = "INST",
    ['j'] = "LONG_BINGET",
    ['l'] = "LIST",
    [']'] = "EMPTY_LIST",
    ['o'] = "OBJ",
    ['p'] = "PUT",
    ['q'] = "BINPUT",
    ['r'] = "LONG_BINPUT",
    ['s'] = "SETITEM",
    ['t'] = "TUPLE",
    [')'] = "EMPTY_TUPLE",
    ['u'] = "SETITEMS",
    ['G'] = "BINFLOAT",
    [0x80] = "PROTO",
    [0x81] = "NEWOBJ",
    [0x82] = "EXT1",
    [0x83] = "EXT2",
    [0x84] = "EXT4",
    [0x85] = "TUPLE1",
    [0x86] = "TUPLE2",
    [0x87] = "TUPLE3",
    [0x88] = "NEWTRUE",
    [0x89] = "NEWFALSE",
    [0x8a] = "LONG1",
    [0x8b] = "LONG4",
    ['B'] = "BINBYTES",
    ['C'] = "SHORT_BINBYTES",
    [0x8c] = "SHORT_BINUNICODE",
    [0x8d] = "BINUNICODE8",
    [0x8e] = "BINBYTES8",
    [0x8f] = "EMPTY_SET",
    [0x90] = "ADDITEMS",
    [0x91] = "FROZENSET",
    [0x92] = "NEWOBJ_EX",
    [0x93] = "STACK_GLOBAL",
    [0x94] = "MEMOIZE",
    [0x95] = "FRAME",
    [0x96] = "BYTEARRAY8",
    [0x97] = "NEXT_BUFFER",
    [0x98] = "READONLY_BUFFER",
};

const char *mg_pickle_opname(uint8_t op) {
  return opnames[op];
}

/* Records a problem; the first one is kept with its offset. */
static void problem(state *st, uint64_t off, const char *what, const char *detail) {
  mg_pk_result *r = st->res;
  if (!r->errors++) {
    r->err_offset = off;
    snprintf(r->err_msg, sizeof r->err_msg, "%s%s%s", what, detail ? " " : "",
             detail ? detail : "");
  }
}

static uint8_t *arena_alloc(state *st, size_t n) {
  arena_block *b = st->arena;
  if (!b || b->cap - b->used < n) {
    size_t cap = n > 65536 ? n : 65536;
    b = malloc(sizeof *b + cap);
    if (!b) {
      st->nomem = 1;
      return NULL;
    }
    b->next = st->arena;
    b->used = 0;
    b->cap = cap;
    st->arena = b;
  }
  uint8_t *p = b->data + b->used;
  b->used += n;
  return p;
}

/* --- stack ------------------------------------------------------------ */

static void push(state *st, item it, uint64_t off) {
  if (st->sp == st->scap) {
    if (st->scap >= st->lim.max_stack) {
      /* Drop the bottom half: a payload only ever needs the top. */
      problem(st, off, "stack deeper than the limit", NULL);
      size_t keep = st->sp / 2;
      memmove(st->stack, st->stack + (st->sp - keep), keep * sizeof *st->stack);
      size_t drop = st->sp - keep;
      st->sp = keep;
      size_t w = 0;
      for (size_t i = 0; i < st->nmarks; i++)
        if (st->marks[i] >= drop)
          st->marks[w++] = st->marks[i] - drop;
      st->nmarks = w;
    } else {
      size_t ncap = st->scap ? st->scap * 2 : 64;
      if (ncap > st->lim.max_stack)
        ncap = st->lim.max_stack;
      item *g = realloc(st->stack, ncap * sizeof *g);
      if (!g) {
        st->nomem = 1;
        return;
      }
      st->stack = g;
      st->scap = ncap;
    }
  }
  st->stack[st->sp++] = it;
}

static size_t fence(const state *st) {
  return st->nmarks ? st->marks[st->nmarks - 1] : 0;
}

static item unknown_item(void) {
  item it = {K_OTHER, 0, 0, NULL, 0, 0};
  return it;
}

static item pop(state *st, uint64_t off) {
  if (st->sp <= fence(st)) {
    problem(st, off, "stack underflow", NULL);
    return unknown_item();
  }
  return st->stack[--st->sp];
}

static item *top(state *st, uint64_t off) {
  if (st->sp <= fence(st)) {
    problem(st, off, "stack underflow", NULL);
    return NULL;
  }
  return &st->stack[st->sp - 1];
}

static void push_mark(state *st, uint64_t off) {
  if (st->nmarks == st->mcap) {
    if (st->mcap >= st->lim.max_stack) {
      problem(st, off, "too many marks", NULL);
      return;
    }
    size_t ncap = st->mcap ? st->mcap * 2 : 16;
    size_t *g = realloc(st->marks, ncap * sizeof *g);
    if (!g) {
      st->nomem = 1;
      return;
    }
    st->marks = g;
    st->mcap = ncap;
  }
  st->marks[st->nmarks++] = st->sp;
}

/* Pops to the last mark; returns the index of the first popped item (the
 * items stay readable in st->stack until the next push). */
static size_t pop_mark(state *st, uint64_t off, size_t *count) {
  if (!st->nmarks) {
    problem(st, off, "MARK missing", NULL);
    *count = 0;
    return st->sp;
  }
  size_t m = st->marks[--st->nmarks];
  if (m > st->sp)
    m = st->sp;
  *count = st->sp - m;
  st->sp = m;
  return m;
}

/* --- memo ------------------------------------------------------------- */

static uint64_t mix(uint64_t k) {
  k ^= k >> 33;
  k *= UINT64_C(0xff51afd7ed558ccd);
  k ^= k >> 33;
  return k;
}

static memo_slot *memo_find(state *st, uint64_t key) {
  if (!st->memo_cap)
    return NULL;
  size_t mask = st->memo_cap - 1;
  for (size_t i = mix(key) & mask;; i = (i + 1) & mask) {
    if (!st->memo[i].used)
      return NULL;
    if (st->memo[i].key == key)
      return &st->memo[i];
  }
}

static void memo_put(state *st, uint64_t key, item val, uint64_t off) {
  memo_slot *s = memo_find(st, key);
  if (s) {
    s->val = val;
    return;
  }
  if (st->memo_count >= st->lim.max_memo) {
    problem(st, off, "memo larger than the limit", NULL);
    return;
  }
  if ((st->memo_count + 1) * 2 > st->memo_cap) {
    size_t ncap = st->memo_cap ? st->memo_cap * 2 : 256;
    memo_slot *g = calloc(ncap, sizeof *g);
    if (!g) {
      st->nomem = 1;
      return;
    }
    for (size_t i = 0; i < st->memo_cap; i++) {
      if (!st->memo[i].used)
        continue;
      size_t j = mix(st->memo[i].key) & (ncap - 1);
      while (g[j].used)
        j = (j + 1) & (ncap - 1);
      g[j] = st->memo[i];
    }
    free(st->memo);
    st->memo = g;
    st->memo_cap = ncap;
  }
  size_t mask = st->memo_cap - 1;
  size_t i = mix(key) & mask;
  while (st->memo[i].used)
    i = (i + 1) & mask;
  st->memo[i].used = 1;
  st->memo[i].key = key;
  st->memo[i].val = val;
  st->memo_count++;
}

/* --- imports ---------------------------------------------------------- */

static char *printable(state *st, const uint8_t *s, size_t n) {
  size_t out = 1;
  for (size_t i = 0; i < n; i++)
    out += (s[i] > 0x20 && s[i] < 0x7f && s[i] != '\\') ? 1 : 4;
  char *p = (char *)arena_alloc(st, out);
  if (!p)
    return NULL;
  char *w = p;
  for (size_t i = 0; i < n; i++) {
    if (s[i] > 0x20 && s[i] < 0x7f && s[i] != '\\') {
      *w++ = (char)s[i];
    } else {
      static const char hex[] = "0123456789abcdef";
      *w++ = '\\';
      *w++ = 'x';
      *w++ = hex[s[i] >> 4];
      *w++ = hex[s[i] & 15];
    }
  }
  *w = '\0';
  return p;
}

static uint64_t hash_str(uint64_t h, const char *s) {
  for (; *s; s++)
    h = (h ^ (uint8_t)*s) * UINT64_C(0x100000001b3);
  return (h ^ 0xff) * UINT64_C(0x100000001b3);
}

static uint64_t import_hash(const char *module, const char *name, const char *why) {
  uint64_t h = UINT64_C(0xcbf29ce484222325);
  h = hash_str(h, module);
  h = hash_str(h, name ? name : "");
  return hash_str(h, why ? why : "");
}

static int same(const char *a, const char *b) {
  return (!a && !b) || (a && b && !strcmp(a, b));
}

static int ihash_grow(state *st) {
  size_t ncap = st->ihash_cap ? st->ihash_cap * 2 : 64;
  uint32_t *g = calloc(ncap, sizeof *g);
  if (!g)
    return -1;
  mg_pk_result *r = st->res;
  for (size_t i = 0; i < r->n_imports; i++) {
    mg_pk_import *im = &r->imports[i];
    size_t j = import_hash(im->module, im->name, im->why) & (ncap - 1);
    while (g[j])
      j = (j + 1) & (ncap - 1);
    g[j] = (uint32_t)(i + 1);
  }
  free(st->ihash);
  st->ihash = g;
  st->ihash_cap = ncap;
  return 0;
}

/* Returns the index of the (possibly merged) import, or -1 on OOM. */
static long add_import(state *st, mg_pk_via via, const char *module, const char *name,
                       const char *why, uint64_t off) {
  mg_pk_result *r = st->res;
  if (!module) {
    st->nomem = 1;
    return -1;
  }
  if (r->n_imports >= st->lim.max_imports) {
    /* Never drop one silently: everything past the cap is one unresolved
     * import, which the caller reports as dangerous. */
    module = "?";
    name = NULL;
    why = "more distinct imports than the limit; the rest were not classified";
  }
  if ((r->n_imports + 1) * 2 > st->ihash_cap && ihash_grow(st)) {
    st->nomem = 1;
    return -1;
  }
  size_t mask = st->ihash_cap - 1;
  size_t j = import_hash(module, name, why) & mask;
  for (; st->ihash[j]; j = (j + 1) & mask) {
    mg_pk_import *im = &r->imports[st->ihash[j] - 1];
    if (!strcmp(im->module, module) && same(im->name, name) && same(im->why, why)) {
      im->count++;
      return (long)(st->ihash[j] - 1);
    }
  }
  if (r->n_imports == st->icap) {
    size_t ncap = st->icap ? st->icap * 2 : 16;
    mg_pk_import *g = realloc(r->imports, ncap * sizeof *g);
    if (!g) {
      st->nomem = 1;
      return -1;
    }
    r->imports = g;
    st->icap = ncap;
  }
  mg_pk_import *im = &r->imports[r->n_imports];
  memset(im, 0, sizeof *im);
  im->module = (char *)module;
  im->name = (char *)name;
  im->why = why;
  im->via = via;
  im->offset = off;
  im->count = 1;
  st->ihash[j] = (uint32_t)(r->n_imports + 1);
  return (long)r->n_imports++;
}

static void push_import(state *st, long idx, uint64_t off) {
  item it = {K_IMPORT, 0, 0, NULL, 0, 0};
  if (idx < 0)
    return;
  it.imp = (uint32_t)idx;
  push(st, it, off);
}

/* A call applied to what the stack holds; returns the result item. */
static item call(state *st, item callee, const char *op, uint64_t off) {
  item res = {K_OTHER, 0, 0, NULL, 0, 0};
  if (callee.kind == K_IMPORT) {
    mg_pk_import *im = &st->res->imports[callee.imp];
    if (!im->calls++) {
      im->call_offset = off;
      im->call_op = op;
    }
    res.kind = K_CALL;
    res.imp = callee.imp;
  } else {
    st->res->dyn_calls++;
  }
  return res;
}

/* --- argument decoding ------------------------------------------------ */

static uint64_t le(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

/* Python's int() on a memo key line: whitespace, sign, digits, '_'. */
static int parse_key(const uint8_t *s, size_t n, uint64_t *out) {
  size_t i = 0;
  while (i < n && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')))
    i++;
  while (n > i && (s[n - 1] == ' ' || (s[n - 1] >= '\t' && s[n - 1] <= '\r')))
    n--;
  int neg = 0;
  if (i < n && (s[i] == '+' || s[i] == '-'))
    neg = s[i++] == '-';
  uint64_t v = 0;
  int digits = 0;
  for (; i < n; i++) {
    if (s[i] == '_' && digits && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9')
      continue;
    if (s[i] < '0' || s[i] > '9')
      return -1;
    if (v > (UINT64_MAX - 9) / 10)
      return -1;
    v = v * 10 + (uint64_t)(s[i] - '0');
    digits++;
  }
  if (!digits || (neg && v))
    return -1;
  *out = v;
  return 0;
}

static int hexval(uint8_t c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Protocol 0 STRING: a quoted Python literal, codecs.escape_decode'd. */
static int decode_string(state *st, const uint8_t *s, size_t n, item *out) {
  if (n < 2 || s[0] != s[n - 1] || (s[0] != '\'' && s[0] != '"'))
    return -1;
  s++;
  n -= 2;
  uint8_t *w = arena_alloc(st, n + 1);
  if (!w)
    return -1;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] != '\\' || i + 1 >= n) {
      w[k++] = s[i];
      continue;
    }
    uint8_t c = s[++i];
    switch (c) {
    case '\n':
      break;
    case 'a':
      w[k++] = 7;
      break;
    case 'b':
      w[k++] = 8;
      break;
    case 'f':
      w[k++] = 12;
      break;
    case 'n':
      w[k++] = 10;
      break;
    case 'r':
      w[k++] = 13;
      break;
    case 't':
      w[k++] = 9;
      break;
    case 'v':
      w[k++] = 11;
      break;
    case 'x':
      if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
        return -1;
      w[k++] = (uint8_t)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
      break;
    default:
      if (c >= '0' && c <= '7') {
        int v = c - '0';
        for (int d = 0; d < 2 && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7'; d++)
          v = v * 8 + (s[++i] - '0');
        w[k++] = (uint8_t)v;
      } else {
        w[k++] = '\\';
        w[k++] = c;
      }
    }
  }
  out->kind = K_STR;
  out->s = w;
  out->n = k;
  return 0;
}

static size_t utf8_put(uint8_t *w, uint32_t cp) {
  if (cp < 0x80) {
    w[0] = (uint8_t)cp;
    return 1;
  }
  if (cp < 0x800) {
    w[0] = (uint8_t)(0xc0 | cp >> 6);
    w[1] = (uint8_t)(0x80 | (cp & 63));
    return 2;
  }
  if (cp < 0x10000) {
    w[0] = (uint8_t)(0xe0 | cp >> 12);
    w[1] = (uint8_t)(0x80 | ((cp >> 6) & 63));
    w[2] = (uint8_t)(0x80 | (cp & 63));
    return 3;
  }
  w[0] = (uint8_t)(0xf0 | ((cp >> 18) & 7));
  w[1] = (uint8_t)(0x80 | ((cp >> 12) & 63));
  w[2] = (uint8_t)(0x80 | ((cp >> 6) & 63));
  w[3] = (uint8_t)(0x80 | (cp & 63));
  return 4;
}

/* Protocol 0 UNICODE: raw-unicode-escape (\uXXXX, \UXXXXXXXX, else latin-1). */
static int decode_unicode(state *st, const uint8_t *s, size_t n, item *out) {
  uint8_t *w = arena_alloc(st, n * 4 + 1);
  if (!w)
    return -1;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\\' && i + 1 < n && (s[i + 1] == 'u' || s[i + 1] == 'U')) {
      int digits = s[i + 1] == 'u' ? 4 : 8;
      if (i + 1 + (size_t)digits >= n)
        return -1;
      uint32_t cp = 0;
      for (int d = 0; d < digits; d++) {
        int h = hexval(s[i + 2 + d]);
        if (h < 0)
          return -1;
        cp = cp * 16 + (uint32_t)h;
      }
      if (cp > 0x10ffff)
        return -1;
      k += utf8_put(w + k, cp);
      i += 1 + (size_t)digits;
    } else {
      k += utf8_put(w + k, s[i]);
    }
  }
  out->kind = K_STR;
  out->s = w;
  out->n = k;
  return 0;
}

/* --- values joblib needs ----------------------------------------------- */

static int import_is(const state *st, uint32_t imp, const char *module, const char *name) {
  const mg_pk_import *im = &st->res->imports[imp];
  return im->name && !strcmp(im->module, module) && !strcmp(im->name, name);
}

static int is_joblib_wrapper(const state *st, uint32_t imp) {
  return import_is(st, imp, "joblib.numpy_pickle", "NumpyArrayWrapper") ||
         import_is(st, imp, "sklearn.externals.joblib.numpy_pickle", "NumpyArrayWrapper");
}

static item make_tuple(const item *el, size_t n) {
  item t = {K_TUPLE, F_ALLINT, 0, NULL, 0, 1};
  for (size_t i = 0; i < n; i++) {
    if (el[i].kind != K_INT || (el[i].flags & F_OVERFLOW)) {
      t.flags &= (uint8_t)~F_ALLINT;
    } else if (el[i].v && t.v > UINT64_MAX / el[i].v) {
      t.flags |= F_OVERFLOW;
    } else {
      t.v *= el[i].v;
    }
  }
  if (n && el[0].kind == K_STR) {
    t.s = el[0].s;
    t.n = el[0].n;
  }
  return t;
}

static int str_is(const item *it, const char *lit) {
  return it->kind == K_STR && it->n == strlen(lit) && !memcmp(it->s, lit, it->n);
}

static void dict_set(item *d, const item *key, const item *val) {
  if (!d || d->kind != K_DICT)
    return;
  if (str_is(key, "shape")) {
    if (val->kind == K_TUPLE && (val->flags & F_ALLINT) && !(val->flags & F_OVERFLOW)) {
      d->v = val->v;
      d->flags |= F_SHAPE;
    }
  } else if (str_is(key, "dtype")) {
    if (val->kind == K_DTYPE) {
      d->n = val->n;
      d->flags |= (uint8_t)(F_DTYPE | (val->flags & F_OBJECT));
    }
  } else if (str_is(key, "numpy_array_alignment_bytes")) {
    if (val->kind == K_INT)
      d->flags |= F_ALIGN;
    else
      d->flags &= (uint8_t)~F_ALIGN;
  }
}

/* numpy dtype strings as pickled: [<>|=]code[digits], e.g. "f8", "<U5", "O8". */
static int dtype_size(const uint8_t *s, size_t n, size_t *size, int *object) {
  size_t i = 0;
  if (i < n && (s[i] == '<' || s[i] == '>' || s[i] == '|' || s[i] == '='))
    i++;
  if (i >= n)
    return -1;
  uint8_t code = s[i++];
  uint64_t num = 0;
  int digits = 0;
  for (; i < n && s[i] >= '0' && s[i] <= '9' && num < 1000000; i++, digits++)
    num = num * 10 + (uint64_t)(s[i] - '0');
  if (i != n)
    return -1;
  *object = code == 'O';
  if (*object) {
    *size = 8;
    return 0;
  }
  if (!digits || !num || !strchr("biufcmMSUV?", code))
    return -1;
  *size = (size_t)(code == 'U' ? num * 4 : num);
  return 0;
}

static int dis(const uint8_t *data, size_t len, const mg_pk_limits *lim, mg_pk_result *res,
               unsigned depth);

/* Folds a nested reading's imports into this one, offsets shifted by base. */
static void merge(state *st, const mg_pk_result *sub, uint64_t base, int resolved_only) {
  for (size_t i = 0; i < sub->n_imports && !st->nomem; i++) {
    const mg_pk_import *im = &sub->imports[i];
    if (resolved_only && !im->name)
      continue;
    /* Strings of the nested reading die with it: copy all three. */
    size_t ml = strlen(im->module) + 1, nl = im->name ? strlen(im->name) + 1 : 0,
           wl = im->why ? strlen(im->why) + 1 : 0;
    char *m = (char *)arena_alloc(st, ml + nl + wl);
    if (!m)
      return;
    memcpy(m, im->module, ml);
    char *nm = NULL, *why = NULL;
    if (im->name) {
      nm = m + ml;
      memcpy(nm, im->name, nl);
    }
    if (im->why) {
      why = m + ml + nl;
      memcpy(why, im->why, wl);
    }
    long idx = add_import(st, im->via, m, nm, why, base + im->offset);
    if (idx < 0)
      return;
    mg_pk_import *t = &st->res->imports[idx];
    t->count += im->count - 1;
    if (im->calls && !t->calls) {
      t->call_offset = base + im->call_offset;
      t->call_op = im->call_op;
    }
    t->calls += im->calls;
  }
  if (!resolved_only) {
    st->res->dyn_calls += sub->dyn_calls;
    st->res->persids += sub->persids;
    if (sub->errors && !st->res->errors) {
      st->res->err_offset = base + sub->err_offset;
      memcpy(st->res->err_msg, sub->err_msg, sizeof st->res->err_msg);
    }
    st->res->errors += sub->errors;
  }
}

/* joblib writes each array right after its wrapper's BUILD: an object array
 * as a nested pickle, anything else as [pad byte, pad bytes,] raw data. Sets
 * *next to where the stream resumes; returns -1 when it cannot. */
static int joblib_skip(state *st, size_t p, const item *d, size_t *next) {
  mg_pk_result sub;
  if (st->depth >= 8) {
    problem(st, p, "joblib arrays nested too deep", NULL);
    return -1;
  }
  if (d->flags & F_OBJECT) {
    if (dis(st->base + p, st->len - p, &st->lim, &sub, st->depth + 1)) {
      st->nomem = 1;
      mg_pickle_result_free(&sub);
      return -1;
    }
    merge(st, &sub, p, 0);
    int ok = sub.complete;
    *next = p + (size_t)sub.end;
    mg_pickle_result_free(&sub);
    st->res->joblib_arrays++;
    return ok ? 0 : -1;
  }
  size_t q = p;
  if (d->flags & F_ALIGN) {
    if (q >= st->len) {
      problem(st, p, "joblib array padding truncated", NULL);
      return -1;
    }
    q += 1 + (size_t)st->base[q];
  }
  uint64_t bytes = d->v;
  if (d->n && bytes > UINT64_MAX / d->n) {
    problem(st, p, "joblib array size overflows", NULL);
    return -1;
  }
  bytes *= d->n;
  if (q > st->len || bytes > st->len - q) {
    problem(st, p, "joblib array data truncated", NULL);
    return -1;
  }
  *next = q + (size_t)bytes;
  /* pickle.load (not joblib.load) would read these bytes as opcodes: keep
   * whatever resolvable import that reading would make. */
  if (*next > p) {
    if (dis(st->base + p, *next - p, &st->lim, &sub, st->depth + 1)) {
      st->nomem = 1;
      mg_pickle_result_free(&sub);
      return -1;
    }
    merge(st, &sub, p, 1);
    mg_pickle_result_free(&sub);
  }
  st->res->joblib_arrays++;
  return 0;
}

/* --- the walk --------------------------------------------------------- */

static const char *why_operand(item it) {
  switch (it.kind) {
  case K_IMPORT:
    return "STACK_GLOBAL operand is an imported object, not a string";
  case K_CALL:
    return "STACK_GLOBAL operand is computed by a call at load time";
  case K_PERSID:
    return "STACK_GLOBAL operand is a persistent object";
  default:
    return "STACK_GLOBAL operand is not a string the scanner can resolve";
  }
}

static void do_stack_global(state *st, uint64_t off) {
  item name = pop(st, off);
  item module = pop(st, off);
  long idx;
  if (module.kind == K_STR && name.kind == K_STR) {
    idx = add_import(st, MG_PK_STACK_GLOBAL, printable(st, module.s, module.n),
                     printable(st, name.s, name.n), NULL, off);
  } else {
    item bad = module.kind != K_STR ? module : name;
    idx = add_import(st, MG_PK_STACK_GLOBAL, "?", NULL, why_operand(bad), off);
  }
  push_import(st, idx, off);
}

/* Reads "line\n" at p; returns its length without the newline or -1. */
static long line_at(const state *st, size_t p) {
  const uint8_t *nl = memchr(st->base + p, '\n', st->len - p);
  return nl ? (long)(nl - (st->base + p)) : -1;
}

static int walk(state *st) {
  mg_pk_result *r = st->res;
  size_t p = 0;
  while (p < st->len && !st->nomem) {
    size_t off = p;
    uint8_t op = st->base[p++];
    const char *name = opnames[op];
    size_t avail = st->len - p;
    r->ops++;
    if (!name) {
      char hex[8];
      snprintf(hex, sizeof hex, "0x%02x", op);
      problem(st, off, "unknown opcode", hex);
      r->fatal = 1;
      r->end = off;
      return 0;
    }
    /* Fixed-size arguments. */
    int fixed = 0;
    switch (op) {
    case 'K':
    case 'U':
    case 'h':
    case 'q':
    case 0x80:
    case 0x82:
    case 'C':
    case 0x8a:
    case 0x8c:
      fixed = 1;
      break;
    case 'M':
    case 0x83:
      fixed = 2;
      break;
    case 'J':
    case 'T':
    case 'X':
    case 'j':
    case 'r':
    case 0x84:
    case 0x8b:
    case 'B':
      fixed = 4;
      break;
    case 'G':
    case 0x8d:
    case 0x8e:
    case 0x95:
    case 0x96:
      fixed = 8;
      break;
    default:
      break;
    }
    if ((size_t)fixed > avail) {
      problem(st, off, "truncated argument of", name);
      r->fatal = 1;
      r->end = st->len;
      return 0;
    }
    const uint8_t *a = st->base + p;
    uint64_t arg = fixed ? le(a, fixed) : 0;
    p += (size_t)fixed;
    avail -= (size_t)fixed;

    /* Length-prefixed payloads. */
    uint64_t blen = 0;
    int has_blob = 0;
    switch (op) {
    case 'U':
    case 'C':
    case 0x8a:
    case 0x8c:
    case 'X':
    case 'B':
    case 0x8d:
    case 0x8e:
    case 0x96:
      blen = arg;
      has_blob = 1;
      break;
    case 'T':
    case 0x8b:
      if (arg & 0x80000000u) {
        problem(st, off, "negative length in", name);
        r->fatal = 1;
        r->end = off;
        return 0;
      }
      blen = arg;
      has_blob = 1;
      break;
    default:
      break;
    }
    if (has_blob && blen > avail) {
      problem(st, off, "truncated payload of", name);
      r->fatal = 1;
      r->end = st->len;
      return 0;
    }
    const uint8_t *blob = st->base + p;
    if (has_blob)
      p += (size_t)blen;

    /* Newline-terminated arguments. */
    const uint8_t *l1 = NULL, *l2 = NULL;
    long n1 = 0, n2 = 0;
    if (op && strchr("FILPSVgpci", op)) {
      n1 = line_at(st, p);
      if (n1 < 0) {
        problem(st, off, "truncated argument of", name);
        r->fatal = 1;
        r->end = st->len;
        return 0;
      }
      l1 = st->base + p;
      p += (size_t)n1 + 1;
      if (op == 'c' || op == 'i') {
        n2 = line_at(st, p);
        if (n2 < 0) {
          problem(st, off, "truncated argument of", name);
          r->fatal = 1;
          r->end = st->len;
          return 0;
        }
        l2 = st->base + p;
        p += (size_t)n2 + 1;
      }
    }

    item it = {K_OTHER, 0, 0, NULL, 0, 0};
    size_t cnt, first;
    uint64_t key;
    switch (op) {
    case '(':
      push_mark(st, off);
      break;
    case '.':
      (void)pop(st, off);
      r->complete = 1;
      r->end = p;
      return 0;
    case '0':
      if (st->sp > fence(st))
        st->sp--;
      else if (st->nmarks)
        st->nmarks--;
      else
        problem(st, off, "stack underflow", NULL);
      break;
    case '1':
      (void)pop_mark(st, off, &cnt);
      break;
    case '2': {
      item *t = top(st, off);
      push(st, t ? *t : unknown_item(), off);
      break;
    }
    case 'K':
    case 'M':
      it.kind = K_INT;
      it.v = arg;
      push(st, it, off);
      break;
    case 'J':
      it.kind = K_INT;
      it.v = arg;
      if (arg & 0x80000000u)
        it.flags = F_OVERFLOW; /* negative: no use as a size */
      push(st, it, off);
      break;
    case 'I':
      if (!parse_key(l1, (size_t)n1, &key)) {
        it.kind = K_INT;
        it.v = key;
      }
      push(st, it, off);
      break;
    case 0x8a:
      if (blen <= 8 && (!blen || !(blob[blen - 1] & 0x80))) {
        it.kind = K_INT;
        it.v = le(blob, (int)blen);
      }
      push(st, it, off);
      break;
    case 'N':
      it.kind = K_NONE;
      push(st, it, off);
      break;
    case ')':
      push(st, make_tuple(NULL, 0), off);
      break;
    case '}':
      it.kind = K_DICT;
      push(st, it, off);
      break;
    case 'F':
    case 'L':
    case 'G':
    case 0x88:
    case 0x89:
    case 0x8b:
    case ']':
    case 0x8f:
    case 0x96:
    case 0x97:
      push(st, it, off);
      break;
    case 'P':
      r->persids++;
      it.kind = K_PERSID;
      push(st, it, off);
      break;
    case 'Q':
      (void)pop(st, off);
      r->persids++;
      it.kind = K_PERSID;
      push(st, it, off);
      break;
    case 'R': {
      item args = pop(st, off);
      item callee = pop(st, off);
      item res = call(st, callee, name, off);
      size_t sz;
      int object;
      if (callee.kind == K_IMPORT && import_is(st, callee.imp, "numpy", "dtype") &&
          args.kind == K_TUPLE && args.s && !dtype_size(args.s, args.n, &sz, &object)) {
        res.kind = K_DTYPE;
        res.n = sz;
        res.flags = object ? F_OBJECT : 0;
      }
      push(st, res, off);
      break;
    }
    case 'S':
      if (decode_string(st, l1, (size_t)n1, &it)) {
        if (st->nomem)
          return 0;
        problem(st, off, "STRING argument is not a quoted literal", NULL);
        it = unknown_item();
      }
      push(st, it, off);
      break;
    case 'V':
      if (decode_unicode(st, l1, (size_t)n1, &it)) {
        if (st->nomem)
          return 0;
        problem(st, off, "UNICODE argument has a bad escape", NULL);
        it = unknown_item();
      }
      push(st, it, off);
      break;
    case 'T':
    case 'U':
    case 'X':
    case 'B':
    case 'C':
    case 0x8c:
    case 0x8d:
    case 0x8e:
      it.kind = K_STR;
      it.s = blob;
      it.n = (size_t)blen;
      push(st, it, off);
      break;
    case 'a':
      (void)pop(st, off);
      (void)top(st, off);
      break;
    case 'b': {
      item stt = pop(st, off);
      item *obj = top(st, off);
      if (obj && (obj->kind == K_CALL || obj->kind == K_IMPORT)) {
        item cls = *obj;
        cls.kind = K_IMPORT;
        (void)call(st, cls, name, off);
      }
      if (obj && obj->kind == K_CALL && is_joblib_wrapper(st, obj->imp) && stt.kind == K_DICT &&
          (stt.flags & (F_SHAPE | F_DTYPE)) == (F_SHAPE | F_DTYPE)) {
        size_t next = p;
        if (joblib_skip(st, p, &stt, &next)) {
          if (!st->nomem && !r->errors)
            problem(st, p, "joblib array data could not be skipped", NULL);
          r->fatal = 1;
          r->end = next > p ? next : p;
          return 0;
        }
        p = next;
      }
      break;
    }
    case 'c':
    case 'i': {
      long idx =
          add_import(st, op == 'c' ? MG_PK_GLOBAL : MG_PK_INST, printable(st, l1, (size_t)n1),
                     printable(st, l2, (size_t)n2), NULL, off);
      if (idx < 0)
        return 0;
      it.kind = K_IMPORT;
      it.imp = (uint32_t)idx;
      if (op == 'i') {
        (void)pop_mark(st, off, &cnt);
        it = call(st, it, name, off);
      }
      push(st, it, off);
      break;
    }
    case 't':
      first = pop_mark(st, off, &cnt);
      push(st, make_tuple(cnt ? st->stack + first : NULL, cnt), off);
      break;
    case 'd':
      first = pop_mark(st, off, &cnt);
      it.kind = K_DICT;
      for (size_t i = 0; i + 1 < cnt; i += 2)
        dict_set(&it, &st->stack[first + i], &st->stack[first + i + 1]);
      push(st, it, off);
      break;
    case 'l':
    case 0x91:
      (void)pop_mark(st, off, &cnt);
      push(st, it, off);
      break;
    case 'u': {
      first = pop_mark(st, off, &cnt);
      item *d = top(st, off);
      for (size_t i = 0; d && i + 1 < cnt; i += 2)
        dict_set(d, &st->stack[first + i], &st->stack[first + i + 1]);
      break;
    }
    case 'e':
    case 0x90:
      (void)pop_mark(st, off, &cnt);
      (void)top(st, off);
      break;
    case 'g':
    case 'h':
    case 'j': {
      if (op == 'g') {
        if (parse_key(l1, (size_t)n1, &key)) {
          problem(st, off, "GET argument is not an integer", NULL);
          push(st, it, off);
          break;
        }
      } else {
        key = arg;
      }
      memo_slot *s = memo_find(st, key);
      if (!s)
        problem(st, off, "memo key never stored, read by", name);
      push(st, s ? s->val : it, off);
      break;
    }
    case 'p':
    case 'q':
    case 'r':
    case 0x94: {
      if (op == 'p') {
        if (parse_key(l1, (size_t)n1, &key)) {
          problem(st, off, "PUT argument is not a non-negative integer", NULL);
          break;
        }
      } else if (op == 0x94) {
        key = st->memo_count;
      } else {
        key = arg;
      }
      item *t = top(st, off);
      if (t)
        memo_put(st, key, *t, off);
      break;
    }
    case 'o': {
      first = pop_mark(st, off, &cnt);
      if (!cnt) {
        problem(st, off, "OBJ without a class", NULL);
        it = call(st, unknown_item(), name, off);
      } else {
        it = call(st, st->stack[first], name, off);
      }
      push(st, it, off);
      break;
    }
    case 's': {
      item val = pop(st, off);
      item k = pop(st, off);
      dict_set(top(st, off), &k, &val);
      break;
    }
    case 0x80:
      if (r->protocol < 0)
        r->protocol = (int)arg;
      if (arg > 5)
        problem(st, off, "unsupported protocol", NULL);
      break;
    case 0x81: {
      (void)pop(st, off);
      item cls = pop(st, off);
      push(st, call(st, cls, name, off), off);
      break;
    }
    case 0x92: {
      (void)pop(st, off);
      (void)pop(st, off);
      item cls = pop(st, off);
      push(st, call(st, cls, name, off), off);
      break;
    }
    case 0x82:
    case 0x83:
    case 0x84: {
      char why[96];
      snprintf(why, sizeof why, "extension registry code %llu (%s)", (unsigned long long)arg, name);
      char *w = (char *)arena_alloc(st, strlen(why) + 1);
      if (!w)
        return 0;
      memcpy(w, why, strlen(why) + 1);
      push_import(st, add_import(st, MG_PK_EXT, "?", NULL, w, off), off);
      break;
    }
    case 0x85:
    case 0x86:
    case 0x87: {
      item el[3];
      int k = op - 0x84;
      for (int i = k - 1; i >= 0; i--)
        el[i] = pop(st, off);
      push(st, make_tuple(el, (size_t)k), off);
      break;
    }
    case 0x93:
      do_stack_global(st, off);
      break;
    case 0x95:
      if (arg > avail)
        problem(st, off, "FRAME longer than the data", NULL);
      break;
    case 0x98:
      (void)top(st, off);
      break;
    default:
      break;
    }
  }
  r->end = st->len;
  if (!st->nomem)
    problem(st, st->len, "pickle ends without STOP", NULL);
  return 0;
}

int mg_pickle_dis(const uint8_t *data, size_t len, const mg_pk_limits *lim, mg_pk_result *res) {
  return dis(data, len, lim, res, 0);
}

static int dis(const uint8_t *data, size_t len, const mg_pk_limits *lim, mg_pk_result *res,
               unsigned depth) {
  memset(res, 0, sizeof *res);
  res->protocol = -1;
  state st;
  memset(&st, 0, sizeof st);
  st.base = data;
  st.len = data ? len : 0;
  st.lim = *lim;
  if (st.lim.max_stack < 64)
    st.lim.max_stack = 64;
  if (st.lim.max_imports < 1)
    st.lim.max_imports = 1;
  st.res = res;
  st.depth = depth;
  priv *pv = calloc(1, sizeof *pv);
  if (!pv)
    return -1;
  res->priv = pv;
  walk(&st);
  pv->arena = st.arena;
  free(st.stack);
  free(st.marks);
  free(st.memo);
  free(st.ihash);
  return st.nomem ? -1 : 0;
}

void mg_pickle_result_free(mg_pk_result *res) {
  if (!res)
    return;
  priv *pv = res->priv;
  if (pv) {
    arena_block *b = pv->arena;
    while (b) {
      arena_block *n = b->next;
      free(b);
      b = n;
    }
    free(pv);
  }
  free(res->imports);
  memset(res, 0, sizeof *res);
}
