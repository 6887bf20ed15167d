#!/usr/bin/env python3
"""Builds OpenSSF model-signing (model_signing v1.0) test bundles.

Follows the format of sigstore/model-transparency (src/model_signing/
_signing/signing.py Payload, sign_ec_key.py and sign_certificate.py
Signers, sign_sigstore_pb.py pae): an in-toto Statement v1 with predicate
type https://model_signing/signature/v1.0, wrapped in a DSSE envelope whose
ECDSA signature covers the DSSE v1 pre-authentication encoding, in a
Sigstore bundle v0.3 JSON. Uses Debian's python3-cryptography only; no
network. The bundles that model_signing itself produced are the committed
ones in tests/signature/upstream/.

usage: make_signatures.py OUTDIR
Writes OUTDIR/model/ (the model directory), OUTDIR/keys/*.pem,
OUTDIR/ca/*.pem and OUTDIR/sigs/*.sig (see CASES below).
"""
import base64
import datetime
import hashlib
import json
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PAYLOAD_TYPE = "application/vnd.in-toto+json"
PREDICATE = "https://model_signing/signature/v1.0"
IGNORE = ["README.md", ".git", ".gitattributes", ".github", ".gitignore"]


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def pub_pem(key):
    return key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo)


def files_of(model):
    out = []
    for root, dirs, names in os.walk(model):
        dirs.sort()
        for n in sorted(names):
            p = os.path.join(root, n)
            rel = os.path.relpath(p, model).replace(os.sep, "/")
            if any(rel == i or rel.startswith(i + "/") for i in IGNORE):
                continue
            out.append(rel)
    return sorted(out)


def resources(model, method="files", shard=0, hash_type="sha256"):
    res = []
    for rel in files_of(model):
        data = open(os.path.join(model, rel), "rb").read()
        if method == "files":
            h = hashlib.sha256(data) if hash_type == "sha256" else hashlib.blake2b(data)
            res.append({"name": rel, "algorithm": hash_type, "digest": h.hexdigest()})
        else:
            for start in range(0, len(data), shard):
                end = min(start + shard, len(data))
                res.append({"name": "%s:%d:%d" % (rel, start, end),
                            "algorithm": "%s-sharded-%d" % (hash_type, shard),
                            "digest": hashlib.sha256(data[start:end]).hexdigest()})
    return res


def statement(model, method="files", shard=0, hash_type="sha256",
              predicate_type=PREDICATE, subject_digest=None, res=None):
    res = resources(model, method, shard, hash_type) if res is None else res
    root = hashlib.sha256(b"".join(bytes.fromhex(r["digest"]) for r in res))
    ser = {"method": method, "hash_type": hash_type, "allow_symlinks": False,
           "ignore_paths": IGNORE}
    if method == "shards":
        ser["shard_size"] = float(shard)  # a protobuf Struct number, as upstream
    return {"_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": "model",
                         "digest": {"sha256": subject_digest or root.hexdigest()}}],
            "predicateType": predicate_type,
            "predicate": {"serialization": ser, "resources": res}}


def pae(payload_type, payload):
    return b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type.encode(),
                                    len(payload), payload)


def curve_hash(key):
    return {256: hashes.SHA256(), 384: hashes.SHA384(),
            521: hashes.SHA512()}[key.curve.key_size]


def bundle(stmt, key, material, payload_type=PAYLOAD_TYPE):
    payload = json.dumps(stmt, indent=2).encode()
    sig = key.sign(pae(payload_type, payload), ec.ECDSA(curve_hash(key)))
    return json.dumps({
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": material,
        "dsseEnvelope": {"payload": base64.b64encode(payload).decode(),
                         "payloadType": payload_type,
                         "signatures": [{"sig": base64.b64encode(sig).decode(),
                                         "keyid": ""}]}}, indent=2).encode()


def key_material(key):
    return {"publicKey": {"hint": hashlib.sha256(pub_pem(key)).hexdigest()},
            "tlogEntries": []}


