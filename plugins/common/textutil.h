/* Text helpers shared by the text detector plugins (text-triggers,
 * instruction-triggers, text-label-consistency, annotator-audit,
 * source-provenance): a tokeniser over UTF-8 that never allocates per row,
 * 64-bit hashes of words, n-grams and sentences, an open-addressing table
 * from 64-bit keys to dense ids, MinHash signatures, URL and shell-command
 * spotting, bounded excerpts for evidence, and batched reading of a text
 * dataset through the host's text_read service. Public plugin ABI only. */
#ifndef MG_PLUGINS_TEXTUTIL_H
#define MG_PLUGINS_TEXTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <modelgate/modelgate.h>

/* ---- hashing */

/* splitmix64's finaliser: a bijective, well-mixed 64-bit hash step. */
static inline uint64_t tu_mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Hash of len bytes (FNV-1a, then mixed); never 0 (0 marks empty slots). */
uint64_t tu_hash_bytes(const char *s, size_t len, uint64_t seed);

/* ---- tokens: maximal runs of ASCII letters and digits or of non-ASCII
 * bytes (UTF-8 letters of other scripts stay whole), ASCII lower-cased
 * for the hash. Everything else separates. */
typedef struct tu_tokens {
  uint64_t *hash;    /* per token */
  uint32_t *start;   /* byte offset in the text */
  uint32_t *len;     /* bytes */
  uint8_t *sent_end; /* 1 when a sentence ends after this token (. ! ? or end) */
  size_t n, cap;
  size_t max_tokens; /* tokens beyond are dropped (counted in truncated) */
  size_t truncated;
  /* The ASCII punctuation bytes the text holds (bit c of punct[c >> 6]):
   * its format ("term: definition", "Q: ... A: ...", quotes, dashes),
   * which the words alone do not show. */
  uint64_t punct[2];
} tu_tokens;

/* Tokens of s into t, reusing its buffers (no allocation once warm).
 * Returns 0, or -1 when out of memory. A NULL s gives no tokens. */
int tu_tokenize(tu_tokens *t, const char *s);
void tu_tokens_free(tu_tokens *t);

/* The hash of the n-gram of `order` tokens starting at token i; different
 * orders never collide by construction (the order seeds the hash). */
uint64_t tu_ngram_hash(const tu_tokens *t, size_t i, size_t order);

/* Sentences of at least min_tokens tokens: calls fn with the sentence's
 * first token and token count. */
typedef void (*tu_sentence_fn)(void *user, size_t first, size_t count);
void tu_sentences(const tu_tokens *t, size_t min_tokens, tu_sentence_fn fn, void *user);
/* Hash of tokens [first, first + count) as a sentence (own seed). */
uint64_t tu_sentence_hash(const tu_tokens *t, size_t first, size_t count);
/* Hash of the whole token sequence: the text "normalised" (case,
 * punctuation and spacing ignored). 0 for no tokens. */
uint64_t tu_normal_hash(const tu_tokens *t);

/* ---- phrase extension */
/* A phrase of ntok words found at at[i] in the word-hash arrays h[i] (of
 * len[i] words) of n sampled rows: extends it left and right over the
 * words that most (more than half) of the n rows share at that offset, up
 * to max words. *lo <= 0 and *hi >= ntok are the extended bounds relative to
 * each occurrence; ext[0 .. *hi - *lo) the extended words' hashes (the
 * first row's for the phrase itself). ext holds max entries. */
void tu_extend(const uint64_t *const *h, const size_t *len, const long *at, size_t n, size_t ntok,
               size_t max, long *lo, long *hi, uint64_t *ext);

/* ---- key -> dense id table (open addressing, linear probing, keys != 0) */
typedef struct tu_map {
  uint64_t *keys;
  uint32_t *ids;
  size_t cap, n; /* cap a power of two */
} tu_map;

int tu_map_init(tu_map *m, size_t expected);
void tu_map_free(tu_map *m);
/* The id of key, or UINT32_MAX when absent. */
uint32_t tu_map_get(const tu_map *m, uint64_t key);
/* The id of key, inserting it with id m->n (before the call) when absent;
 * *added says which. UINT32_MAX when out of memory or full (2^32 - 1). */
uint32_t tu_map_put(tu_map *m, uint64_t key, int *added);

/* ---- union-find over row ids (parent[i] = i to start): the root, with
 * path halving; uniting keeps the smaller id as the root */
uint32_t tu_uf_find(uint32_t *parent, uint32_t x);
void tu_uf_unite(uint32_t *parent, uint32_t a, uint32_t b);

