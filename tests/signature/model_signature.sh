#!/bin/sh
# OpenSSF model signatures (--model-signature): bundles model_signing itself
# produced (tests/signature/upstream, sigstore/model-transparency's own test
# data) and bundles built by tests/signature/make_signatures.py from the
# documented format; a good signature passes CTL-16, each tampering fails it.
. "$TOP_SRCDIR/tests/lib.sh"

up="$TOP_SRCDIR/tests/signature/upstream"
gen="$SANDBOX/gen"
"$PY" "$TOP_SRCDIR/tests/signature/make_signatures.py" "$gen" || { fail "generator"; finish; }

# ctl16 FILE: CTL-16's status in a JSON report.
ctl16() {
  json_get "$1" '[c["status"] for c in d["controls"] if c["id"]=="CTL-16"][0]'
}
# rules FILE: the model-signature rules of the findings, sorted.
rules() {
  json_get "$1" 'sorted(set(f["rule"] for f in d["findings"] if "model-signature" in f["rule"]))'
}

# expect_pass NAME ARGS...: verify passes and CTL-16 passes on the signature.
expect_pass() {
  name=$1
  shift
  run_mg verify "$@" --json "$name.json"
  if expect_status 0 "$name" && [ "$(ctl16 "$name.json")" = pass ] &&
    [ "$(rules "$name.json")" = "[]" ]; then
    pass "$name: verified, CTL-16 passes"
  else
    fail "$name: CTL-16 $(ctl16 "$name.json" 2>&1), findings $(rules "$name.json" 2>&1); $out"
  fi
}

# expect_fail NAME RULE REGEX ARGS...: exit 1, CTL-16 fails, a critical
# finding RULE (AML.T0010.003, AML.M0013/M0014) whose message matches.
expect_fail() {
  name=$1 rule=$2 re=$3
  shift 3
  run_mg verify "$@" --json "$name.json"
  expect_status 1 "$name" || return
  msg=$(json_get "$name.json" "' | '.join(f['title']+': '+f['message'] for f in d['findings'] if f['rule']=='core.$rule')")
  if [ "$(ctl16 "$name.json")" != fail ]; then
    fail "$name: CTL-16 is $(ctl16 "$name.json"), expected fail"
  elif ! printf '%s\n' "$msg" | grep -Eq -- "$re"; then
    fail "$name: no core.$rule finding matching /$re/: $(rules "$name.json"): $msg"
  elif [ "$(json_get "$name.json" "[(f['severity'], f['atlas'], f['mitigations'], f['controls']) for f in d['findings'] if f['rule']=='core.$rule'][0]")" != \
    "('critical', ['AML.T0010.003'], ['AML.M0013', 'AML.M0014'], ['CTL-16'])" ]; then
    fail "$name: finding's severity/ATLAS/controls: $(json_get "$name.json" "[f for f in d['findings'] if f['rule']=='core.$rule'][0]")"
  else
    pass "$name: exit 1, CTL-16 fails, $rule"
  fi
}

# ---- signatures model_signing produced (upstream) -------------------------
ek="$SANDBOX/in/ek"
cp -r "$up/v1.1.0-elliptic-key" "$ek"
ekey="$up/keys/signing-key-pub.pem"
expect_pass upstream-key "$ek" --model-signature "$ek/model.sig" --model-key "$ekey"
ct="$SANDBOX/in/ct"
cp -r "$up/v1.1.0-certificate" "$ct"
expect_pass upstream-cert "$ct" --model-signature "$ct/model.sig" --model-cert-chain "$up/keys/ca-cert.pem"

# The same through `scan`: CTL-16 is required with a model signature.
if [ -f "$TOP_BUILDDIR/plugins/.libs/package-anomaly.so" ]; then
  run_mg scan "$ek" --model-signature "$ek/model.sig" --model-key "$ekey" --only package-anomaly \
    --json scan.json
  [ "$(ctl16 scan.json)" = pass ] && [ "$(json_get scan.json '[c["required"] for c in d["controls"] if c["id"]=="CTL-16"][0]')" = True ] &&
    pass "scan --model-signature: CTL-16 required and passes" ||
    fail "scan: CTL-16 $(ctl16 scan.json), exit $status: $err"
fi

# A changed byte in a signed file.
cp -r "$ek" "$SANDBOX/in/ek-byte"
printf 'X' | dd of="$SANDBOX/in/ek-byte/signme-1" bs=1 seek=2 conv=notrunc 2>/dev/null
expect_fail upstream-changed-byte model-signature.digest-mismatch "signme-1 differs from the signed model" \
  "$SANDBOX/in/ek-byte" --model-signature "$ek/model.sig" --model-key "$ekey"
# An extra file (not under ignore_paths).
cp -r "$ek" "$SANDBOX/in/ek-extra"
echo 'import os' >"$SANDBOX/in/ek-extra/payload.py"
expect_fail upstream-extra-file model-signature.unlisted-file "payload.py is not covered by the model signature" \
  "$SANDBOX/in/ek-extra" --model-signature "$ek/model.sig" --model-key "$ekey"
