/* See textutil.h. Everything here is per-row work of 1,000,000-row scans,
 * so the tokeniser and hashes reuse their buffers and allocate nothing once
 * warm. */
#include "config.h"

#include "textutil.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgd.h"

uint64_t tu_hash_bytes(const char *s, size_t len, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ULL ^ seed;
  for (size_t i = 0; i < len; i++)
    h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
  h = tu_mix64(h);
  return h ? h : 1;
}

static int word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

static int grow_tokens(tu_tokens *t) {
  size_t cap = t->cap ? t->cap * 2 : 64;
  uint64_t *h = realloc(t->hash, cap * sizeof *h);
  if (!h)
    return -1;
  t->hash = h;
  uint32_t *st = realloc(t->start, cap * sizeof *st);
  if (!st)
    return -1;
  t->start = st;
  uint32_t *ln = realloc(t->len, cap * sizeof *ln);
  if (!ln)
    return -1;
  t->len = ln;
  uint8_t *se = realloc(t->sent_end, cap);
  if (!se)
    return -1;
  t->sent_end = se;
  t->cap = cap;
  return 0;
}

int tu_tokenize(tu_tokens *t, const char *s) {
  t->n = 0;
  t->truncated = 0;
  t->punct[0] = t->punct[1] = 0;
  if (!s)
    return 0;
  size_t max = t->max_tokens ? t->max_tokens : 100000;
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (p[i]) {
    if (!word_byte(p[i])) {
      if (t->n && (p[i] == '.' || p[i] == '!' || p[i] == '?' || p[i] == '\n'))
        t->sent_end[t->n - 1] = 1;
      if (p[i] > 0x20 && p[i] < 0x7f)
        t->punct[p[i] >> 6] |= (uint64_t)1 << (p[i] & 63);
      i++;
      continue;
    }
    size_t b = i;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; word_byte(p[i]); i++) {
      unsigned char c = p[i];
      if (c >= 'A' && c <= 'Z')
        c = (unsigned char)(c - 'A' + 'a');
      h = (h ^ c) * 0x100000001b3ULL;
    }
    if (t->n >= max || i - b > UINT32_MAX || b > UINT32_MAX) {
      t->truncated++;
      continue;
    }
    if (t->n == t->cap && grow_tokens(t))
      return -1;
    h = tu_mix64(h);
    t->hash[t->n] = h ? h : 1;
    t->start[t->n] = (uint32_t)b;
    t->len[t->n] = (uint32_t)(i - b);
    t->sent_end[t->n] = 0;
    t->n++;
  }
  if (t->n)
    t->sent_end[t->n - 1] = 1;
  return 0;
}

void tu_tokens_free(tu_tokens *t) {
  free(t->hash);
  free(t->start);
  free(t->len);
  free(t->sent_end);
  memset(t, 0, sizeof *t);
}

uint64_t tu_ngram_hash(const tu_tokens *t, size_t i, size_t order) {
  uint64_t h = tu_mix64(0x9e3779b97f4a7c15ULL * (uint64_t)order);
  for (size_t j = 0; j < order; j++)
    h = tu_mix64(h * 0x100000001b3ULL + t->hash[i + j]);
  return h ? h : 1;
}

static uint64_t seq_hash(const tu_tokens *t, size_t first, size_t count, uint64_t seed) {
  uint64_t h = seed;
  for (size_t j = 0; j < count; j++)
    h = tu_mix64(h * 0x100000001b3ULL + t->hash[first + j]);
  return h ? h : 1;
}

uint64_t tu_sentence_hash(const tu_tokens *t, size_t first, size_t count) {
  return seq_hash(t, first, count, 0x5e47e9ce5e47e9ceULL);
}

uint64_t tu_normal_hash(const tu_tokens *t) {
  return t->n ? seq_hash(t, 0, t->n, 0x40a11a1cedULL) : 0;
}

void tu_sentences(const tu_tokens *t, size_t min_tokens, tu_sentence_fn fn, void *user) {
  size_t first = 0;
  for (size_t i = 0; i < t->n; i++) {
    if (!t->sent_end[i])
      continue;
    size_t count = i + 1 - first;
    if (count >= min_tokens)
      fn(user, first, count);
    first = i + 1;
  }
}