/* ---- growable arrays of POD elements */
/* Ensures room for `need` elements of `size` bytes at *p (capacity *cap);
 * doubles. 0 or -1 (out of memory, or the size overflows). */
int tu_reserve(void **p, size_t *cap, size_t need, size_t size);

/* ---- MinHash: k 32-bit minima of mixed shingle hashes */
void tu_minhash(const uint64_t *shingles, size_t n, uint32_t *sig, size_t k);
/* The fraction of equal positions: an estimate of the Jaccard similarity. */
double tu_minhash_similarity(const uint32_t *a, const uint32_t *b, size_t k);
/* Exact Jaccard similarity of two sorted, deduplicated hash arrays. */
double tu_jaccard_sorted(const uint64_t *a, size_t na, const uint64_t *b, size_t nb);
/* Sorts and deduplicates v in place; returns the new length. */
size_t tu_sort_unique(uint64_t *v, size_t n);

/* ---- URLs and shell commands in text */
typedef enum tu_artifact_kind { TU_URL = 1, TU_COMMAND = 2 } tu_artifact_kind;
/* Calls fn for each URL (scheme://..., www....) and each shell-command
 * pattern (a download piped to a shell, rm -rf, chmod +x, an encoded
 * PowerShell, ...) in s: kind, byte offset and length of the match. */
typedef void (*tu_artifact_fn)(void *user, tu_artifact_kind kind, const char *s, size_t off,
                               size_t len);
void tu_artifacts(const char *s, tu_artifact_fn fn, void *user);

/* The host of a URL (scheme://[user@]host[:port][/...]), lower-cased, a
 * trailing dot dropped, an IPv6 literal kept in brackets, into host (size
 * bytes). 0, or -1 when s is not such a URL or the host does not fit. */
int tu_url_host(const char *s, char *host, size_t size);
/* Whether host is name or a name under it ("a.b.c" is under "b.c"). */
int tu_host_under(const char *host, const char *name);
/* Whether host is an IP address literal (IPv4 dotted quad, or [IPv6]). */
int tu_host_is_ip(const char *host);

/* ---- evidence text */
/* At most max bytes of s (cut at a UTF-8 character boundary, "..."
 * appended when cut) into buf of max + 4 bytes. NULL s gives "". */
void tu_excerpt(const char *s, size_t max, char *buf);

/* ---- severity: an adjusted p-value on the detectors' ladder (high at
 * 1e-6, medium 1e-3, low 1e-2); for an untrusted dataset (public or
 * user-submitted provenance, CTL-14) the stricter ladder: high at 1e-3,
 * medium 1e-2, low 5e-2. */
#define TU_STRICT_P_HIGH 1e-3
#define TU_STRICT_P_MEDIUM 1e-2
#define TU_STRICT_P_LOW 5e-2
mg_severity tu_severity(double p_adj, int untrusted);
/* The ladder itself: levels[0..2] = the adjusted p for high, medium, low. */
void tu_ladder(int untrusted, double levels[3]);
/* The lowest level at which any finding is reported: the screen level for
 * Tarone's method. */
double tu_alpha(int untrusted);

/* ---- reading a text dataset in batches */
typedef struct tu_dataset {
  const mg_services *svc;
  mg_plugin_ctx *ctx;
  size_t index;
  mg_text_info info; /* struct_size set */
  int strict;        /* untrusted, or --set NAME.strict=1 */
} tu_dataset;

/* Whether the host has the text services (ABI >= 1.1). */
int tu_have_text(const mg_services *svc);
/* MG_OK when it has them, else logs why plugin cannot run and returns
 * MG_ERR_UNSUPPORTED. */
int tu_require_text(const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin);
/* Opens text dataset `index`; plugin names the plugin for the strict
 * option. */
int tu_open(tu_dataset *d, const mg_services *svc, mg_plugin_ctx *ctx, size_t index);

/* Calls fn on rows [0, count) in batches (bad rows included, flagged),
 * reporting progress as stage. Stops at fn's first nonzero result. */
typedef int (*tu_rows_fn)(void *user, const mg_text_row *rows, size_t n);
int tu_for_rows(const tu_dataset *d, const char *stage, tu_rows_fn fn, void *user);
/* One row by index (for evidence and second looks); row's fields point
 * into the host's cache. */
int tu_read_row(const tu_dataset *d, uint64_t index, mg_text_row *row);

/* The option tu_open reads, for the option table of each text plugin
 * (ABI 1.2): TU_OPTIONS, then the plugin's own entries. */
#define TU_OPTIONS                                                                                 \
  { "untrusted", MG_OPTION_BOOL, 0, 0, 1, "1: the stricter ladder whatever the provenance says" }

#endif