# A file under ignore_paths may change or appear: "ignore-me" is listed there.
cp -r "$ek" "$SANDBOX/in/ek-ignored"
echo changed >"$SANDBOX/in/ek-ignored/ignore-me"
expect_pass upstream-ignored-changes "$SANDBOX/in/ek-ignored" --model-signature "$ek/model.sig" --model-key "$ekey"
# A missing file.
cp -r "$ek" "$SANDBOX/in/ek-missing"
rm "$SANDBOX/in/ek-missing/signme-2"
expect_fail upstream-missing-file model-signature.missing-file "Signed file signme-2 is missing" \
  "$SANDBOX/in/ek-missing" --model-signature "$ek/model.sig" --model-key "$ekey"
# Signature bytes flipped (one base64 character of the DSSE signature).
"$PY" - "$ek/model.sig" "$SANDBOX/cwd/flipped.sig" <<'P'
import base64, json, sys
b = json.load(open(sys.argv[1]))
s = bytearray(base64.b64decode(b["dsseEnvelope"]["signatures"][0]["sig"]))
s[20] ^= 0x01
b["dsseEnvelope"]["signatures"][0]["sig"] = base64.b64encode(bytes(s)).decode()
json.dump(b, open(sys.argv[2], "w"))
P
expect_fail upstream-flipped-signature model-signature.invalid "does not verify with" \
  "$ek" --model-signature flipped.sig --model-key "$ekey"
