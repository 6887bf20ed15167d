#!/usr/bin/env python3
"""Builds the unsafe-artifact test corpus in OUTDIR: benign/ (what torch,
numpy, scikit-learn and joblib really write) and malicious/ (payloads and
evasion tricks), plus manifest.json saying what must be found where. Byte
offsets come from pickletools, independently of the scanner under test.

Usage: gen_corpus.py OUTDIR   (Debian's python3; torch/numpy/sklearn parts
are skipped, and listed as skipped, when a module is missing)."""
import io
import json
import os
import pickle
import pickletools
import struct
import sys
import tarfile
import zipfile
import zlib

OUT = sys.argv[1]
manifest = {"benign": [], "malicious": [], "skipped": []}


def path(*p):
    full = os.path.join(OUT, *p)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    return full


def write(rel, data):
    with open(path(rel), "wb") as f:
        f.write(data)


def imports_of(data):
    """(opcode name, offset, 'module.name') of every import, resolving
    STACK_GLOBAL through string pushes and the memo."""
    out, stack, memo = [], [], {}
    for op, arg, pos in pickletools.genops(io.BytesIO(data)):
        n = op.name
        if n in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "BINUNICODE8",
                 "STRING", "BINSTRING", "SHORT_BINSTRING"):
            stack.append(arg)
        elif n == "MEMOIZE":
            memo[len(memo)] = stack[-1] if stack else None
        elif n in ("PUT", "BINPUT", "LONG_BINPUT"):
            memo[arg] = stack[-1] if stack else None
        elif n in ("GET", "BINGET", "LONG_BINGET"):
            stack.append(memo.get(arg))
        elif n in ("GLOBAL", "INST"):
            out.append((n, pos, arg.replace(" ", ".")))
            stack.append(None)
        elif n == "STACK_GLOBAL":
            name, mod = stack.pop(), stack.pop()
            out.append((n, pos, "%s.%s" % (mod, name)))
            stack.append(None)
        elif n == "STOP":
            break
        else:
            stack.append(None)
    return out


def expect(rel, data, target, member=None, base=0, severity="critical",
           rule="pickle.denied-import", what=None, occurrence=0):
    """Records that rel (member) holds data at byte base, and that the
    import target must be reported at its opcode's offset."""
    # Protocols < 3 write Python 2 names (fix_imports): accept those too.
    import _compat_pickle
    mod, _, name = target.rpartition(".")
    alts = {target, "%s.%s" % _compat_pickle.REVERSE_NAME_MAPPING.get(
        (mod, name), (_compat_pickle.REVERSE_IMPORT_MAPPING.get(mod, mod), name))}
    hits = [h for h in imports_of(data) if h[2] in alts]
    assert hits, (rel, target, imports_of(data))
    op, pos, target = hits[occurrence]
    manifest["malicious"].append({
        "file": rel, "member": member, "import": target, "offset": base + pos,
        "opcode": op, "severity": severity, "rule": rule,
        "what": what or target})


def expect_rule(rel, rule, severity, what, member=None):
    manifest["malicious"].append({"file": rel, "member": member, "import": None,
                                  "offset": None, "opcode": None, "severity": severity,
                                  "rule": rule, "what": what})


class Reduce:
    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


# --- malicious: payloads ---------------------------------------------------
import os as _os
import subprocess
import runpy
import builtins

payloads = {
    "reduce_os_system.pkl": (Reduce(_os.system, ("echo pwned",)), _os.system.__module__ + ".system"),
    "builtins_eval.pkl": (Reduce(builtins.eval, ("1+1",)), "builtins.eval"),
    "subprocess_popen.pkl": (Reduce(subprocess.Popen, (["true"],)), "subprocess.Popen"),
    "runpy_run_code.pkl": (Reduce(runpy._run_code, ("1", {})), "runpy._run_code"),
}
for name, (obj, target) in payloads.items():
    for proto in (2, 4):
        rel = "malicious/p%d_%s" % (proto, name)
        data = pickle.dumps(obj, protocol=proto)
        write(rel, data)
        expect(rel, data, target, what="__reduce__ to %s, protocol %d" % (target, proto))

# STACK_GLOBAL whose operands come from the memo (MEMOIZE/BINGET), with the
# strings stored long before use.
sg = (b"\x80\x04"
      b"\x8c\x02os\x94" b"\x8c\x06system\x94" b"0" b"0"
      b"]\x94" b"h\x00h\x01\x93" b"\x8c\x0aecho pwned\x85R.")
write("malicious/stack_global_memo.pkl", sg)
expect("malicious/stack_global_memo.pkl", sg, "os.system", what="STACK_GLOBAL through MEMOIZE/BINGET")