/* ---- extension */

/* The majority value among v[0..m) (Boyer-Moore) and how often it occurs. */
static uint64_t majority(const uint64_t *v, size_t m, size_t *count) {
  uint64_t w = 0;
  size_t votes = 0;
  for (size_t i = 0; i < m; i++) {
    if (!votes)
      w = v[i];
    if (v[i] == w)
      votes++;
    else
      votes--;
  }
  *count = 0;
  for (size_t i = 0; i < m; i++)
    *count += v[i] == w;
  return w;
}

void tu_extend(const uint64_t *const *h, const size_t *len, const long *at, size_t n, size_t ntok,
               size_t max, long *lo, long *hi, uint64_t *ext) {
  *lo = 0;
  *hi = (long)ntok;
  if (!n)
    return;
  for (size_t k = 0; k < ntok && k < max; k++)
    ext[k] = h[0][at[0] + (long)k];
  uint64_t *cand = malloc(n * sizeof *cand);
  if (!cand)
    return; /* no extension: the phrase alone */
  for (int side = 0; side < 2; side++)
    while ((size_t)(*hi - *lo) < max) {
      size_t m = 0, count;
      for (size_t i = 0; i < n; i++) {
        long k = side ? at[i] + *hi : at[i] + *lo - 1;
        if (k >= 0 && (size_t)k < len[i])
          cand[m++] = h[i][k];
      }
      uint64_t w = majority(cand, m, &count);
      if (!m || count * 2 <= n)
        break;
      if (side) {
        ext[*hi - *lo] = w;
        (*hi)++;
      } else {
        memmove(ext + 1, ext, (size_t)(*hi - *lo) * sizeof *ext);
        ext[0] = w;
        (*lo)--;
      }
    }
  if ((size_t)(*hi - *lo) > max)
    *hi = *lo + (long)max;
  free(cand);
}

/* ---- map */

int tu_map_init(tu_map *m, size_t expected) {
  size_t cap = 64;
  while (cap < expected * 2 && cap < ((size_t)1 << 40))
    cap *= 2;
  m->keys = calloc(cap, sizeof *m->keys);
  m->ids = malloc(cap * sizeof *m->ids);
  m->cap = cap;
  m->n = 0;
  if (!m->keys || !m->ids) {
    tu_map_free(m);
    return -1;
  }
  return 0;
}

void tu_map_free(tu_map *m) {
  free(m->keys);
  free(m->ids);
  memset(m, 0, sizeof *m);
}

static uint64_t nonzero(uint64_t k) {
  return k ? k : 1;
}

uint32_t tu_map_get(const tu_map *m, uint64_t key) {
  if (!m->cap)
    return UINT32_MAX;
  key = nonzero(key);
  size_t mask = m->cap - 1;
  for (size_t i = (size_t)tu_mix64(key) & mask;; i = (i + 1) & mask) {
    if (m->keys[i] == key)
      return m->ids[i];
    if (!m->keys[i])
      return UINT32_MAX;
  }
}

static int map_grow(tu_map *m) {
  tu_map g;
  if (m->cap > ((size_t)-1) / 4 || tu_map_init(&g, m->cap))
    return -1;
  size_t mask = g.cap - 1;
  for (size_t i = 0; i < m->cap; i++) {
    if (!m->keys[i])
      continue;
    size_t j = (size_t)tu_mix64(m->keys[i]) & mask;
    while (g.keys[j])
      j = (j + 1) & mask;
    g.keys[j] = m->keys[i];
    g.ids[j] = m->ids[i];
  }
  g.n = m->n;
  tu_map_free(m);
  *m = g;
  return 0;
}

