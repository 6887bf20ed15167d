#!/bin/sh
# `modelgate scan FILE` on lone model files of every kind (issue 16): each
# is a package of one file, every report format is written and valid
# (JSON against docs/results.schema.json, JUnit against junit-10.xsd, SARIF
# naming the rule), and a malicious file fails the gate with its finding.
# An archive not named as a model stays a package archive.
. "$TOP_SRCDIR/tests/lib.sh"
"$PY" -c 'import jsonschema, torch' 2>/dev/null || { echo "python3-jsonschema or python3-torch missing"; exit 99; }
XMLLINT=${XMLLINT:-xmllint}
in=$SANDBOX/in
"$PY" "$TOP_SRCDIR/tests/formats/gen_gguf.py" "$in/gguf" >/dev/null || exit 99
"$PY" "$TOP_SRCDIR/tests/formats/gen_safetensors.py" "$in/st" >/dev/null || exit 99
"$PY" "$TOP_SRCDIR/tests/formats/gen_keras.py" "$in/keras" >/dev/null || exit 99
"$PY" "$TOP_SRCDIR/tests/formats/gen_tf.py" "$in/tf" >/dev/null || exit 99
"$PY" "$TOP_SRCDIR/tests/formats/gen_nemo.py" "$in/nemo" >/dev/null || exit 99
"$PY" - "$in" <<'PYEOF' || exit 99
import io, os, pickle, sys, torch
torch.set_num_threads(1)
out = sys.argv[1]
class P:
    def __reduce__(self):
        return (os.system, ("id",))
torch.save({"w": torch.zeros(2), "x": P()}, os.path.join(out, "legacy.pt"),
           _use_new_zipfile_serialization=False)
torch.save({"w": torch.zeros(2)}, os.path.join(out, "state.pth"))
with open(os.path.join(out, "payload.pkl"), "wb") as f:
    pickle.dump(P(), f, protocol=4)
PYEOF
cp "$TOP_SRCDIR/tests/fixtures/models/clean-bncnn.onnx" "$in/model.onnx"

schema_check() { # json-report description
  "$PY" - "$TOP_SRCDIR/docs/results.schema.json" "$1" <<'PYEOF'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
    json.load(open(sys.argv[2])))
PYEOF
}

lone() { # file expected-status rule-or-empty description
  r=$SANDBOX/cwd/$(basename "$1")
  run_mg scan "$1" --json "$r.json" --junit "$r.junit.xml" --sarif "$r.sarif" --html "$r.html" -q
  expect_status "$2" "$4" || return
  schema_check "$r.json" 2>"$SANDBOX/schema.err" || { fail "$4: JSON report invalid: $(tail -3 "$SANDBOX/schema.err")"; return; }
  "$XMLLINT" --noout --schema "$TOP_SRCDIR/tests/report/junit-10.xsd" "$r.junit.xml" 2>/dev/null ||
    { fail "$4: JUnit report invalid"; return; }
  [ -s "$r.html" ] || { fail "$4: no HTML report"; return; }
  files=$(json_get "$r.json" 'len([a for a in d["artifacts"] if a["depth"] == 0])')
  name=$(json_get "$r.json" 'd["package"]["name"]')
  [ "$files" = 1 ] && [ "$name" = "$(basename "$1")" ] ||
    { fail "$4: not a package of one file ($files files, name $name)"; return; }
  if [ -n "$3" ]; then
    found=$(json_get "$r.json" 'sum(f["rule"] == "'"$3"'" for f in d["findings"])')
    sarif=$(json_get "$r.sarif" 'sum(x["ruleId"] == "'"$3"'" for run in d["runs"] for x in run["results"])')
    [ "$found" -gt 0 ] && [ "$sarif" -gt 0 ] || { fail "$4: $3 not in the JSON ($found) and SARIF ($sarif) reports"; return; }
  fi
  pass "$4"
}

lone "$in/gguf/malicious/cve-2024-34359-poc.gguf" 1 gguf.chat-template-injection "lone GGUF with a template payload"
lone "$in/gguf/benign/chatml.gguf" 0 "" "lone benign GGUF"
lone "$in/st/benign/model.safetensors" 0 "" "lone benign safetensors"
lone "$in/st/malicious/overlap.safetensors" 1 safetensors.overlap "lone safetensors with overlapping tensors"
lone "$in/keras/malicious/lambda-bytecode.keras" 1 keras.lambda-layer "lone .keras with Lambda bytecode"
lone "$in/keras/malicious/lambda.h5" 1 keras.lambda-layer "lone .h5 with Lambda bytecode"
lone "$in/tf/malicious/read-file.pb" 1 tf-savedmodel.denied-op "lone saved_model .pb with ReadFile"
lone "$in/nemo/malicious/os-system.nemo" 1 nemo.denied-target "lone .nemo with _target_ os.system"
lone "$in/legacy.pt" 1 pickle-code.pickle.denied-import "lone legacy torch.save file with os.system"
lone "$in/payload.pkl" 1 pickle-code.pickle.denied-import "lone pickle with os.system"
lone "$in/state.pth" 0 "" "lone benign torch.save zip"
lone "$in/model.onnx" 0 "" "lone ONNX model"

# A zip named like a package is still unpacked as one (members at depth 0).
run_mg scan "$in/keras/malicious/bundle.zip" --json "$SANDBOX/cwd/bundle.json" -q
n=$(json_get "$SANDBOX/cwd/bundle.json" 'len([a for a in d["artifacts"] if a["depth"] == 0])')
[ "$n" = 2 ] && pass "a .zip is a package archive" || fail "bundle.zip: $n depth-0 files, expected 2"
finish