# The same through LONG_BINPUT/LONG_BINGET and protocol-0 PUT/GET.
sg2 = (b"\x80\x04" b"\x8c\x08builtins" b"r\x10\x00\x00\x00" b"0"
       b"\x8c\x04eval" b"p77\n" b"0"
       b"j\x10\x00\x00\x00" b"g77\n" b"\x93" b"\x8c\x031+1\x85R.")
write("malicious/stack_global_longput.pkl", sg2)
expect("malicious/stack_global_longput.pkl", sg2, "builtins.eval", what="STACK_GLOBAL through LONG_BINPUT and PUT")

# Protocol 0 text GLOBAL, INST and OBJ.
p0 = b"cos\nsystem\n(S'echo pwned'\ntR."
write("malicious/proto0_global.pkl", p0)
expect("malicious/proto0_global.pkl", p0, "os.system", what="protocol 0 GLOBAL")
inst = b"(S'echo pwned'\nios\nsystem\n."
write("malicious/inst.pkl", inst)
expect("malicious/inst.pkl", inst, "os.system", what="INST")
obj = b"\x80\x01(csubprocess\ncheck_output\n]S'true'\naoN."
write("malicious/obj.pkl", obj)
expect("malicious/obj.pkl", obj, "subprocess.check_output", what="OBJ")

# Python 2 module name that Python 3 maps to builtins.
py2 = b"\x80\x02c__builtin__\neval\nq\x00X\x03\x00\x00\x001+1q\x01\x85q\x02Rq\x03."
write("malicious/py2_builtin_eval.pkl", py2)
expect("malicious/py2_builtin_eval.pkl", py2, "__builtin__.eval", what="__builtin__ alias")

# Dotted name walking through a dunder to reach builtins.
dunder = (b"\x80\x04\x8c\x0ctorch._utils\x8c\x1f_rebuild_tensor_v2.__builtins__\x93"
          b"\x8c\x04eval\x85R.")
write("malicious/dunder_walk.pkl", dunder)
expect("malicious/dunder_walk.pkl", dunder, "torch._utils._rebuild_tensor_v2.__builtins__",
       what="qualified name through __builtins__")

# Operand computed at load time: unresolvable, so dangerous.
unres = (b"\x80\x04\x8c\x08builtins\x8c\x03str\x93\x8c\x02os\x85R"
         b"\x8c\x06system\x93\x8c\x04true\x85R.")
write("malicious/unresolved_operand.pkl", unres)
hits = [h for h in imports_of(unres) if h[0] == "STACK_GLOBAL"]
manifest["malicious"].append({"file": "malicious/unresolved_operand.pkl", "member": None,
                              "import": "?", "offset": hits[1][1], "opcode": "STACK_GLOBAL",
                              "severity": "critical", "rule": "pickle.unresolved-import",
                              "what": "STACK_GLOBAL operand computed by a call"})

# Junk that makes a strict unpickler-emulator give up, then the payload.
junk = b"\x80\x02" + b"0" * 3 + b"e" + b"cposix\nsystem\nX\x04\x00\x00\x00trueq\x00\x85R."
write("malicious/junk_then_payload.pkl", junk)
manifest["malicious"].append({"file": "malicious/junk_then_payload.pkl", "member": None,
                              "import": "posix.system", "offset": junk.index(b"cposix"),
                              "opcode": "GLOBAL", "severity": "critical",
                              "rule": "pickle.denied-import",
                              "what": "stack underflow before the payload"})
expect_rule("malicious/junk_then_payload.pkl", "pickle.malformed", "medium", "malformed pickle")

# Extension registry code: cannot be resolved by reading the file.
ext = b"\x80\x02\x82\x01X\x04\x00\x00\x00trueq\x00\x85R."
write("malicious/ext1.pkl", ext)
manifest["malicious"].append({"file": "malicious/ext1.pkl", "member": None, "import": "?",
                              "offset": 2, "opcode": "EXT1", "severity": "critical",
                              "rule": "pickle.unresolved-import", "what": "EXT1 code"})

# Legacy (stacked) PyTorch layout with the payload in the data pickle.
evil = pickle.dumps(Reduce(_os.system, ("echo pwned",)), protocol=2)
legacy = (pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2) + pickle.dumps(1001, protocol=2)
          + pickle.dumps({"protocol_version": 1001, "little_endian": True}, protocol=2))
