/* The model-signature stage: an OpenSSF model signature (--model-signature)
 * verified offline with the user's key (--model-key) or CA
 * (--model-cert-chain), then its manifest compared with the package's
 * files. Every problem is a finding citing the checklist's digests control
 * (CTL-16) with ATLAS AML.T0010.003 and mitigations AML.M0013/AML.M0014;
 * docs/model-signatures.md. */
#ifndef MG_MODEL_SIG_CHECK_H
#define MG_MODEL_SIG_CHECK_H

#include "base/limit_table.h"
#include "intake/workspace.h"
#include "package/package.h"
#include "verdict/evidence.h"
#include "verdict/results.h"

typedef struct mg_msig_config {
  const char *signature; /* --model-signature FILE (a Sigstore bundle) */
  const char *key;       /* --model-key PEM, or NULL */
  const char *ca;        /* --model-cert-chain PEM, or NULL */
} mg_msig_config;

/* Fails (exit 2) only when the user's own inputs are unusable: the
 * signature file cannot be read or is over the model-signature-bytes
 * limit, the key or CA file is not one; out of memory. Everything about
 * the vendor's bundle and files is a finding. */
int mg_msig_run(const mg_msig_config *cfg, const mg_limits *lim, const mg_evidence_map *ev,
                const mg_workspace *ws, mg_package *pkg, mg_results *r, mg_err *err);

#endif
