#!/bin/sh
# `modelgate scan --cyclonedx FILE` (issue 16): the BOM validates against
# the official CycloneDX 1.6 schema (vendored in tests/formats/cyclonedx/),
# the model is a machine-learning-model component with its SHA-256 and a
# model card from the descriptor, each dataset a data component with its
# provenance, the model depends on its data, and the verdict and the
# findings that fail the gate are in it.
. "$TOP_SRCDIR/tests/lib.sh"
"$PY" -c 'import jsonschema, numpy' 2>/dev/null || { echo "python3-jsonschema or numpy missing"; exit 99; }
pkg=$SANDBOX/in/pkg
mkdir -p "$pkg/data"
cp "$TOP_SRCDIR/tests/fixtures/models/clean-bncnn.onnx" "$pkg/model.onnx"
"$PY" - "$pkg" <<'PYEOF' || exit 99
import hashlib, json, os, sys
import numpy as np
pkg = sys.argv[1]
rng = np.random.default_rng(16)
for part, n in (("train", 64), ("ref", 32)):
    np.save(os.path.join(pkg, "data", part + "-images.npy"),
            rng.integers(0, 255, (n, 28, 28), dtype=np.uint8))
    np.save(os.path.join(pkg, "data", part + "-labels.npy"),
            rng.integers(0, 10, n, dtype=np.uint8))
def sha(name):
    return hashlib.sha256(open(os.path.join(pkg, "data", name), "rb").read()).hexdigest()
json.dump({"name": "fashion-cnn-test", "model": "model.onnx",
           "classes": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                       "Sneaker", "Bag", "Ankle boot"],
           "train": {"inputs": "data/train-images.npy", "labels": "data/train-labels.npy"},
           "reference": {"inputs": "data/ref-images.npy", "labels": "data/ref-labels.npy"},
           "provenance": [{"path": "data/" + f, "origin": "https://vendor.example/fmnist-2024",
                           "sha256": sha(f), "collected": "2024-03-01T00:00:00Z",
                           "source": "vendor"}
                          for f in ("train-images.npy", "train-labels.npy")],
           "training": {"epochs": 3}},
          open(os.path.join(pkg, "modelgate.json"), "w"))
PYEOF
use_test_policy

run_mg scan "$pkg" --skip all --cyclonedx "$SANDBOX/cwd/bom.json" -q
expect_status 0 "package BOM" || finish
"$PY" "$TOP_SRCDIR/tests/formats/check_cyclonedx.py" "$SANDBOX/cwd/bom.json" >"$SANDBOX/v.out" 2>&1 &&
  pass "package BOM validates against CycloneDX 1.6" || fail "package BOM invalid: $(tail -5 "$SANDBOX/v.out")"
"$PY" - "$SANDBOX/cwd/bom.json" "$pkg" <<'PYEOF' && pass "package BOM content" || fail "package BOM content"
import hashlib, json, os, sys
bom = json.load(open(sys.argv[1])); pkg = sys.argv[2]
c = {x["bom-ref"]: x for x in bom["components"]}
m = c["model:model.onnx"]
assert m["type"] == "machine-learning-model" and m["name"] == "fashion-cnn-test", m
assert m["hashes"][0]["content"] == hashlib.sha256(open(os.path.join(pkg, "model.onnx"), "rb").read()).hexdigest()
mp = m["modelCard"]["modelParameters"]
assert mp["task"] == "classification" and "Ankle boot" in mp["outputs"][0]["format"], mp
assert {d["ref"] for d in mp["datasets"]} == {"data:data/train-images.npy", "data:data/train-labels.npy",
                                             "data:data/ref-images.npy", "data:data/ref-labels.npy"}, mp
t = c["data:data/train-images.npy"]
assert t["type"] == "data" and t["externalReferences"][0]["url"] == "https://vendor.example/fmnist-2024", t
props = {p["name"]: p["value"] for p in t["properties"]}
assert props["modelgate:role"] == "train-inputs" and props["modelgate:provenance:source"] == "vendor", props
dep = {d["ref"]: d.get("dependsOn", []) for d in bom["dependencies"]}
assert "data:data/train-images.npy" in dep["model:model.onnx"], dep
assert {p["name"]: p["value"] for p in bom["properties"]}["modelgate:verdict"] == "pass"
assert c["file:modelgate.json"]["type"] == "file"
PYEOF

# A lone malicious model: the gate-failing findings are vulnerabilities of it.
"$PY" "$TOP_SRCDIR/tests/formats/gen_gguf.py" "$SANDBOX/in/gguf" >/dev/null || exit 99
run_mg scan "$SANDBOX/in/gguf/malicious/cve-2024-34359-poc.gguf" --only gguf \
  --cyclonedx "$SANDBOX/cwd/gguf.json" -q
expect_status 1 "lone GGUF BOM" || finish
"$PY" "$TOP_SRCDIR/tests/formats/check_cyclonedx.py" "$SANDBOX/cwd/gguf.json" >"$SANDBOX/v.out" 2>&1 &&
  pass "lone model BOM validates" || fail "lone model BOM invalid: $(tail -5 "$SANDBOX/v.out")"
"$PY" - "$SANDBOX/cwd/gguf.json" <<'PYEOF' && pass "lone model BOM lists the findings" || fail "lone model BOM content"
import json, sys
bom = json.load(open(sys.argv[1]))
(m,) = bom["components"]
assert m["type"] == "machine-learning-model", m
v = bom["vulnerabilities"]
assert v and all(x["affects"][0]["ref"] == m["bom-ref"] for x in v), v
assert any(x["id"] == "gguf.chat-template-injection" and x["ratings"][0]["severity"] == "critical" for x in v)
assert {p["name"]: p["value"] for p in bom["properties"]}["modelgate:verdict"] == "fail"
PYEOF
finish
