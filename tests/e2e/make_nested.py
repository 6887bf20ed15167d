"""Writes a directory package with archives inside archives for nested.sh:
three levels of nesting, a zip member with a wrong CRC, an unsafe member
name and a nested bomb. Prints the expected digests as JSON."""
import hashlib
import io
import json
import os
import struct
import sys
import tarfile
import zipfile

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def tar_bytes(members, mode="w"):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as t:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def zip_bytes(members, method=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


payload = b"pickle-ish payload" * 10
deep = tar_bytes([("x.bin", b"deepest")])
inner = zip_bytes([("deep.tar", deep), ("note.txt", b"hello")])
outer = tar_bytes([("a/data.pkl", payload), ("inner.zip", inner)], "w:gz")
with open(os.path.join(out, "weights.tar.gz"), "wb") as f:
    f.write(outer)

# Wrong CRC in both headers: the data no longer matches.
z = bytearray(zip_bytes([("archive/data.pkl", payload)]))
for sig, off in ((b"PK\x03\x04", 14), (b"PK\x01\x02", 16)):
    i = z.find(sig)
    z[i + off:i + off + 4] = struct.pack("<I", 0xDEADBEEF)
with open(os.path.join(out, "badcrc.zip"), "wb") as f:
    f.write(z)

with open(os.path.join(out, "slip.zip"), "wb") as f:
    f.write(zip_bytes([("../../evil.txt", b"x"), ("ok.txt", b"y")]))

with open(os.path.join(out, "model.onnx"), "wb") as f:
    f.write(b"not really onnx")

with open(os.path.join(out + "-bomb.tar"), "wb") as f:
    f.write(tar_bytes([("model.onnx", b"x"),
                       ("w.zip", zip_bytes([("z.bin", bytes(48 << 20))], zipfile.ZIP_DEFLATED))]))

print(json.dumps({"data.pkl": hashlib.sha256(payload).hexdigest(),
                  "deep.tar": hashlib.sha256(deep).hexdigest()}))
