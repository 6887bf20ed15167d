#!/bin/sh
# The registry: approving, verifying, tampering, revoking, lineage, the
# sha256sum format, signatures, and malformed registries and descriptors.
. "$TOP_SRCDIR/tests/lib.sh"

pkg="$SANDBOX/in/pkg"
mkdir -p "$pkg/data"
head -c 4096 /dev/urandom >"$pkg/model.onnx"
head -c 8192 /dev/urandom >"$pkg/data/train-images.npy"
head -c 64 /dev/urandom >"$pkg/data/train-labels.npy"
cat >"$pkg/modelgate.json" <<'J'
{"name": "regtest", "model": "model.onnx",
 "train": {"inputs": "data/train-images.npy", "labels": "data/train-labels.npy"}}
J
reg="$SANDBOX/cwd/registry.json"

run_mg registry add "$reg" --package "$pkg" --origin "unit test"
expect_status 0 "registry add --package" && expect_out "approved 4 files" "registry add" &&
  pass "registry add --package"
run_mg registry list "$reg"
expect_out "approved +model .*model.onnx +\\(lineage recorded\\)" "list shows lineage" &&
  pass "registry list"

run_mg verify "$pkg" --registry "$reg" --json v.json
expect_status 0 "verify approved" && pass "verify: every digest approved -> exit 0"
[ "$(json_get v.json '[a["registry"] for a in d["artifacts"]].count("approved")')" = 4 ] &&
  pass "JSON marks 4 files approved" || fail "JSON registry statuses: $(json_get v.json '[a["registry"] for a in d["artifacts"]]')"

# Tampering with an approved file is a critical supply-chain finding.
cp -r "$pkg" "$SANDBOX/in/tampered"
printf 'x' >>"$SANDBOX/in/tampered/model.onnx"
run_mg verify "$SANDBOX/in/tampered" --registry "$reg" --json t.json
expect_status 1 "wrong hash" && expect_out "critical .*model.onnx differs from the approved artifact \\[AML.T0010.003\\]" "wrong hash" &&
  pass "wrong hash -> exit 1, AML.T0010.003"
[ "$(json_get t.json '[f["mitigations"] for f in d["findings"] if f["rule"]=="core.registry.digest-mismatch"][0]')" = "['AML.M0014']" ] &&
  pass "mismatch carries mitigation AML.M0014" || fail "mismatch mitigations"

# A training set that is not the one recorded for the model.
cp -r "$pkg" "$SANDBOX/in/swapped"
head -c 8192 /dev/urandom >"$SANDBOX/in/swapped/data/train-images.npy"
run_mg verify "$SANDBOX/in/swapped" --registry "$reg" --json s.json
expect_status 1 "training-set swap" && expect_out "not the one the model was trained on \\[AML.T0010.002\\]" "training-set swap" &&
  pass "training set differs from the registry's lineage -> critical AML.T0010.002"

# Revocation.
digest=$(sha256sum "$pkg/data/train-labels.npy" | cut -c1-64)
run_mg registry revoke "$reg" "$digest" --reason "label noise found"
expect_status 0 "revoke" && expect_out "revoked 1 entry" "revoke" && pass "registry revoke"
run_mg verify "$pkg" --registry "$reg"
expect_status 1 "revoked" && expect_out "critical .*train-labels.npy is a revoked artifact" "revoked" &&
  pass "revoked digest -> exit 1"
run_mg registry revoke "$reg" 0000000000000000000000000000000000000000000000000000000000000000
expect_status 2 "revoke unknown" && expect_err "no artifact with digest" "revoke unknown" &&
  pass "revoking an unknown digest is an error"

# Unknown files: severity is configurable and can fail the gate.
echo extra >"$SANDBOX/in/tampered/README.txt"
cp "$pkg/model.onnx" "$SANDBOX/in/tampered/model.onnx"
run_mg verify "$SANDBOX/in/tampered" --registry "$reg" --unknown-severity high
expect_status 1 "unknown high" && expect_out "high .*README.txt is not in the registry" "unknown high" &&
  pass "--unknown-severity high fails on an unregistered file"

# Plugins see which files the registry approves: package-anomaly reports a
# file that neither the descriptor nor the registry mentions.
if [ -f "$TOP_BUILDDIR/plugins/.libs/package-anomaly.so" ]; then
  run_mg scan "$SANDBOX/in/tampered" --registry "$reg" --only package-anomaly --json pa.json -q
  [ "$(json_get pa.json "[f['title'] for f in d['findings'] if f['rule']=='package-anomaly.package.undeclared-file']")" = \
    "['File mentioned by neither the descriptor nor the registry: README.txt']" ] &&
    pass "plugins see registry coverage (only the unregistered, undeclared file is reported)" ||
    fail "registry coverage: $(json_get pa.json "[f['title'] for f in d['findings']]")"
fi

# sha256sum listings are accepted as approved digests.
(cd "$pkg" && sha256sum model.onnx data/train-images.npy data/train-labels.npy modelgate.json) >"$SANDBOX/cwd/SHA256SUMS"
run_mg verify "$pkg" --registry "$SANDBOX/cwd/SHA256SUMS"
expect_status 0 "sha256sum" && pass "sha256sum-format registry"
printf 'not a digest  model.onnx\n' >"$SANDBOX/cwd/BAD256"
run_mg verify "$pkg" --registry "$SANDBOX/cwd/BAD256"
expect_status 2 "bad sha256sum" && expect_err "BAD256:1: expected" "bad sha256sum" && pass "malformed sha256sum names file:line"