uint32_t tu_map_put(tu_map *m, uint64_t key, int *added) {
  if (added)
    *added = 0;
  if (!m->cap && tu_map_init(m, 16))
    return UINT32_MAX;
  key = nonzero(key);
  size_t mask = m->cap - 1;
  size_t i = (size_t)tu_mix64(key) & mask;
  for (; m->keys[i]; i = (i + 1) & mask)
    if (m->keys[i] == key)
      return m->ids[i];
  if (m->n >= UINT32_MAX - 1)
    return UINT32_MAX;
  if ((m->n + 1) * 4 > m->cap * 3) { /* keep the load under 3/4 */
    if (map_grow(m))
      return UINT32_MAX;
    return tu_map_put(m, key, added);
  }
  m->keys[i] = key;
  m->ids[i] = (uint32_t)m->n;
  if (added)
    *added = 1;
  return (uint32_t)m->n++;
}

uint32_t tu_uf_find(uint32_t *p, uint32_t x) {
  while (p[x] != x) {
    p[x] = p[p[x]];
    x = p[x];
  }
  return x;
}

void tu_uf_unite(uint32_t *p, uint32_t a, uint32_t b) {
  a = tu_uf_find(p, a);
  b = tu_uf_find(p, b);
  if (a != b)
    p[a < b ? b : a] = a < b ? a : b;
}

int tu_reserve(void **p, size_t *cap, size_t need, size_t size) {
  if (need <= *cap)
    return 0;
  size_t c = *cap ? *cap : 16;
  while (c < need) {
    if (c > ((size_t)-1) / 2)
      return -1;
    c *= 2;
  }
  if (size && c > ((size_t)-1) / size)
    return -1;
  void *q = realloc(*p, c * size);
  if (!q)
    return -1;
  *p = q;
  *cap = c;
  return 0;
}

/* ---- MinHash */

void tu_minhash(const uint64_t *shingles, size_t n, uint32_t *sig, size_t k) {
  for (size_t j = 0; j < k; j++)
    sig[j] = UINT32_MAX;
  for (size_t i = 0; i < n; i++) {
    uint64_t s = shingles[i];
    for (size_t j = 0; j < k; j++) {
      uint32_t v = (uint32_t)(tu_mix64(s ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(j + 1))) >> 32);
      if (v < sig[j])
        sig[j] = v;
    }
  }
}

double tu_minhash_similarity(const uint32_t *a, const uint32_t *b, size_t k) {
  size_t eq = 0;
  for (size_t j = 0; j < k; j++)
    eq += a[j] == b[j];
  return k ? (double)eq / (double)k : 0.0;
}

double tu_jaccard_sorted(const uint64_t *a, size_t na, const uint64_t *b, size_t nb) {
  size_t i = 0, j = 0, both = 0;
  while (i < na && j < nb) {
    if (a[i] == b[j]) {
      both++;
      i++;
      j++;
    } else if (a[i] < b[j]) {
      i++;
    } else {
      j++;
    }
  }
  size_t uni = na + nb - both;
  return uni ? (double)both / (double)uni : 0.0;
}

/* A quicksort specialised to 64-bit keys (no comparison callback: this
 * runs for every row of a million-row scan), median of three, insertion
 * sort below 24 elements, recursion on the smaller side only. */
static void sort_u64(uint64_t *v, size_t n) {
  while (n > 24) {
    uint64_t a = v[0], b = v[n / 2], c = v[n - 1];
    uint64_t pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
    size_t i = 0, j = n - 1;
    for (;;) {
      while (v[i] < pivot)
        i++;
      while (v[j] > pivot)
        j--;
      if (i >= j)
        break;
      uint64_t t = v[i];
      v[i++] = v[j];
      v[j--] = t;
    }
    size_t left = j + 1;
    if (left < n - left) {
      sort_u64(v, left);
      v += left;
      n -= left;
    } else {
      sort_u64(v + left, n - left);
      n = left;
    }
  }
  for (size_t i = 1; i < n; i++) {
    uint64_t x = v[i];
    size_t j = i;
    for (; j > 0 && v[j - 1] > x; j--)
      v[j] = v[j - 1];
    v[j] = x;
  }
}

size_t tu_sort_unique(uint64_t *v, size_t n) {
  if (n < 2)
    return n;
  sort_u64(v, n);
  size_t k = 1;
  for (size_t i = 1; i < n; i++)
    if (v[i] != v[k - 1])
      v[k++] = v[i];
  return k;
}

/* ---- URLs and commands */

