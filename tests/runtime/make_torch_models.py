#!/usr/bin/python3
"""Exports the four small PyTorch models the runtime is tested against and
their reference data (run with Debian's python3, which has python3-torch):

  mlp      784-64-32-10 MLP on N x 784 rows (opset 17)
  lenet    LeNet-style CNN on N x 1 x 28 x 28 using x.view(x.size(0), -1),
           exported without constant folding so the Shape/Gather/Unsqueeze/
           Concat/Reshape sub-graph stays in the file (opset 11)
  bncnn    CNN with BatchNorm and Dropout on N x 3 x 32 x 32 (opset 13)
  resnet   small ResNet with residual Add and AdaptiveAvgPool2d (opset 9)

Weights are random (seeded); BatchNorm running statistics come from a few
training-mode passes so BatchNorm is not the identity. For each model NAME
this writes NAME.onnx, NAME_x.npy (inputs), NAME_t.npy (int64 targets),
NAME_logits.npy and NAME_grad.npy (d sum(cross_entropy) / d x from torch
autograd). Usage: make_torch_models.py OUTDIR
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 64)
        self.fc2 = nn.Linear(64, 32)
        self.fc3 = nn.Linear(32, 10)

    def forward(self, x):
        return self.fc3(torch.tanh(self.fc2(F.relu(self.fc1(x)))))


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5)
        self.c2 = nn.Conv2d(6, 16, 5)
        self.f1 = nn.Linear(256, 120)
        self.f2 = nn.Linear(120, 84)
        self.f3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        x = x.view(x.size(0), -1)
        return self.f3(F.relu(self.f2(F.relu(self.f1(x)))))


class BNCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 16, 3, padding=1)
        self.b1 = nn.BatchNorm2d(16)
        self.c2 = nn.Conv2d(16, 32, 3, padding=1)
        self.b2 = nn.BatchNorm2d(32)
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(32 * 8 * 8, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.b1(self.c1(x))), 2)
        x = F.max_pool2d(F.leaky_relu(self.b2(self.c2(x)), 0.1), 2)
        return self.fc(self.drop(torch.flatten(x, 1)))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                       nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        return F.relu(y + (x if self.short is None else self.short(x)))


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        self.l1 = Block(16, 16, 1)
        self.l2 = Block(16, 32, 2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.bn(self.stem(x)))
        x = self.l2(self.l1(x))
        return self.fc(torch.flatten(self.pool(x), 1))


MODELS = [
    ("mlp", MLP, (784,), 17, True),
    ("lenet", LeNet, (1, 28, 28), 11, False),
    ("bncnn", BNCNN, (3, 32, 32), 13, True),
    ("resnet", ResNet, (3, 16, 16), 9, True),
]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    rows = 16
    for name, cls, shape, opset, fold in MODELS:
        model = cls()
        model.train()
        with torch.no_grad():  # running statistics for BatchNorm
            for _ in range(5):
                model(torch.rand(32, *shape) * 2 - 0.5)
        model.eval()
        export_with_reference(model, torch.rand(rows, *shape), out, name, opset, fold)


def export_with_reference(model, x, out, name, opset, fold=True):
    """Writes NAME.onnx (batch axis dynamic) and the NPY reference data."""
    torch.onnx.export(model, x[:2], os.path.join(out, name + ".onnx"), opset_version=opset,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                      do_constant_folding=fold)
    t = torch.arange(x.shape[0]) % 10
    xg = x.clone().requires_grad_(True)
    logits = model(xg)
    F.cross_entropy(logits, t, reduction="sum").backward()
    np.save(os.path.join(out, name + "_x.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(out, name + "_t.npy"), t.numpy().astype(np.int64))
    np.save(os.path.join(out, name + "_logits.npy"), logits.detach().numpy().astype(np.float32))
    np.save(os.path.join(out, name + "_grad.npy"), xg.grad.numpy().astype(np.float32))
    print(name, os.path.getsize(os.path.join(out, name + ".onnx")), "bytes")


if __name__ == "__main__":
    main()