# Malformed JSON registries name the file and the place.
printf '{"artifacts": [\n  {"name": "x", "sha256": 12}\n]}\n' >"$SANDBOX/cwd/bad.json"
run_mg verify "$pkg" --registry "$SANDBOX/cwd/bad.json"
expect_status 2 "bad entry" && expect_err "bad.json: artifacts\\[0\\].sha256: expected 64 hexadecimal digits" "bad entry" &&
  pass "malformed registry entry names the key"
printf '{"artifacts": [\n  {"name": "x",,}\n]}\n' >"$SANDBOX/cwd/bad2.json"
run_mg verify "$pkg" --registry "$SANDBOX/cwd/bad2.json"
expect_status 2 "bad json" && expect_err "bad2.json:2:[0-9]+:" "bad json" && pass "registry syntax error names line and column"

# Signed registries: Ed25519 and ECDSA P-256.
if command -v openssl >/dev/null; then
  fresh="$SANDBOX/cwd/signed.json"
  "$MODELGATE" registry add "$fresh" --package "$pkg" >/dev/null
  openssl genpkey -algorithm ed25519 -out ed.key 2>/dev/null
  openssl pkey -in ed.key -pubout -out ed.pub
  openssl pkeyutl -sign -rawin -inkey ed.key -in "$fresh" -out "$fresh.sig"
  run_mg verify "$pkg" --registry "$fresh" --registry-key ed.pub
  expect_status 0 "ed25519" && pass "Ed25519-signed registry verifies"
  openssl ecparam -name prime256v1 -genkey -noout -out ec.key
  openssl ec -in ec.key -pubout -out ec.pub 2>/dev/null
  openssl dgst -sha256 -sign ec.key -out ec.sig "$fresh"
  run_mg verify "$pkg" --registry "$fresh" --registry-key ec.pub --registry-sig ec.sig
  expect_status 0 "p256" && pass "ECDSA P-256-signed registry verifies"
  # Wrong key, altered registry, missing signature: the gate fails.
  run_mg verify "$pkg" --registry "$fresh" --registry-key ec.pub
  expect_status 1 "wrong key" && expect_out "signature does not verify" "wrong key" && pass "signature by another key fails the gate"
  sed -i 's/"approved"/"approved" /' "$fresh"
  run_mg verify "$pkg" --registry "$fresh" --registry-key ed.pub --json sig.json
  expect_status 1 "altered" && expect_out "signature does not verify" "altered" && pass "altered registry fails the gate"
  [ "$(json_get sig.json 'd["registry"]["signature"][:7]')" = "failed:" ] && pass "JSON records the failed signature" || fail "signature status in JSON"
  rm "$fresh.sig"
  run_mg verify "$pkg" --registry "$fresh" --registry-key ed.pub
  expect_status 1 "missing sig" && expect_out "signature does not verify" "missing sig" && pass "missing signature fails the gate"
else
  echo "skip: openssl not installed"
fi

# Malformed descriptors: exit 2 naming the key.
bad_desc() { # json regex what
  mkdir -p "$SANDBOX/in/d"
  cp "$pkg/model.onnx" "$SANDBOX/in/d/"
  printf '%s' "$1" >"$SANDBOX/in/d/modelgate.json"
  run_mg scan "$SANDBOX/in/d" -q
  expect_status 2 "$3" && expect_err "$2" "$3" && pass "$3"
  rm -rf "$SANDBOX/in/d"
}
bad_desc '{"model": 3}' "modelgate.json: model: expected a path string" "descriptor: wrong type"
bad_desc '{"model": "../x.onnx"}' "'\\.\\.' component escapes" "descriptor: path escape"
bad_desc '{"model": "nothere.onnx"}' "modelgate.json: model: 'nothere.onnx' is not in the package" "descriptor: missing file"
bad_desc '{"input": {"std": [0.5, 0]}}' "input.std: every value must be positive" "descriptor: zero std"
bad_desc '{"attestations": {"CTL-8": {}}}' "attestations.CTL-8: not a checklist control id" "descriptor: bad control id"
bad_desc '{"name": "a", "name": "b"}' "modelgate.json:1:[0-9]+: duplicate object key" "descriptor: duplicate key"
bad_desc '[1,2]' "expected a JSON object at the top level" "descriptor: not an object"

# Unknown keys are kept and reported as info, not errors.
mkdir -p "$SANDBOX/in/u"
cp "$pkg/model.onnx" "$SANDBOX/in/u/"
echo '{"name": "u", "vendor_ticket": "T-1"}' >"$SANDBOX/in/u/modelgate.json"
(cd "$SANDBOX/in/u" && sha256sum model.onnx) >"$SANDBOX/cwd/u.sums"
run_mg verify "$SANDBOX/in/u" --registry "$SANDBOX/cwd/u.sums" --json u.json -v
expect_status 0 "unknown key" && expect_out "info .*Unknown descriptor key 'vendor_ticket'" "unknown key" && pass "unknown descriptor key is info"

# --keep-workspace leaves the unpacked files.
run_mg verify "$pkg" --registry "$SANDBOX/cwd/SHA256SUMS" --keep-workspace "$SANDBOX/cwd/ws"
[ -f "$SANDBOX/cwd/ws/package/data/train-images.npy" ] && pass "--keep-workspace keeps the files" || fail "--keep-workspace"
run_mg verify "$pkg" --registry "$SANDBOX/cwd/SHA256SUMS" --keep-workspace "$SANDBOX/cwd/ws"
expect_status 2 "reuse" && expect_err "must be a new or empty directory" "reuse" && pass "--keep-workspace refuses a non-empty directory"
finish
