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

# Issue 14 item 6: a member whose CRC is wrong, deflated (libarchive reports
# it as a warning on the last block) and stored, with the CRC in the local
# header or in a data descriptor (a zip written to a stream).
def bad_crc_zip(name, method, streamed=False):
    payload = b"abcdefgh" * 5000
    buf = io.BytesIO()

    class Stream(io.RawIOBase):  # not seekable: zipfile writes data descriptors
        def writable(self):
            return True

        def write(self, b):
            return buf.write(b)

    with zipfile.ZipFile(Stream() if streamed else buf, "w", method) as z:
        z.writestr("model.onnx", b"onnx")
        z.writestr("weights.bin", payload)
    raw = buf.getvalue()
    crc = zipfile.crc32(payload).to_bytes(4, "little")
    bad = (zipfile.crc32(payload) ^ 0x5A5A5A5A).to_bytes(4, "little")
    assert raw.count(crc) == 2, name
    with open(os.path.join(out, name), "wb") as f:
        f.write(raw.replace(crc, bad))


bad_crc_zip("badcrc-deflated.zip", zipfile.ZIP_DEFLATED)
bad_crc_zip("badcrc-stored.zip", zipfile.ZIP_STORED)
bad_crc_zip("badcrc-streamed.zip", zipfile.ZIP_DEFLATED, streamed=True)

# Issue 14 item 10: one flipped bit in the second tar header of a tar.gz.
# libarchive skips the damaged header (ARCHIVE_RETRY); reading on used to
# print its "INTERNAL ERROR ... state 'header'" text.
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
    for n in ("pkg/model.onnx", "pkg/modelgate.json", "pkg/train.npy"):
        info, data = reg(n, b"x" * 1000)
        info.mtime = 0
        t.addfile(info, io.BytesIO(data))
raw = bytearray(buf.getvalue())
raw[1536 + 5] ^= 1  # a name byte of header 2: its checksum no longer matches
with open(os.path.join(out, "badheader.tar.gz"), "wb") as f:
    f.write(gzip.compress(bytes(raw), mtime=0))

# Issue 14 item 7: names that a normalising (macOS) or case-insensitive
# (Windows) file system would merge: NFC beside NFD, KELVIN SIGN beside k.
tar("nfd.tar", ok + [reg("pkg/caf\u00e9.bin", b"nfc"), reg("pkg/cafe\u0301.bin", b"nfd")])
tar("kelvin.tar", ok + [reg("pkg/key.bin", b"k"), reg("pkg/\u212aey.bin", b"kelvin")])
with zipfile.ZipFile(os.path.join(out, "nfd.zip"), "w") as z:
    z.writestr("model.onnx", b"onnx")
    z.writestr("caf\u00e9.bin", b"nfc")
    z.writestr("cafe\u0301.bin", b"nfd")