static int url_byte(unsigned char c) {
  return c > 0x20 && c != '"' && c != '\'' && c != '<' && c != '>' && c != '`' && c != ')' &&
         c != ']' && c != '}' && c != '|' && c != '\\';
}

static size_t url_end(const char *s, size_t at) {
  size_t e = at;
  while (url_byte((unsigned char)s[e]))
    e++;
  while (e > at && strchr(".,;:!?", s[e - 1]))
    e--;
  return e;
}

/* Shell-command openers: a download, a pipe into a shell, destructive or
 * permission-changing commands, encoded payloads, reverse shells. */
static const char *const commands[] = {"curl ",  "wget ",     "| sh",     "|sh",       "| bash",
                                       "|bash",  "rm -rf",    "chmod +x", "chmod 777", "powershell",
                                       "nc -e",  "base64 -d", "bash -c",  "sh -c",     "/dev/tcp/",
                                       "mkfifo", "sudo ",     NULL};

static size_t match_ci(const char *s, const char *pat) {
  size_t i = 0;
  for (; pat[i]; i++)
    if (tolower((unsigned char)s[i]) != pat[i])
      return 0;
  return i;
}

void tu_artifacts(const char *s, tu_artifact_fn fn, void *user) {
  if (!s)
    return;
  size_t cmd_end = 0; /* commands inside a reported one are not repeated */
  for (size_t i = 0; s[i]; i++) {
    unsigned char c = (unsigned char)s[i];
    int at_word = i == 0 || !word_byte((unsigned char)s[i - 1]);
    if (at_word && (c == 'h' || c == 'f' || c == 'H' || c == 'F')) {
      size_t m = match_ci(s + i, "https://");
      if (!m)
        m = match_ci(s + i, "http://");
      if (!m)
        m = match_ci(s + i, "ftp://");
      if (m && url_byte((unsigned char)s[i + m])) {
        size_t e = url_end(s, i + m);
        fn(user, TU_URL, s, i, e - i);
        i = e - 1;
        continue;
      }
    }
    if (at_word && (c == 'w' || c == 'W') && match_ci(s + i, "www.") &&
        word_byte((unsigned char)s[i + 4])) {
      size_t e = url_end(s, i + 4);
      fn(user, TU_URL, s, i, e - i);
      i = e - 1;
      continue;
    }
    if (i < cmd_end || !(at_word || c == '|' || c == '/'))
      continue;
    for (const char *const *p = commands; *p; p++) {
      if (!match_ci(s + i, *p))
        continue;
      size_t e = i;
      while (s[e] && s[e] != '\n' && e - i < 300)
        e++;
      while (e > i && (s[e - 1] == ' ' || s[e - 1] == '.'))
        e--;
      fn(user, TU_COMMAND, s, i, e - i);
      cmd_end = e;
      break;
    }
  }
}

/* ---- URL hosts */

int tu_url_host(const char *s, char *host, size_t size) {
  if (!s || !size)
    return -1;
  const char *p = strstr(s, "://");
  if (!p || p == s)
    return -1;
  for (const char *c = s; c < p; c++) /* the scheme: letters, digits, + - . */
    if (!isalnum((unsigned char)*c) && *c != '+' && *c != '-' && *c != '.')
      return -1;
  p += 3;
  size_t end = strcspn(p, "/?#");
  const char *at = memchr(p, '@', end);
  if (at) { /* user info */
    end -= (size_t)(at + 1 - p);
    p = at + 1;
  }
  size_t n = end;
  if (n && p[0] == '[') { /* [IPv6][:port] */
    const char *close = memchr(p, ']', end);
    if (!close)
      return -1;
    n = (size_t)(close - p) + 1;
  } else {
    const char *colon = memchr(p, ':', end);
    if (colon)
      n = (size_t)(colon - p);
  }
  if (n && p[n - 1] == '.')
    n--;
  if (!n || n >= size)
    return -1;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c <= 0x20 || c == 0x7f)
      return -1;
    host[i] = (char)tolower(c);
  }
  host[n] = '\0';
  return 0;
}

int tu_host_under(const char *host, const char *name) {
  size_t h = strlen(host), n = strlen(name);
  if (!n || h < n || strcmp(host + h - n, name))
    return 0;
  return h == n || host[h - n - 1] == '.';
}

