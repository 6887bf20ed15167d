#!/usr/bin/python3
"""Runtime benchmark: modelgate's runtime against ONNX Runtime's CPU
execution provider and PyTorch, same machine, same run, same thread count.

1. Steady state, per model and batch size: images/second of the forward
   pass (modelgate, ONNX Runtime, PyTorch) and of the cross-entropy input
   gradient (modelgate, PyTorch; ONNX Runtime has none).
2. Whole process over --images rows (default 12,000): wall seconds from
   process start to exit of `modelgate model run MODEL X.npy --out Y.npy`
   against `node ort_bench.js run` (load, run every row, write the logits),
   and the largest difference between their logits.

Models: the four of tests/runtime/torch/ (PyTorch too) and every
tests/fixtures/models/clean-*.onnx (one per fixture architecture; ONNX
Runtime only), and user_models.py's, exported into a temporary directory
(models users build, which differ from ours; --no-user skips them). Every repetition measures the runtimes back to back, in
turn, so a burst of load from elsewhere hurts them alike; each ratio is
taken within a repetition and printed as the median with the range over
the repetitions. Ratios are modelgate's speed over the peer's: >= 1.0
means modelgate is at least as fast. Targets: forward >= 1.0 against
both peers, input gradient >= 0.8 against PyTorch.

usage: bench/runtime/run.py BUILD_DIR [--threads 2] [--seconds 1] [--repeat 5]
(Debian's python3, which has python3-torch; ONNX Runtime from
bench/runtime/node_modules, see README.md; not part of make check)
"""
import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(TOP, "tests", "runtime"))
sys.path.insert(0, HERE)
import make_torch_models as mtm  # noqa: E402

ORT_JS = os.path.join(HERE, "ort_bench.js")


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


