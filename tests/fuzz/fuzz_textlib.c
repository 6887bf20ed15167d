/* libFuzzer harness: what the text plugins do to every field of every row
 * of a hostile text dataset, and to provenance origins: tokenising (with a
 * token limit), n-gram and sentence features, URL and command spotting,
 * URL hosts, MinHash, and bounded excerpts. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "textutil.h"
#include "tt_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_artifact(void *user, tu_artifact_kind kind, const char *s, size_t off, size_t len) {
  size_t *n = user;
  if (kind != TU_URL && kind != TU_COMMAND)
    __builtin_trap();
  if (off + len > strlen(s))
    __builtin_trap();
  (*n)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  if (!s)
    return 0;
  memcpy(s, data, size);
  s[size] = '\0'; /* rows reach plugins NUL-terminated */
  tu_tokens t = {0};
  t.max_tokens = 512;
  if (!tu_tokenize(&t, s)) {
    for (size_t i = 0; i < t.n; i++)
      if (t.start[i] + t.len[i] > size)
        __builtin_trap();
    tt_feat_pos *fp = NULL;
    size_t cap = 0, nf = tt_features(&t, &fp, &cap);
    if (nf != (size_t)-1)
      for (size_t i = 0; i < nf; i++)
        if (fp[i].tok + fp[i].ntok > t.n)
          __builtin_trap();
    free(fp);
    uint64_t *sh = malloc((t.n + 1) * sizeof *sh);
    if (sh) {
      for (size_t i = 0; i + 1 < t.n; i++)
        sh[i] = tu_ngram_hash(&t, i, 2);
      uint32_t sig[16];
      tu_minhash(sh, t.n ? t.n - 1 : 0, sig, 16);
      size_t u = tu_sort_unique(sh, t.n ? t.n - 1 : 0);
      for (size_t i = 1; i < u; i++)
        if (sh[i - 1] >= sh[i])
          __builtin_trap();
      free(sh);
    }
  }
  size_t found = 0;
  tu_artifacts(s, on_artifact, &found);
  char host[256];
  if (!tu_url_host(s, host, sizeof host)) {
    if (strlen(host) >= sizeof host)
      __builtin_trap();
    (void)tu_host_is_ip(host);
    (void)tu_host_under(host, "example.org");
  }
  char ex[64 + 4];
  tu_excerpt(s, 64, ex);
  if (strlen(ex) > 64 + 3)
    __builtin_trap();
  tu_tokens_free(&t);
  free(s);
  return 0;
}
