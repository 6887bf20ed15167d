#!/bin/sh
# Registry entries belong to a package: `registry add --package` records the
# package's name (the one the reports show), `registry revoke --in-package`
# touches one vendor's file only, a digest match comes first, and a package
# unrelated to the registry's entries has unknown files, not altered ones.
# Registries written before entries recorded a package still work.
. "$TOP_SRCDIR/tests/lib.sh"

make_pkg() { # dir name
  mkdir -p "$1"
  head -c 4096 /dev/urandom >"$1/model.onnx"
  echo "{\"name\": \"$2\", \"model\": \"model.onnx\"}" >"$1/modelgate.json"
}
a="$SANDBOX/in/a" b="$SANDBOX/in/b" c="$SANDBOX/in/c"
make_pkg "$a" vendor-a
make_pkg "$b" vendor-b
make_pkg "$c" vendor-c
reg=reg.json

run_mg registry add $reg --package "$a"
expect_status 0 "add a" && expect_out "the package 'vendor-a' itself" "add names the package"
run_mg registry add $reg --package "$b"
run_mg registry list $reg
if printf '%s\n' "$out" | grep -Eq 'model\.onnx +\[package vendor-a\]' &&
  printf '%s\n' "$out" | grep -Eq 'model\.onnx +\(lineage recorded\) +\[package vendor-b\]|model\.onnx +\[package vendor-b\]'; then
  pass "each entry records its package"
else
  fail "registry list: $out"
fi

# The name in the registry is the name in the reports.
run_mg verify "$a" --registry $reg --json a.json
pkgs=$(json_get $reg '" ".join(sorted(set(e.get("package","") for e in d["artifacts"])))')
name=$(json_get a.json 'd["package"]["name"]')
if [ "$status" -eq 0 ] && [ "$name" = vendor-a ] && [ "$pkgs" = "vendor-a vendor-b" ]; then
  pass "package name in registry and report agree ($name)"
else
  fail "verify a: exit $status, report name $name, registry packages $pkgs"
fi

# Revoking vendor A's model.onnx leaves vendor B's file of the same name.
run_mg registry revoke $reg model.onnx --in-package vendor-a --reason "backdoor"
expect_status 0 "revoke in package" && expect_out "revoked 1 entry" "only one entry revoked" &&
  pass "revoke --in-package revokes one vendor's model.onnx"
run_mg verify "$a" --registry $reg --json a2.json
expect_status 1 "a revoked" && expect_out "model.onnx is a revoked artifact" "a revoked" &&
  pass "vendor A's model is revoked"
run_mg verify "$b" --registry $reg --json b.json
if [ "$status" -eq 0 ] && [ "$(json_get b.json '[x["registry"] for x in d["artifacts"] if x["path"]=="model.onnx"][0]')" = approved ]; then
  pass "vendor B's model.onnx stays approved"
else
  fail "vendor B after revoking A's file: exit $status $out"
fi
run_mg registry revoke $reg model.onnx --in-package vendor-z
expect_status 2 "revoke in unknown package" && expect_err "no artifact with name 'model.onnx' in package 'vendor-z'" "revoke scope" &&
  pass "revoke in a package without such a file is an error"

# A package unrelated to the registry: unknown artifacts, not mismatches.
run_mg verify "$c" --registry $reg --json c.json
rules=$(json_get c.json '" ".join(sorted(set(f["rule"] for f in d["findings"])))')
case "$rules" in
*digest-mismatch* | *package-mismatch*) fail "unrelated package reported as altered: $rules" ;;
*core.registry.unknown*) pass "an unrelated package has unknown artifacts ($rules)" ;;
*) fail "unrelated package: $rules" ;;
esac

# Digest first: vendor C shipping vendor B's exact model is approved.
cp "$b/model.onnx" "$c/model.onnx"
run_mg verify "$c" --registry $reg --json c2.json
[ "$(json_get c2.json '[x["registry"] for x in d["artifacts"] if x["path"]=="model.onnx"][0]')" = approved ] &&
  pass "a digest match wins over names and packages" || fail "digest match: $out"

# A tampered file of the same package is still a mismatch.
cp -r "$b" "$SANDBOX/in/b2"
printf x >>"$SANDBOX/in/b2/model.onnx"
run_mg verify "$SANDBOX/in/b2" --registry $reg
expect_status 1 "tampered b" && expect_out "model.onnx differs from the approved artifact" "tampered b" &&
  pass "an altered file of the same package is a mismatch"

# An old registry (no package on its entries) matches names as before.
d=$(sha256sum "$a/model.onnx" | cut -c1-64)
printf '{"format": "modelgate-registry", "version": 1, "artifacts": [{"name": "model.onnx", "sha256": "%s"}]}\n' "$d" >old.json
run_mg verify "$b" --registry old.json
expect_status 1 "old registry" && expect_out "model.onnx differs from the approved artifact" "old registry" &&
  pass "entries without a package match any package by name (old registries)"
run_mg registry revoke old.json model.onnx --in-package vendor-a
expect_status 2 "old revoke scoped" && pass "a scoped revoke does not touch entries without a package"

finish