def run_out(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split()


def mg_ips(bench, path, batch, secs):
    out = run_out([bench, path, str(batch), str(secs)])
    return float(out[1]), float(out[3])


def ort_ips(path, batch, secs, threads):
    return float(run_out(["node", ORT_JS, "ips", path, str(batch), str(secs), str(threads)])[1])


def wall(cmd):
    """wall seconds and CPU seconds (user + system) of one process"""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _pid, status, ru = os.wait4(p.pid, 0)
    t = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("run.py: %s failed" % " ".join(cmd))
    return t, ru.ru_utime + ru.ru_stime


def med(v):
    """median [min-max] of a list of ratios or seconds"""
    return "%5.2f [%.2f-%.2f]" % (statistics.median(v), min(v), max(v))


def models(only, user_dir):
    """(name, path, torch class or None, input shape)"""
    out = []
    for name, cls, shape, _opset, _fold in mtm.MODELS:
        out.append((name, os.path.join(TOP, "tests", "runtime", "torch", name + ".onnx"), cls,
                    shape))
    import onnx
    for path in sorted(glob.glob(os.path.join(TOP, "tests", "fixtures", "models", "clean-*.onnx"))):
        g = onnx.load(path).graph
        dims = tuple(d.dim_value for d in g.input[0].type.tensor_type.shape.dim[1:])
        out.append((os.path.basename(path)[:-5], path, None, dims))
    if user_dir:  # user_models.py: models users build, unlike ours
        import user_models
        for name, path, shape in user_models.export(user_dir, only):
            out.append((name, path, None, shape))
    return [m for m in out if not only or m[0] in only]


def steady(args, bench, todo):
    print("\nSteady state: images/s, median of %d repetitions; ratios modelgate/peer, "
          "median [range]" % args.repeat)
    print("%-12s %5s | %8s %8s %8s %-18s %-18s | %8s %8s %-18s" % (
        "model", "batch", "mg fwd", "ort fwd", "pt fwd", "mg/ort fwd", "mg/pt fwd", "mg grad",
        "pt grad", "mg/pt grad"))
    for name, path, cls, shape in todo:
        model = None
        if cls and not args.no_torch:
            torch.manual_seed(0)
            model = cls().eval()
        for batch in args.batches:
            r = {k: [] for k in ("mg_f", "mg_g", "ort", "pt_f", "pt_g")}
            for _ in range(args.repeat):
                f, g = mg_ips(bench, path, batch, args.seconds)
                r["mg_f"].append(f)
                r["mg_g"].append(g)
                if not args.no_ort:
                    r["ort"].append(ort_ips(path, batch, args.seconds, args.threads))
                if model is not None:
                    r["pt_f"].append(torch_ips(model, shape, batch, args.seconds, False))
                    r["pt_g"].append(torch_ips(model, shape, batch, args.seconds, True))

            def col(k):
                return "%8.0f" % statistics.median(r[k]) if r[k] else "%8s" % "-"

            def ratio(a, b):
                if not r[b]:
                    return "%-18s" % "-"
                return "%-18s" % med([x / y for x, y in zip(r[a], r[b])])

            print("%-12s %5d | %s %s %s %s %s | %s %s %s" % (
                name, batch, col("mg_f"), col("ort"), col("pt_f"), ratio("mg_f", "ort"),
                ratio("mg_f", "pt_f"), col("mg_g"), col("pt_g"), ratio("mg_g", "pt_g")),
                flush=True)


def whole(args, todo):
    print("\nWhole process, %d images: wall seconds from start to exit, median [range] of %d, "
          "and median CPU seconds (user + system); ONNX Runtime at %s rows per call" % (
              args.images, args.repeat, args.ort_batch or "all"))
    print("%-12s | %-18s %-18s %-18s | %6s %6s | %s" % (
        "model", "modelgate s", "ort s", "mg/ort speed", "mg cpu", "ort cpu", "max |diff|"))
    work = tempfile.mkdtemp(prefix="mg-bench-runtime.")
    try:
        rng = np.random.default_rng(0)
        for name, path, _cls, shape in todo:
            x = os.path.join(work, "x.npy")
            np.save(x, rng.random((args.images,) + tuple(shape), dtype=np.float32))
            ymg, yort = os.path.join(work, "mg.npy"), os.path.join(work, "ort.npy")
            mg_cmd = [os.path.join(args.build_dir, "modelgate"), "model", "run", path, x, "--out",
                      ymg]
            ort_cmd = ["node", ORT_JS, "run", path, x, yort, str(args.threads),
                       str(args.ort_batch)]
            t_mg, t_ort, c_mg, c_ort = [], [], [], []
            for _ in range(args.repeat):
                t, c = wall(mg_cmd)
                t_mg.append(t)
                c_mg.append(c)
                t, c = wall(ort_cmd)
                t_ort.append(t)
                c_ort.append(c)
            diff = float(np.max(np.abs(np.load(ymg) - np.load(yort))))
            print("%-12s | %-18s %-18s %-18s | %6.2f %6.2f | %.1e" % (
                name, med(t_mg), med(t_ort), med([o / m for m, o in zip(t_mg, t_ort)]),
                statistics.median(c_mg), statistics.median(c_ort), diff), flush=True)
    finally:
        shutil.rmtree(work)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--threads", type=int, default=2,
                    help="peers' threads (modelgate's runtime always runs two)")
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=5, help="interleaved repetitions")
    ap.add_argument("--batches", type=int, nargs="+", default=[64, 256])
    ap.add_argument("--images", type=int, default=12000, help="rows of the whole-process run")
    ap.add_argument("--ort-batch", type=int, default=256,
                    help="ONNX Runtime's rows per call in the whole-process run (0: all)")
    ap.add_argument("--models", nargs="+", help="only these (mlp, resnet, clean-cnn, ...)")
    ap.add_argument("--no-ort", action="store_true")
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--no-steady", action="store_true")
    ap.add_argument("--no-whole", action="store_true")
    ap.add_argument("--no-user", action="store_true", help="skip user_models.py's models")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    bench = os.path.join(args.build_dir, "bench", "runtime", "bench_runtime")
    if not args.no_ort and (not shutil.which("node") or
                            not os.path.isdir(os.path.join(HERE, "node_modules",
                                                           "onnxruntime-node"))):
        sys.exit("run.py: ONNX Runtime is not installed: cd bench/runtime && npm install "
                 "--ignore-scripts (or pass --no-ort)")
    ort_ver = "-"
    if not args.no_ort:
        ort_ver = run_out(["node", "-p", "require('%s/node_modules/onnxruntime-node/package.json')"
                           ".version" % HERE])[0]
    print("threads %d (onnxruntime-node %s, torch %s, %d cores, load average %s)" % (
        args.threads, ort_ver, torch.__version__, os.cpu_count(),
        open("/proc/loadavg").read().split()[0]))
    user_dir = None if args.no_user else tempfile.mkdtemp(prefix="mg-bench-user.")
    try:
        todo = models(args.models, user_dir)
        if not args.no_steady:
            steady(args, bench, todo)
        if not args.no_whole and not args.no_ort:
            whole(args, todo)
    finally:
        if user_dir:
            shutil.rmtree(user_dir)


if __name__ == "__main__":
    main()
