"""Writes the bad-package corpus for unsafe_packages.sh into OUTDIR.

Each archive carries one hostile trick; the sandbox path is baked into the
absolute-path and symlink cases so that, if modelgate ever followed them,
the escape would land inside the test's sandbox where the test looks."""
import bz2
import gzip
import io
import os
import sys
import tarfile
import zipfile

out, sandbox = sys.argv[1], sys.argv[2]


def tar(name, members, mode="w"):
    with tarfile.open(os.path.join(out, name), mode) as t:
        for m in members:
            info, data = m
            t.addfile(info, io.BytesIO(data) if data is not None else None)


def reg(name, data=b"x"):
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    return ti, data


def special(name, kind, link=""):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.linkname = link
    if kind in (tarfile.CHRTYPE, tarfile.BLKTYPE):
        ti.devmajor, ti.devminor = 1, 3
    return ti, None


ok = [reg("pkg/model.onnx", b"onnx"), reg("pkg/modelgate.json", b"{}")]

tar("zipslip.tar", ok + [reg("pkg/../../escaped-zipslip")])
tar("absolute.tar", ok + [reg(sandbox + "/escaped-absolute")])
tar("symlink.tar", ok + [special("pkg/link", tarfile.SYMTYPE, sandbox),
                         reg("pkg/link/escaped-symlink")])
tar("hardlink.tar", ok + [special("pkg/hl", tarfile.LNKTYPE, "/etc/passwd")])
tar("device.tar", ok + [special("pkg/dev", tarfile.CHRTYPE)])
tar("fifo.tar", ok + [special("pkg/fifo", tarfile.FIFOTYPE)])
tar("duplicate.tar", ok + [reg("pkg/model.onnx", b"second copy")])
tar("collision.tar", ok + [reg("pkg/Model.onnx", b"other")])
tar("dotcollision.tar", ok + [reg("pkg/./model.onnx", b"other")])
tar("backslash.tar", ok + [reg("pkg/..\\..\\escaped-backslash")])
tar("control.tar", ok + [reg("pkg/evil\x1b[2Jname")])

with zipfile.ZipFile(os.path.join(out, "zipslip.zip"), "w") as z:
    z.writestr("model.onnx", b"onnx")
    z.writestr("../../escaped-zip", b"x")

# Bombs: far more output than input. 64 MiB of zeros deflates ~1000:1.
zeros = bytes(64 << 20)
with zipfile.ZipFile(os.path.join(out, "bomb.zip"), "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("model.onnx", b"onnx")
    z.writestr("weights.bin", zeros)
with tarfile.open(os.path.join(out, "bomb.tar.bz2"), "w:bz2") as t:
    info, data = reg("pkg/weights.bin", zeros)
    t.addfile(info, io.BytesIO(data))

# A valid tar.gz cut in the middle of its compressed stream.
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w:gz") as t:
    data = os.urandom(200000)
    info, _ = reg("pkg/model.onnx", data)
    t.addfile(info, io.BytesIO(data))
raw = buf.getvalue()
with open(os.path.join(out, "truncated.tar.gz"), "wb") as f:
    f.write(raw[: len(raw) // 2])

# Not an archive at all.
with open(os.path.join(out, "notarchive.bin"), "wb") as f:
    f.write(os.urandom(4096))

tar("many.tar", [reg("pkg/f%d" % i) for i in range(50)])
