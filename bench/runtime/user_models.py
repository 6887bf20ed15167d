#!/usr/bin/python3
"""Models a user would plausibly have built and exported themselves, unlike
the runtime's own test models and the fixtures' (issue 12: users measured
modelgate at 1.11-1.42x ONNX Runtime's time on their own small CNN,
BatchNorm CNN and small ResNet). Random weights (seeded), BatchNorm
running statistics from a few training-mode passes; speed does not depend
on training. Exported with torch.onnx at the opsets vendors use, with
constant folding as torch.onnx does by default.

  u-mnist      PyTorch's MNIST example (pytorch/examples): Conv 32, Conv 64
               (3x3, no padding, 26 and 24 wide), MaxPool, Dropout,
               Linear 9216-128 (a 4.7 MB weight), Linear 128-10; opset 14
  u-cnn5s2     5x5 convolutions, a stride-2 convolution instead of each
               MaxPool (28 -> 14 -> 7), Linear 3136-128; opset 13
  u-bncnn32    BatchNorm CNN 32-32-64 without padding: odd maps (26, 13,
               11, 5, 3), MaxPool, AvgPool, x.view(-1, n) Reshape; opset 12
  u-resnet8    CIFAR-style ResNet on 3x32x32: BasicBlocks of 16, 32, 64
               channels, 1x1 stride-2 shortcuts with BatchNorm (32 -> 16
               -> 8), AdaptiveAvgPool, Linear; opset 13
  u-resnet-fm  the same blocks on Fashion-MNIST's 1x28x28 (28 -> 14 -> 7),
               two blocks per stage; opset 17
  u-lenet-avg  the test LeNet (5x5, no padding) with AvgPool(2) instead of
               MaxPool, flattened by x.reshape(x.size(0), -1) without
               constant folding; opset 11

usage: user_models.py OUTDIR [NAME...]  (Debian's python3 with python3-torch)
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests",
                                "runtime"))
import make_torch_models as mtm  # noqa: E402


class MnistExample(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = self.dropout1(F.max_pool2d(x, 2))
        x = torch.flatten(x, 1)
        x = self.dropout2(F.relu(self.fc1(x)))
        return self.fc2(x)


class Cnn5Stride2(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 5, padding=2)
        self.c2 = nn.Conv2d(32, 32, 5, stride=2, padding=2)
        self.c3 = nn.Conv2d(32, 64, 5, padding=2)
        self.c4 = nn.Conv2d(64, 64, 5, stride=2, padding=2)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        for c in (self.c1, self.c2, self.c3, self.c4):
            x = F.relu(c(x))
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


class BnCnnOdd(nn.Module):
    def __init__(self):
        super().__init__()

        def block(i, o):
            return nn.Sequential(nn.Conv2d(i, o, 3), nn.BatchNorm2d(o), nn.ReLU())

        self.f = nn.Sequential(block(1, 32), nn.MaxPool2d(2), block(32, 32), nn.MaxPool2d(2),
                               block(32, 64), nn.AvgPool2d(2, ceil_mode=True))
        self.fc = nn.Linear(64 * 2 * 2, 10)

    def forward(self, x):
        x = self.f(x)
        return self.fc(x.view(-1, 64 * 2 * 2))


class SmallResNet(nn.Module):
    """BasicBlocks (the test ResNet's) of 16, 32, 64 channels."""

    def __init__(self, cin, blocks):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        layers, c = [], 16
        for i, w in enumerate((16, 32, 64)):
            for b in range(blocks):
                layers.append(mtm.Block(c, w, 2 if i > 0 and b == 0 else 1))
                c = w
        self.layers = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.linear = nn.Linear(64, 10)

    def forward(self, x):
        x = self.layers(F.relu(self.bn1(self.conv1(x))))
        return self.linear(torch.flatten(self.pool(x), 1))


class LeNetAvg(mtm.LeNet):
    """The runtime's test LeNet with average pooling and a reshape."""

    def forward(self, x):
        x = F.avg_pool2d(F.relu(self.c1(x)), 2)
        x = F.avg_pool2d(F.relu(self.c2(x)), 2)
        x = x.reshape(x.size(0), -1)
        return self.f3(F.relu(self.f2(F.relu(self.f1(x)))))


# name, constructor, input shape, opset, constant folding
MODELS = [
    ("u-mnist", MnistExample, (1, 28, 28), 14, True),
    ("u-cnn5s2", Cnn5Stride2, (1, 28, 28), 13, True),
    ("u-bncnn32", BnCnnOdd, (1, 28, 28), 12, True),
    ("u-resnet8", lambda: SmallResNet(3, 1), (3, 32, 32), 13, True),
    ("u-resnet-fm", lambda: SmallResNet(1, 2), (1, 28, 28), 17, True),
    ("u-lenet-avg", LeNetAvg, (1, 28, 28), 11, False),
]


def export(out, only=None):
    """Writes OUT/NAME.onnx for each model; returns [(name, path, shape)]."""
    os.makedirs(out, exist_ok=True)
    done = []
    for name, cls, shape, opset, fold in MODELS:
        if only and name not in only:
            continue
        torch.manual_seed(1)
        model = cls()
        model.train()
        with torch.no_grad():  # BatchNorm running statistics
            for _ in range(3):
                model(torch.rand(16, *shape))
        model.eval()
        path = os.path.join(out, name + ".onnx")
        torch.onnx.export(model, torch.rand(2, *shape), path, opset_version=opset,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                          do_constant_folding=fold)
        done.append((name, path, shape))
    return done


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for name, path, _ in export(sys.argv[1], sys.argv[2:]):
        print(name, path, os.path.getsize(path), "bytes")