def cert_material(certs):
    return {"x509CertificateChain": {"certificates": [
        {"rawBytes": base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()}
        for c in certs]}, "tlogEntries": []}


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def certificate(subject_key, subject, issuer_key, issuer, ca, extra=()):
    now = datetime.datetime(2026, 1, 1)
    b = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer))
         .public_key(subject_key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True,
                                          False, False), critical=True)
    else:
        b = b.add_extension(x509.KeyUsage(True, False, False, False, False, False, False,
                                          False, False), critical=True)
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]),
                            critical=False)
    for ext in extra:
        b = b.add_extension(ext, critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def main(out):
    model = os.path.join(out, "model")
    write(os.path.join(model, "weights.bin"), os.urandom(3000))
    write(os.path.join(model, "config.json"), b'{"layers": 4}\n')
    write(os.path.join(model, "tokenizer", "vocab.txt"), b"a\nb\nc\n")
    write(os.path.join(model, "README.md"), b"ignored by the signature\n")
    write(os.path.join(model, "empty.txt"), b"")

    keys = {n: ec.generate_private_key(c) for n, c in
            [("p256", ec.SECP256R1()), ("p384", ec.SECP384R1()), ("other", ec.SECP256R1()),
             ("root", ec.SECP256R1()), ("int", ec.SECP256R1()), ("leaf", ec.SECP384R1()),
             ("evil-root", ec.SECP256R1())]}
    for n in ("p256", "p384", "other"):
        write(os.path.join(out, "keys", n + ".pub.pem"), pub_pem(keys[n]))
    root = certificate(keys["root"], "test root CA", keys["root"], "test root CA", True)
    inter = certificate(keys["int"], "test intermediate CA", keys["root"], "test root CA", True)
    leaf = certificate(keys["leaf"], "model signer", keys["int"], "test intermediate CA", False)
    evil = certificate(keys["evil-root"], "test root CA", keys["evil-root"], "test root CA", True)
    # A Fulcio-like leaf: Sigstore's OIDC issuer extension (1.3.6.1.4.1.57264.1.8).
    fulcio = certificate(keys["leaf"], "", keys["int"], "test intermediate CA", False, [
        x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.8"),
                                   b"\x0c\x1bhttps://accounts.example.com")])
    pem = serialization.Encoding.PEM
    write(os.path.join(out, "ca", "root.pem"), root.public_bytes(pem))
    write(os.path.join(out, "ca", "other-root.pem"), evil.public_bytes(pem))

    sigs = os.path.join(out, "sigs")
    k, p384 = keys["p256"], keys["p384"]
    cases = {
        # the key method, P-256 and P-384, files serialisation
        "key-p256": bundle(statement(model), k, key_material(k)),
        "key-p384": bundle(statement(model), p384, key_material(p384)),
        # the certificate method: leaf, then the intermediate, to the root
        "cert": bundle(statement(model), keys["leaf"], cert_material([leaf, inter])),
        # shards of 1000 bytes (weights.bin has 3)
        "shards": bundle(statement(model, "shards", 1000), k, key_material(k)),
        # validly signed, but not a model_signing v1.0 statement
        "predicate": bundle(statement(model, predicate_type="https://example.com/other/v1"),
                            k, key_material(k)),
        "payload-type": bundle(statement(model), k, key_material(k),
                               payload_type="application/json"),
        # validly signed, refused: blake2 manifests
        "blake2": bundle(statement(model, hash_type="blake2"), k, key_material(k)),
        # validly signed, inconsistent subject digest
        "inconsistent": bundle(statement(model, subject_digest="00" * 32), k, key_material(k)),
        # keyless Sigstore (Fulcio-style certificate, a transparency-log entry)
        "keyless": bundle(statement(model), keys["leaf"], dict(
            cert_material([fulcio, inter]), tlogEntries=[{"logIndex": "1"}])),
        # the key method with a transparency-log entry: verified, log noted
        "tlog": bundle(statement(model), k, dict(key_material(k),
                                                 tlogEntries=[{"logIndex": "1"}])),
    }
    for n, data in cases.items():
        write(os.path.join(sigs, n + ".sig"), data)


if __name__ == "__main__":
    main(sys.argv[1])