base = len(legacy)
legacy += evil + pickle.dumps(["0"], protocol=2) + struct.pack("<q", 128) + bytes(512)
write("malicious/legacy_stacked.pt", legacy)
expect("malicious/legacy_stacked.pt", evil, _os.system.__module__ + ".system", base=base,
       what="payload in the 4th stacked pickle (legacy torch.save)")

# A header-less pickle the emulator objects to (a GET of a key never
# stored, before the payload), named like data.
odd = b"(g5\n0cos\nsystem\n(S'echo pwned'\ntR."
write("malicious/odd_noheader.bin", odd)
manifest["malicious"].append({"file": "malicious/odd_noheader.bin", "member": None,
                              "import": "os.system", "offset": odd.index(b"cos"),
                              "opcode": "GLOBAL", "severity": "critical",
                              "rule": "pickle.denied-import",
                              "what": "no PROTO, emulator error, non-pickle name"})

# Protocol-0 payload in a file named like data.
write("malicious/weights.dat", p0)
expect("malicious/weights.dat", p0, "os.system", what="protocol 0 pickle named .dat")

# --- malicious: containers --------------------------------------------------
def torch_like_zip(rel, members, tweak=None):
    """A zip written like torch.save (stored, prefix dir); tweak(bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in members:
            z.writestr(name, data)
    data = buf.getvalue()
    if tweak:
        data = tweak(data)
    write(rel, data)
    return data

benign_pkl = pickle.dumps({"w": [1.0, 2.0]}, protocol=2)
torch_like_zip("malicious/second_member.pt",
               [("archive/data.pkl", benign_pkl), ("archive/extra.pkl", evil)])
expect("malicious/second_member.pt", evil, _os.system.__module__ + ".system",
       member="archive/extra.pkl", what="payload in a second pickle member")
torch_like_zip("malicious/hidden_member.pt",
               [("archive/data.pkl", benign_pkl), ("archive/data/7", evil)])
expect("malicious/hidden_member.pt", evil, _os.system.__module__ + ".system",
       member="archive/data/7", what="payload in a member not named .pkl (magic)")


def patch_cd(data, member, fn):
    """Applies fn(bytearray, local_offset, central_offset) for member."""
    b = bytearray(data)
    end = b.rfind(b"PK\x05\x06")
    cd = struct.unpack_from("<I", b, end + 16)[0]
    p = cd
    while b[p:p + 4] == b"PK\x01\x02":
        nlen, xlen, clen = struct.unpack_from("<HHH", b, p + 28)
        name = bytes(b[p + 46:p + 46 + nlen]).decode()
        lho = struct.unpack_from("<I", b, p + 42)[0]
        if name == member:
            fn(b, lho, p)
        p += 46 + nlen + xlen + clen
    return bytes(b)


def bad_crc(b, lho, cd):
    struct.pack_into("<I", b, lho + 14, 0x12345678)
    struct.pack_into("<I", b, cd + 16, 0x12345678)


def odd_flags(b, lho, cd):
    struct.pack_into("<H", b, lho + 6, 0x0001 | 0x2000)
    struct.pack_into("<H", b, cd + 8, 0x0001)


def rename_local(b, lho, cd):
    b[lho + 30:lho + 30 + 8] = b"archive/"[:8]
    b[lho + 30 + 8:lho + 30 + 16] = b"notes.md"


for rel, tweak, rule, sev, what in (
        ("malicious/bad_crc.pt", bad_crc, "zip.bad-crc", "medium", "CRC wrong (CVE-2025-10156)"),
        ("malicious/odd_flags.pt", odd_flags, "zip.odd-flags", "medium",
         "encryption/masked flag bits (CVE-2025-1945)"),
        ("malicious/name_mismatch.pt", rename_local, "zip.header-mismatch", "high",
         "local header names another file")):
    torch_like_zip(rel, [("archive/data.pkl", evil)],
                   lambda d, t=tweak: patch_cd(d, "archive/data.pkl", t))
    expect(rel, evil, _os.system.__module__ + ".system", member="archive/data.pkl",
           what="payload behind: " + what)
    expect_rule(rel, rule, sev, what, member="archive/data.pkl")

# .npy with an object dtype: the array is a pickle after the header.
try:
    import numpy as np
    arr = np.empty(1, dtype=object)
    arr[0] = Reduce(_os.system, ("echo pwned",))
    bio = io.BytesIO()
    np.save(bio, arr, allow_pickle=True)
    npy = bio.getvalue()
    write("malicious/object_array.npy", npy)
    hlen = struct.unpack_from("<H", npy, 8)[0] if npy[6] == 1 else struct.unpack_from("<I", npy, 8)[0]
    start = (10 if npy[6] == 1 else 12) + hlen
    expect("malicious/object_array.npy", npy[start:], _os.system.__module__ + ".system",
           base=start, what=".npy object array")
except ImportError:
    manifest["skipped"].append("numpy: .npy object array")

# joblib puts raw array bytes inside the pickle stream: a payload after an
# array, and one inside an object array (a nested pickle).
try:
    import numpy as np
    import joblib
    joblib.dump({"w": np.arange(64, dtype=np.float64), "evil": Reduce(_os.system, ("echo pwned",))},
                path("malicious/after_array.joblib"))
    jd = open(path("malicious/after_array.joblib"), "rb").read()
    off = jd.index(b"\x93", jd.index(b"\x8c\x06system"))
    manifest["malicious"].append({"file": "malicious/after_array.joblib", "member": None,
                                  "import": _os.system.__module__ + ".system", "offset": off,
                                  "opcode": "STACK_GLOBAL", "severity": "critical",
                                  "rule": "pickle.denied-import",
                                  "what": "joblib: payload after raw array bytes"})
    oa = np.empty(2, dtype=object)
    oa[0] = Reduce(_os.system, ("echo pwned",))
    joblib.dump({"w": np.ones(3), "objs": oa}, path("malicious/object_array.joblib"))
    jd = open(path("malicious/object_array.joblib"), "rb").read()
    manifest["malicious"].append({"file": "malicious/object_array.joblib", "member": None,
                                  "import": _os.system.__module__ + ".system",
                                  "offset": jd.index(b"c" + _os.system.__module__.encode() + b"\nsystem\n"),
                                  "opcode": "GLOBAL", "severity": "critical",
                                  "rule": "pickle.denied-import",
                                  "what": "joblib: payload in an object array's nested pickle"})
except ImportError:
    manifest["skipped"].append("joblib: payloads around arrays")

# joblib-style zlib stream, and a tar.gz holding a pickle.
write("malicious/compressed.joblib", zlib.compress(evil, 3))
manifest["malicious"].append({"file": "malicious/compressed.joblib", "member": "(decompressed)",
                              "import": _os.system.__module__ + ".system",
                              "offset": imports_of(evil)[0][1], "opcode": "GLOBAL",
                              "severity": "critical", "rule": "pickle.denied-import",
                              "what": "zlib-compressed joblib dump"})
import gzip
write("malicious/model.pkl.gz", gzip.compress(evil))
manifest["malicious"].append({"file": "malicious/model.pkl.gz", "member": "(decompressed)",
                              "import": _os.system.__module__ + ".system",
                              "offset": imports_of(evil)[0][1], "opcode": "GLOBAL",
                              "severity": "critical", "rule": "pickle.denied-import",
                              "what": "gzip-compressed pickle"})
tbuf = io.BytesIO()
with tarfile.open(fileobj=tbuf, mode="w:gz") as t:
    ti = tarfile.TarInfo("weights/model.pkl")
    ti.size = len(evil)
    t.addfile(ti, io.BytesIO(evil))
write("malicious/bundle.tar.gz", tbuf.getvalue())
manifest["malicious"].append({"file": "malicious/bundle.tar.gz!/weights/model.pkl",
                              "member": None, "import": _os.system.__module__ + ".system",
                              "offset": imports_of(evil)[0][1], "opcode": "GLOBAL",
                              "severity": "critical", "rule": "pickle.denied-import",
                              "what": "pickle inside a tar.gz"})

# --- malicious: issue 14 (hostile-input hardening) --------------------------
# Item 1: a torch.save zip (zip64 end records, as PyTorch always writes) with
# 400 bytes in front. Python's zipfile finds the members through the end
# records' relative offsets and torch.load would run the payload.
try:
    import torch
    buf = io.BytesIO()
    torch.save({"w": torch.zeros(3), "x": Reduce(_os.system, ("echo pwned",))}, buf)
    pre = b"J" * 400 + buf.getvalue()
    write("malicious/prepended_zip64.pt", pre)
    with zipfile.ZipFile(io.BytesIO(pre)) as z:  # zipfile reads it: so would a loader
        inner = [n for n in z.namelist() if n.endswith("data.pkl")][0]
        pkl = z.read(inner)
    expect("malicious/prepended_zip64.pt", pkl, _os.system.__module__ + ".system", member=inner,
           what="zip64 torch.save with bytes prepended")
except ImportError:
    manifest["skipped"].append("torch: prepended zip64 checkpoint")

# Item 2: gadgets outside the classic denylist, and an import nothing knows:
# the allowlist decides, so an unknown import is high (fails the gate).
for rel, mod, name, arg in (
        ("malicious/shapeenv_guards.pkl", "torch.fx.experimental.symbolic_shapes",
         "ShapeEnv.evaluate_guards_expression", "__import__('os').system('id')"),
        ("malicious/grammar_loads.pkl", "lib2to3.pgen2.grammar", "Grammar.loads", "cos\nsystem\n")):
    g = (b"\x80\x04" + b"\x8c" + bytes([len(mod)]) + mod.encode() + b"\x94"
         + b"\x8c" + bytes([len(name)]) + name.encode() + b"\x94\x93"
         + b"\x8c" + bytes([len(arg)]) + arg.encode() + b"\x85R.")
    write(rel, g)
    expect(rel, g, mod + "." + name, what="gadget: " + name)
unk = b"\x80\x02cmodelzoo_helpers\nrebuild_everything\nq\x00)Rq\x01."
write("malicious/unknown_import.pkl", unk)
expect("malicious/unknown_import.pkl", unk, "modelzoo_helpers.rebuild_everything",
       severity="high", rule="pickle.unknown-import", what="import not in the allowlist")

# Item 3: an os.system pickle inside zips nested 20 deep, far beyond the
# depth limit: what was not opened must not pass.
blob = evil
for i in range(20):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_STORED) as z:
        z.writestr("inner.pkl" if i == 0 else "level%d.zip" % i, blob)
    blob = b.getvalue()
write("malicious/nested20.zip", blob)
expect_rule("malicious/nested20.zip", "pickle.not-inspected", "high",
            "pickle inside zips nested 20 deep, beyond the depth limit")

# --- benign ----------------------------------------------------------------
def benign(rel, data=None):
    if data is not None:
        write(rel, data)
    manifest["benign"].append(rel)

try:
    import numpy as np
    np.save(path("benign/arr.npy"), np.arange(12, dtype=np.float32).reshape(3, 4))
    benign("benign/arr.npy")
    np.savez_compressed(path("benign/arrays.npz"), a=np.arange(5), b=np.eye(3))
    benign("benign/arrays.npz")
    for proto in (0, 2, 4, 5):
        benign("benign/numpy_p%d.pkl" % proto,
               pickle.dumps({"a": np.arange(3), "f": np.float64(1.5), "d": np.dtype("f4"),
                             "i": np.int64(3)}, protocol=proto))
except ImportError:
    manifest["skipped"].append("numpy: benign arrays")

try:
    import torch
    m = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                            torch.nn.Flatten(), torch.nn.Linear(4 * 6 * 6, 10))
    sd = m.state_dict()
    torch.save(sd, path("benign/state_dict.pt"))
    benign("benign/state_dict.pt")
    torch.save(sd, path("benign/state_dict_legacy.pt"), _use_new_zipfile_serialization=False)
    benign("benign/state_dict_legacy.pt")
    opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    torch.save({"model": sd, "optimizer": opt.state_dict(), "epoch": 3,
                "extra": {"h": torch.zeros(2, dtype=torch.float16),
                          "b": torch.zeros(2, dtype=torch.bool),
                          "i": torch.arange(4)}}, path("benign/checkpoint.ckpt"))
    benign("benign/checkpoint.ckpt")
    torch.save(torch.nn.Parameter(torch.ones(3)), path("benign/parameter.pth"))
    benign("benign/parameter.pth")
except ImportError:
    manifest["skipped"].append("torch: benign checkpoints")

try:
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    X = np.random.RandomState(0).rand(40, 3)
    y = (X[:, 0] > 0.5).astype(int)
    est = Pipeline([("s", StandardScaler()), ("l", LogisticRegression())]).fit(X, y)
    benign("benign/sklearn_pipeline.pkl", pickle.dumps(est))
    try:
        import joblib
        joblib.dump(est, path("benign/sklearn_pipeline.joblib"))
        benign("benign/sklearn_pipeline.joblib")
        joblib.dump(est, path("benign/sklearn_compressed.joblib"), compress=3)
        benign("benign/sklearn_compressed.joblib")
    except ImportError:
        manifest["skipped"].append("joblib: benign dumps")
except ImportError:
    manifest["skipped"].append("sklearn: benign estimator")

import gzip
benign("benign/train-images-idx3-ubyte.gz",
       gzip.compress(b"\x00\x00\x08\x03" + struct.pack(">III", 300, 28, 28) + os.urandom(300 * 784)))
benign("benign/plain.pkl", pickle.dumps({"lr": 0.1, "layers": [1, 2, 3], "name": "x"}))
benign("benign/readme.txt", b"cat\ndog\nnot a pickle\n")

with open(path("manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1)
