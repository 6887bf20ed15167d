#!/usr/bin/python3
"""Runtime benchmark: images/second of modelgate's runtime and of PyTorch
(CPU, same thread count) on the four test models, forward and input
gradient, at batch 64 and 256, in the same run. Prints the ratios
(modelgate / PyTorch; targets: forward >= 1.0, gradient >= 0.8).

usage: bench/runtime/run.py BUILD_DIR [--threads 2] [--seconds 2]
(run with Debian's python3, which has python3-torch; not part of make check)
"""
import argparse
import os
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "runtime"))
import make_torch_models as mtm  # noqa: E402


def torch_ips(model, shape, batch, secs, grad):
    x = torch.rand(batch, *shape)
    t = torch.arange(batch) % 10
    runs, t0 = 0, None
    while True:
        if grad:
            xg = x.clone().requires_grad_(True)
            F.cross_entropy(model(xg), t, reduction="sum").backward()
        else:
            with torch.no_grad():
                model(x)
        if t0 is None:
            t0 = time.perf_counter()
            continue
        runs += 1
        if time.perf_counter() - t0 >= secs and runs >= 3:
            return runs * batch / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--repeat", type=int, default=3,
                    help="interleaved repetitions; the best of each is kept")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    bench = os.path.join(args.build_dir, "bench", "runtime", "bench_runtime")
    models = os.path.join(HERE, "..", "..", "tests", "runtime", "torch")
    print("threads %d (torch %s, %d cores, load average %s)" % (
        args.threads, torch.__version__, os.cpu_count(), open("/proc/loadavg").read().split()[0]))
    print("%-7s %5s | %10s %10s %6s | %10s %10s %6s" % (
        "model", "batch", "mg fwd/s", "pt fwd/s", "ratio", "mg grad/s", "pt grad/s", "ratio"))
    for name, cls, shape, _opset, _fold in mtm.MODELS:
        torch.manual_seed(0)
        model = cls().eval()
        path = os.path.join(models, name + ".onnx")
        for batch in (64, 256):
            mg_f = mg_g = pt_f = pt_g = 0.0
            for _ in range(args.repeat):
                out = subprocess.run([bench, path, str(batch), str(args.seconds)], check=True,
                                     capture_output=True, text=True).stdout.split()
                mg_f, mg_g = max(mg_f, float(out[1])), max(mg_g, float(out[3]))
                pt_f = max(pt_f, torch_ips(model, shape, batch, args.seconds, False))
                pt_g = max(pt_g, torch_ips(model, shape, batch, args.seconds, True))
            print("%-7s %5d | %10.0f %10.0f %6.2f | %10.0f %10.0f %6.2f" % (
                name, batch, mg_f, pt_f, mg_f / pt_f, mg_g, pt_g, mg_g / pt_g))


if __name__ == "__main__":
    main()