int tu_host_is_ip(const char *host) {
  if (host[0] == '[')
    return 1;
  int dots = 0, digits = 0;
  for (const char *c = host; *c; c++) {
    if (*c == '.') {
      if (!digits)
        return 0;
      dots++;
      digits = 0;
    } else if (*c >= '0' && *c <= '9') {
      if (++digits > 3)
        return 0;
    } else {
      return 0;
    }
  }
  return dots == 3 && digits;
}

/* ---- evidence */

void tu_excerpt(const char *s, size_t max, char *buf) {
  if (!s) {
    buf[0] = '\0';
    return;
  }
  size_t n = strlen(s);
  if (n <= max) {
    memcpy(buf, s, n + 1);
    return;
  }
  size_t cut = max;
  while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
    cut--; /* not inside a UTF-8 character */
  memcpy(buf, s, cut);
  memcpy(buf + cut, "...", 4);
}

/* ---- severity */

mg_severity tu_severity(double p, int untrusted) {
  if (!untrusted)
    return mgd_severity_of_p(p);
  if (!(p <= TU_STRICT_P_LOW))
    return MG_SEV_INFO;
  return p <= TU_STRICT_P_HIGH ? MG_SEV_HIGH : p <= TU_STRICT_P_MEDIUM ? MG_SEV_MEDIUM : MG_SEV_LOW;
}

void tu_ladder(int untrusted, double levels[3]) {
  levels[0] = untrusted ? TU_STRICT_P_HIGH : MGD_P_HIGH;
  levels[1] = untrusted ? TU_STRICT_P_MEDIUM : MGD_P_MEDIUM;
  levels[2] = untrusted ? TU_STRICT_P_LOW : MGD_P_LOW;
}

double tu_alpha(int untrusted) {
  return untrusted ? TU_STRICT_P_LOW : MGD_P_LOW;
}

/* ---- reading */

int tu_have_text(const mg_services *svc) {
  return svc->struct_size >= offsetof(mg_services, text_read) + sizeof svc->text_read &&
         svc->text_count && svc->text_info && svc->text_read;
}

int tu_require_text(const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin) {
  if (tu_have_text(svc))
    return MG_OK;
  svc->log(ctx, MG_LOG_ERROR, "%s: the host has no text services (plugin ABI 1.1)", plugin);
  return MG_ERR_UNSUPPORTED;
}

int tu_open(tu_dataset *d, const mg_services *svc, mg_plugin_ctx *ctx, size_t index) {
  memset(d, 0, sizeof *d);
  d->svc = svc;
  d->ctx = ctx;
  d->index = index;
  d->info.struct_size = sizeof d->info;
  int rc = svc->text_info(ctx, index, &d->info);
  if (rc)
    return rc;
  const char *u = svc->option(ctx, "untrusted");
  d->strict = d->info.untrusted || (u && !strcmp(u, "1"));
  return MG_OK;
}

#define TU_BATCH 4096

int tu_for_rows(const tu_dataset *d, const char *stage, tu_rows_fn fn, void *user) {
  mg_text_row *rows = malloc(TU_BATCH * sizeof *rows);
  if (!rows)
    return MG_ERR_NOMEM;
  int rc = MG_OK;
  uint64_t total = d->info.count;
  for (uint64_t first = 0; !rc && first < total; first += TU_BATCH) {
    size_t n = total - first < TU_BATCH ? (size_t)(total - first) : TU_BATCH;
    memset(rows, 0, n * sizeof *rows);
    for (size_t i = 0; i < n; i++)
      rows[i].struct_size = sizeof rows[i];
    rc = d->svc->text_read(d->ctx, d->index, first, n, rows);
    if (!rc)
      rc = fn(user, rows, n);
    if (stage)
      d->svc->progress(d->ctx, stage, first + n, total);
  }
  free(rows);
  return rc;
}

int tu_read_row(const tu_dataset *d, uint64_t index, mg_text_row *row) {
  memset(row, 0, sizeof *row);
  row->struct_size = sizeof *row;
  return d->svc->text_read(d->ctx, d->index, index, 1, row);
}
