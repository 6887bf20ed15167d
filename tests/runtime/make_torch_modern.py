#!/usr/bin/python3
"""Exports small PyTorch models with the layers of newer classifiers, and
their reference data, for tests/runtime/test_torch.c (run with Debian's
python3, which has python3-torch 1.13):

  gelu_ln13  CNN on N x 1 x 28 x 28 with GroupNorm, Hardswish, GELU and
             LayerNorm, exported at opset 13: GELU as Div/Erf/Add/Mul,
             LayerNorm as ReduceMean/Sub/Pow/Sqrt/Div, GroupNorm as
             Reshape/InstanceNormalization/Reshape/Mul/Add, Hardswish as
             HardSigmoid/Mul
  gelu_ln17  the same network exported at opset 17: LayerNormalization,
             HardSwish
  acts13     CNN with InstanceNorm2d (affine), Mish (Softplus/Tanh/Mul),
             SELU, Hardsigmoid, SiLU and Softplus (opset 13)
  pools13    CNN that crops with slicing (Slice), pools with amax, sum and
             amin over the map (ReduceMax, ReduceSum, ReduceMin) and keeps
             half the channels of a concatenation (Slice on axis 1)

Weights are random (seeded), the normalisation layers' affine parameters
too. Writes NAME.onnx, NAME_x.npy, NAME_t.npy, NAME_logits.npy and
NAME_grad.npy as make_torch_models.py does. Usage: make_torch_modern.py OUTDIR
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_torch_models import export_with_reference  # noqa: E402


class GeluLN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 8, 3, stride=2, padding=1)
        self.gn = nn.GroupNorm(2, 8)
        self.c2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.fc1 = nn.Linear(16 * 3 * 3, 32)
        self.ln = nn.LayerNorm(32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.hardswish(self.gn(self.c1(x)))
        x = F.avg_pool2d(F.gelu(self.c2(x)), 2)
        return self.fc2(F.gelu(self.ln(self.fc1(torch.flatten(x, 1)))))


class Acts(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 8, 3, stride=2, padding=1)
        self.inorm = nn.InstanceNorm2d(8, affine=True)
        self.c2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.fc1 = nn.Linear(16 * 3 * 3, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.mish(self.inorm(self.c1(x)))
        h = self.fc1(torch.flatten(F.avg_pool2d(F.selu(self.c2(x)), 2), 1))
        return self.fc2(F.softplus(F.silu(h) * F.hardsigmoid(h)) - 0.5)


class Pools(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 8, 3, stride=2, padding=1)
        self.c2 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(16 * 3, 10)

    def forward(self, x):
        x = x[:, :, 1:27, 1:27]  # crop the border
        h = self.c2(F.relu(self.c1(x)))
        h = torch.cat([F.relu(h), F.relu(-h)], 1)[:, ::2]  # every other channel
        feats = [h.amax(dim=(2, 3)), h.sum(dim=(2, 3)) / 169.0, h.amin(dim=(2, 3))]
        return self.fc(torch.cat(feats, 1))


MODELS = [
    ("gelu_ln13", GeluLN, 13),
    ("gelu_ln17", GeluLN, 17),
    ("acts13", Acts, 13),
    ("pools13", Pools, 13),
]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    rows = 16
    for name, cls, opset in MODELS:
        torch.manual_seed(0)
        model = cls().eval()
        with torch.no_grad():
            for mod in model.modules():
                if isinstance(mod, (nn.GroupNorm, nn.LayerNorm, nn.InstanceNorm2d)):
                    mod.weight.uniform_(0.5, 1.5)
                    mod.bias.uniform_(-0.3, 0.3)
        export_with_reference(model, torch.rand(rows, 1, 28, 28), out, name, opset)


if __name__ == "__main__":
    main()
