/* libFuzzer harness: an OpenSSF model-signing bundle (Sigstore JSON, DSSE,
 * base64), then the in-toto statement inside it (predicate, serialisation,
 * resources, shard names, subject digest), then its DSSE
 * pre-authentication encoding. Also the statement parser on the raw input,
 * so the corpus reaches it without a base64 layer. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "signature/model_sig.h"
#include "signature/model_sig_verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char why[1024];
  mg_msig_bundle b;
  mg_msig_manifest m;
  if (mg_msig_bundle_parse((const char *)data, size, &b, why, sizeof why) == MG_MSIG_OK) {
    size_t n = 0;
    free(mg_msig_pae(&b, &n));
    mg_msig_manifest_parse(b.payload, b.payload_len, &m, why, sizeof why);
    mg_msig_manifest_free(&m);
  }
  mg_msig_bundle_free(&b);
  mg_msig_manifest_parse(data, size, &m, why, sizeof why);
  mg_msig_manifest_free(&m);
  return 0;
}
