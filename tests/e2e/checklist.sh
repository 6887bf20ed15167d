#!/bin/sh
# Checklist semantics through the CLI: attestations (allowed or not), the
# DP-SGD epsilon against the policy, provenance coverage of the training set,
# registry-backed controls, required controls, and unknown attested ids.
. "$TOP_SRCDIR/tests/lib.sh"

pkg="$SANDBOX/in/pkg"
mkdir -p "$pkg"
head -c 512 /dev/urandom >"$pkg/model.onnx"
head -c 512 /dev/urandom >"$pkg/train-images.npy"
head -c 64 /dev/urandom >"$pkg/train-labels.npy"
descriptor() { # epsilon provenance-paths...
  eps=$1
  shift
  prov=""
  for p in "$@"; do
    prov="$prov${prov:+, }{\"path\": \"$p\", \"origin\": \"https://example.org/$p\", \"sha256\": \"$(printf '%064d' 0)\", \"collected\": \"2026-01-01\"}"
  done
  cat >"$pkg/modelgate.json" <<J
{"name": "checklist-test", "model": "model.onnx",
 "train": {"inputs": "train-images.npy", "labels": "train-labels.npy"},
 "provenance": [$prov],
 "training": {"dp_sgd": {"epsilon": $eps}},
 "attestations": {
   "CTL-03": {"by": "A. Reviewer", "date": "2026-11-01", "statement": "No instruction data."},
   "CTL-06": {"by": "A. Reviewer", "date": "2026-11-01", "statement": "We looked."},
   "CTL-99": {"by": "A. Reviewer", "date": "2026-11-01", "statement": "Not a control."}}}
J
}
control() { # json id -> "status|note"
  json_get "$1" "[c['status'] + '|' + (c['note'] or '') for c in d['controls'] if c['id']=='$2'][0]"
}
expect_control() { # json id status note-regex what
  got=$(control "$1" "$2")
  case "$got" in
  "$3|"*) printf '%s\n' "$got" | grep -Eq -- "$4" && pass "$5" || fail "$5: $got" ;;
  *) fail "$5: $got" ;;
  esac
}

descriptor 8 train-images.npy train-labels.npy
(cd "$pkg" && sha256sum model.onnx train-images.npy train-labels.npy modelgate.json) >sums
run_mg verify "$pkg" --registry sums --json a.json -q
expect_status 0 "all good" || true
expect_control a.json CTL-03 attested "attested by A. Reviewer on 2026-11-01" "an attestation stands in for an attestable control"
expect_control a.json CTL-06 not-evaluated "cannot stand in" "an attestation cannot replace the spectral/activation analysis"
expect_control a.json CTL-08 pass "epsilon 8 \\(moderate guarantee; policy allows at most 10\\)" "DP-SGD epsilon within the policy passes"
expect_control a.json CTL-01 pass "cover the training set" "provenance covering the training set passes"
expect_control a.json CTL-16 pass "4 of 4 package files match" "every digest approved passes CTL-16"
expect_control a.json CTL-07 not-evaluated "records no training-set digest" "a registry without lineage leaves CTL-07 not evaluated"
[ "$(json_get a.json "len([f for f in d['findings'] if f['rule']=='core.descriptor.unknown-control'])")" = 1 ] &&
  pass "an attestation for an unknown control is reported as info" || fail "unknown control attestation"
[ "$(json_get a.json "[c['required'] for c in d['controls'] if c['id']=='CTL-16'][0]")" = True ] &&
  [ "$(json_get a.json "[c['required'] for c in d['controls'] if c['id']=='CTL-17'][0]")" = False ] &&
  pass "verify requires CTL-16 (registry given) but not CTL-17 (no detectors)" || fail "required flags"

descriptor 20 train-images.npy train-labels.npy
(cd "$pkg" && sha256sum model.onnx train-images.npy train-labels.npy modelgate.json) >sums
run_mg verify "$pkg" --registry sums --json b.json -q
expect_status 1 "weak epsilon" && expect_control b.json CTL-08 fail "epsilon 20 \\(weak" "DP-SGD epsilon above the policy fails CTL-08 and the gate"

descriptor 8 train-images.npy
(cd "$pkg" && sha256sum model.onnx train-images.npy train-labels.npy modelgate.json) >sums
run_mg verify "$pkg" --registry sums --json c.json -q
expect_status 1 "untracked labels" &&
  expect_control c.json CTL-01 fail "untracked training data: no provenance record names train-labels.npy" "a training file without provenance fails CTL-01"

# The policy file decides: a stricter copy requiring CTL-06 fails the gate.
cp -r "$TOP_SRCDIR/rules" "$SANDBOX/rules"
sed -i 's|<require control="CTL-17" when="scan"/>|&\n  <require control="CTL-06"/>|' "$SANDBOX/rules/policy.xml"
descriptor 8 train-images.npy train-labels.npy
(cd "$pkg" && sha256sum model.onnx train-images.npy train-labels.npy modelgate.json) >sums
run_mg verify "$pkg" --registry sums --rules "$SANDBOX/rules" --json d.json -q
expect_status 1 "required CTL-06" && pass "a control the policy requires must pass (not-evaluated fails the gate)"
# A malformed policy names the file and line.
sed -i 's|<fail-on severity="high"/>|<fail-on severity="severe"/>|' "$SANDBOX/rules/policy.xml"
run_mg verify "$pkg" --registry sums --rules "$SANDBOX/rules" -q
expect_status 2 "bad policy" && expect_err "policy.xml:[0-9]+: " "bad policy" && pass "a malformed rules file is an error naming file and line"
finish