# A statement changed after signing (one resource digest replaced).
"$PY" - "$ek/model.sig" "$SANDBOX/cwd/restated.sig" <<'P'
import base64, json, sys
b = json.load(open(sys.argv[1]))
p = json.loads(base64.b64decode(b["dsseEnvelope"]["payload"]))
p["predicate"]["resources"][0]["digest"] = "0" * 64
b["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(p).encode()).decode()
json.dump(b, open(sys.argv[2], "w"))
P
expect_fail upstream-restated model-signature.invalid "does not verify with" \
  "$ek" --model-signature restated.sig --model-key "$ekey"
# The wrong key: the bundle's key hint names another key.
expect_fail upstream-wrong-key model-signature.wrong-key "signed with another key" \
  "$ek" --model-signature "$ek/model.sig" --model-key "$gen/keys/other.pub.pem"
# The wrong key and no hint: the ECDSA check itself refuses.
"$PY" - "$ek/model.sig" "$SANDBOX/cwd/nohint.sig" <<'P'
import json, sys
b = json.load(open(sys.argv[1]))
del b["verificationMaterial"]["publicKey"]["hint"]
json.dump(b, open(sys.argv[2], "w"))
P
expect_pass upstream-no-hint "$ek" --model-signature nohint.sig --model-key "$ekey"
expect_fail upstream-wrong-key-no-hint model-signature.invalid "does not verify with" \
  "$ek" --model-signature nohint.sig --model-key "$gen/keys/p384.pub.pem"
# A certificate from another CA.
expect_fail upstream-other-ca model-signature.certificate "does not chain to the CA" \
  "$ct" --model-signature "$ct/model.sig" --model-cert-chain "$gen/ca/root.pem"
# Tampering under the certificate method too.
cp -r "$ct" "$SANDBOX/in/ct-byte"
printf 'Y' | dd of="$SANDBOX/in/ct-byte/signme-2" bs=1 seek=0 conv=notrunc 2>/dev/null
expect_fail upstream-cert-changed-byte model-signature.digest-mismatch "signme-2 differs" \
  "$SANDBOX/in/ct-byte" --model-signature "$ct/model.sig" --model-cert-chain "$up/keys/ca-cert.pem"

# ---- bundles built from the documented format ---------------------------
m="$gen/model"
s="$gen/sigs"
expect_pass gen-key-p256 "$m" --model-signature "$s/key-p256.sig" --model-key "$gen/keys/p256.pub.pem"
expect_pass gen-key-p384 "$m" --model-signature "$s/key-p384.sig" --model-key "$gen/keys/p384.pub.pem"
expect_pass gen-cert "$m" --model-signature "$s/cert.sig" --model-cert-chain "$gen/ca/root.pem"
expect_pass gen-shards "$m" --model-signature "$s/shards.sig" --model-key "$gen/keys/p256.pub.pem"
expect_fail gen-cert-other-ca model-signature.certificate "does not chain to the CA" \
  "$m" --model-signature "$s/cert.sig" --model-cert-chain "$gen/ca/other-root.pem"
expect_fail gen-wrong-predicate model-signature.predicate-type "predicateType is 'https://example.com/other/v1'" \
  "$m" --model-signature "$s/predicate.sig" --model-key "$gen/keys/p256.pub.pem"
expect_fail gen-payload-type model-signature.statement-type "payloadType is 'application/json'" \
  "$m" --model-signature "$s/payload-type.sig" --model-key "$gen/keys/p256.pub.pem"
expect_fail gen-blake2 model-signature.unsupported "hash_type 'blake2' is not supported" \
  "$m" --model-signature "$s/blake2.sig" --model-key "$gen/keys/p256.pub.pem"
expect_fail gen-inconsistent model-signature.inconsistent "subject's sha256 is not the digest" \
  "$m" --model-signature "$s/inconsistent.sig" --model-key "$gen/keys/p256.pub.pem"
expect_fail gen-keyless model-signature.keyless "Sigstore keyless signature" \
  "$m" --model-signature "$s/keyless.sig" --model-cert-chain "$gen/ca/root.pem"
run_mg verify "$m" --model-signature "$s/tlog.sig" --model-key "$gen/keys/p256.pub.pem" --json tlog.json
expect_status 0 "tlog" && [ "$(json_get tlog.json '[f["severity"] for f in d["findings"] if f["rule"]=="core.model-signature.tlog-not-verified"]')" = "['info']" ] &&
  pass "transparency-log entries: verified by key, the log said not verified (info)" ||
  fail "tlog: $(rules tlog.json)"

# Shards: a changed byte in the second shard, and a file that grew.
cp -r "$m" "$SANDBOX/in/sh-byte"
# Invert byte 1500 (the generator's weights are random: writing a fixed
# byte would leave the file unchanged once in 256 runs).
"$PY" - "$SANDBOX/in/sh-byte/weights.bin" <<'P'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(1500); b = f.read(1); f.seek(1500); f.write(bytes([b[0] ^ 0xFF]))
P
expect_fail gen-shards-changed-byte model-signature.digest-mismatch "weights.bin.*bytes 1000 to 2000" \
  "$SANDBOX/in/sh-byte" --model-signature "$s/shards.sig" --model-key "$gen/keys/p256.pub.pem"
cp -r "$m" "$SANDBOX/in/sh-grew"
printf 'more' >>"$SANDBOX/in/sh-grew/weights.bin"
expect_fail gen-shards-grew model-signature.digest-mismatch "weights.bin" \
  "$SANDBOX/in/sh-grew" --model-signature "$s/shards.sig" --model-key "$gen/keys/p256.pub.pem"
expect_fail gen-shards-alias model-signature.malformed "weights.bin:00:1000.*PATH:START:END" \
  "$m" --model-signature "$s/shards-alias.sig" --model-key "$gen/keys/p256.pub.pem"
# Files: a nested extra file.
cp -r "$m" "$SANDBOX/in/nested-extra"
echo x >"$SANDBOX/in/nested-extra/tokenizer/merges.txt"
expect_fail gen-nested-extra model-signature.unlisted-file "tokenizer/merges.txt is not covered" \
  "$SANDBOX/in/nested-extra" --model-signature "$s/key-p256.sig" --model-key "$gen/keys/p256.pub.pem"

# An archive of the model: names below its top-level directory.
(cd "$gen" && tar -cf "$SANDBOX/in/model.tar" model)
expect_pass gen-archive "$SANDBOX/in/model.tar" --model-signature "$s/key-p256.sig" --model-key "$gen/keys/p256.pub.pem"

# ---- hostile bundles: a finding with one line, never a crash -------------
printf '{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "dsseEnvelope": ' >trunc.sig
expect_fail malformed-json model-signature.malformed "is malformed.*not JSON" \
  "$m" --model-signature trunc.sig --model-key "$gen/keys/p256.pub.pem"
printf '{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "verificationMaterial": {}, "dsseEnvelope": {"payload": "!!!", "payloadType": "x", "signatures": [{"sig": "AAAA"}]}}' >b64.sig
expect_fail malformed-base64 model-signature.malformed "payload is not valid base64" \
  "$m" --model-signature b64.sig --model-key "$gen/keys/p256.pub.pem"
printf '[1,2,3]' >array.sig
expect_fail malformed-array model-signature.malformed "not a JSON object|mediaType" \
  "$m" --model-signature array.sig --model-key "$gen/keys/p256.pub.pem"

# ---- usage: one line, exit 2 --------------------------------------------
run_mg verify "$m" --model-signature "$s/key-p256.sig"
expect_status 2 "no key" && expect_err "needs exactly one of --model-key PEM or --model-cert-chain" "no key" &&
  pass "--model-signature without a key or CA: exit 2"
run_mg verify "$m" --model-signature "$s/key-p256.sig" --model-key "$s/cert.sig"
expect_status 2 "bad key" && expect_err "not a PEM public key" "bad key" && pass "a key file that is not a key: exit 2"
run_mg verify "$m" --model-signature "$SANDBOX/nonexistent.sig" --model-key "$gen/keys/p256.pub.pem"
expect_status 2 "missing sig" && expect_err "model-signature" "missing sig" && pass "a missing signature file: exit 2"
run_mg verify "$m" --model-signature "$s/key-p256.sig" --model-key "$gen/keys/p256.pub.pem" --limit model-signature-bytes=100
expect_status 2 "limit" && expect_err "model-signature-bytes" "limit" && pass "the model-signature-bytes limit: exit 2"

finish
