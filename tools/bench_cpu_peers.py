#!/usr/bin/env python3
"""The CPU race (issue 14, item 4): kdface against PyTorch eager, torch.compile, ONNX Runtime
and OpenCV DNN, in one run on one machine, every runtime with the same number of threads.

Inference: the tiny student and r18x at 112x112 and 32x32, batch 1 and 256. Every peer runs
the same network with the same weights: a random torch_reference.py model goes through
kdface-import (kdface's checkpoint) and kdface-export (the ONNX file ONNX Runtime and OpenCV
run); kdface itself is timed by kdface-bench --embed. Training: one step of the tiny student
with logit + attention KD from the quickstart teacher, batch 64 (kdface-bench --train-step
against the same step in PyTorch: ArcFace s 64 m 0.5 over --classes, the teacher's no-grad
forward on a second batch, KD at T 4, SGD with momentum and weight decay).

Each row runs every runtime once per round, --rounds rounds interleaved, and reports the median
round. Prints one JSON line per measurement, then a markdown table of faces/s (img/s for the
training step) with kdface's ratio to the fastest peer. Run it on an otherwise idle machine:
  bash tools/bench-cpu-vs-peers.sh            (or python3 tools/bench_cpu_peers.py --build build)
"""
import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from torch_train_ab import model_args  # noqa: E402
from torch_train_reference import arcface_ce, kd_attention, kd_logit, load_torch_reference  # noqa: E402

QUICKSTART_TEACHER = {"preset": "tiny", "depths": [2, 3, 4, 2], "emb": 128}


def emit(**j):
    print(json.dumps(j), flush=True)
    return j


def run_json(cmd, env=None):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))}: {r.stderr.strip()[-500:]}")
    return json.loads([l for l in r.stdout.splitlines() if l.startswith("{")][-1])


def median_ms(fn, warmup, iters):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    return sorted(ts)[len(ts) // 2]


def iters_for(batch, size, preset):
    heavy = batch * (size / 112) ** 2 * (8 if preset == "r18x" else 1)
    return (1, 3) if heavy > 500 else (2, 7) if heavy > 20 else (3, 15)


def race(base, runners, rounds, unit):
    """Every runner once per round, the rounds interleaved, so a slow spell of a shared machine
    lands on all of them rather than on whoever ran during it. A row is the median of the
    rounds' times; `spread` is the fastest and slowest round."""
    times = {name: [] for name, _ in runners}
    errors = {}
    for _ in range(rounds):
        for name, fn in runners:
            if name in errors:
                continue
            try:
                times[name].append(fn())
            except Exception as e:  # noqa: BLE001 -- a failed runtime is a row with its error, not a crash
                errors[name] = f"{type(e).__name__}: {str(e)[:300]}"
    rows = []
    for name, _ in runners:
        if name in errors:
            rows.append(emit(runtime=name, error=errors[name], **base))
            continue
        ts = sorted(times[name])
        ms = ts[len(ts) // 2]
        rows.append(emit(runtime=name, ms=ms, rounds=len(ts), spread=[base["batch"] / t * 1e3 for t in (ts[-1], ts[0])],
                         **{unit: base["batch"] / ms * 1e3}, **base))
    return rows


def inference(a, R, tools, tmp, preset, size, threads):
    cfg = {"preset": preset, "size": size}
    torch.manual_seed(7)
    args, _ = model_args(cfg)
    net = R.ResNeXtCBAM(**args).eval()
    sd_path, ck, onnx = f"{tmp}/{preset}{size}.sd.safetensors", f"{tmp}/{preset}{size}.safetensors", f"{tmp}/{preset}{size}.onnx"
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, sd_path)
    subprocess.run([f"{tools}/kdface-import", "--state-dict", sd_path, "--model-config", json.dumps(cfg), "--out", ck],
                   check=True, capture_output=True)
    subprocess.run([f"{tools}/kdface-export", "--model", ck, "--out", onnx], check=True, capture_output=True)
    cfg_path = f"{tmp}/{preset}{size}.json"
    with open(cfg_path, "w") as f:
        json.dump(cfg, f)
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    rows = []
    for batch in (1, 256):
        warm, it = iters_for(batch, size, preset)
        base = dict(case="embed", model=preset, size=size, batch=batch, threads=threads)
        x = torch.randn(batch, 3, size, size)
        xn = x.numpy()

        def kdface():
            return run_json([f"{tools}/kdface-bench", "--embed", cfg_path, "--size", size, "--batch", batch, "--device",
                             "cpu", "--warmup", warm, "--iters", it], env)["ms"]

        def eager():
            with torch.no_grad():
                return median_ms(lambda: net(x), warm, it)

        comp = None

        def compiled():
            nonlocal comp
            with torch.no_grad():
                if comp is None:
                    comp = torch.compile(net)
                    comp(x)  # compile outside the clock
                return median_ms(lambda: comp(x), warm, it)

        sess = None

        def ort_run():
            nonlocal sess
            if sess is None:
                import onnxruntime as ort
                so = ort.SessionOptions()
                so.intra_op_num_threads, so.inter_op_num_threads = threads, 1
                sess = ort.InferenceSession(onnx, so, providers=["CPUExecutionProvider"])
            return median_ms(lambda: sess.run(["embedding"], {"input": xn}), warm, it)

        def dnn():
            return run_json([f"{tools}/bench-opencv-dnn", "--onnx", onnx, "--batch", batch, "--size", size, "--threads",
                             threads, "--warmup", warm, "--iters", it])["ms"]

        rows += race(base, [("kdface", kdface), ("torch-eager", eager), ("torch-compile", compiled),
                            ("onnxruntime", ort_run), ("opencv-dnn", dnn)], a.rounds, "faces_per_s")
    return rows


def train_step(a, R, tools, tmp, threads):
    base = dict(case="train-step", model="tiny <- quickstart teacher, logit + attention KD", batch=64, threads=threads)
    tpath = f"{tmp}/quickstart_teacher.json"
    with open(tpath, "w") as f:
        json.dump(QUICKSTART_TEACHER, f)
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))

    def kdface():
        return run_json([f"{tools}/kdface-bench", "--train-step", f"{tpath}:tiny", "--batch", 64, "--device", "cpu",
                         "--precision", "fp32", "--classes", a.classes, "--warmup", 2, "--iters", 7], env)["step_ms"]

    torch.manual_seed(3)
    student = R.ResNeXtCBAM(**model_args({"preset": "tiny"})[0]).train()
    teacher = R.ResNeXtCBAM(**model_args(QUICKSTART_TEACHER)[0]).eval()
    head = torch.nn.Parameter(torch.randn(a.classes, 128) * 0.01)
    thead = torch.randn(a.classes, 128) * 0.01
    opt = torch.optim.SGD(list(student.parameters()) + [head], lr=0.1, momentum=0.9, weight_decay=5e-4)
    x, xt = torch.randn(64, 3, 112, 112), torch.randn(64, 3, 112, 112)
    y = torch.randint(0, a.classes, (64,))

    def step():
        e, att = student(x)
        cos = F.linear(F.normalize(e), F.normalize(head))
        loss = arcface_ce(cos, y, 64.0, 0.5)
        with torch.no_grad():
            et, att_t = teacher(xt)
            zt = 64.0 * F.linear(F.normalize(et), F.normalize(thead))
        loss = loss + kd_logit(64.0 * cos, zt, 4.0) + kd_attention(att, att_t)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return race(base, [("kdface", kdface), ("torch-eager", lambda: median_ms(step, 2, 7))], a.rounds, "img_per_s")


def table(rows):
    lines = ["| case | model | size | batch | kdface | torch eager | torch.compile | ONNX Runtime | OpenCV DNN | kdface / fastest peer |",
             "|:--|:--|--:|--:|--:|--:|--:|--:|--:|--:|"]
    keys = []
    for r in rows:
        k = (r["case"], r["model"], r.get("size", 112), r["batch"])
        if k not in keys:
            keys.append(k)
    for k in keys:
        got = {r["runtime"]: r for r in rows if (r["case"], r["model"], r.get("size", 112), r["batch"]) == k}
        val = lambda rt: got.get(rt, {}).get("faces_per_s", got.get(rt, {}).get("img_per_s"))  # noqa: E731
        cell = lambda rt: ("%.1f" % val(rt)) if val(rt) else ("failed" if rt in got else "—")  # noqa: E731
        peers = [val(rt) for rt in ("torch-eager", "torch-compile", "onnxruntime", "opencv-dnn") if val(rt)]
        ratio = "%.2f×" % (val("kdface") / max(peers)) if val("kdface") and peers else "—"
        lines.append(f"| {k[0]} | {k[1]} | {k[2]} | {k[3]} | {cell('kdface')} | {cell('torch-eager')} | "
                     f"{cell('torch-compile')} | {cell('onnxruntime')} | {cell('opencv-dnn')} | {ratio} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--torch-reference", default=os.path.join(ROOT, "..", "shared", "bench"))
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--classes", type=int, default=1368, help="identities of the training step's head (the pool's)")
    ap.add_argument("--only", default="inference,train")
    ap.add_argument("--presets", default="tiny,r18x")
    ap.add_argument("--sizes", default="112,32")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds per row; the row is their median")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    tools = os.path.join(a.build, "tools")
    R = load_torch_reference(a.torch_reference)
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    emit(case="env", machine=platform.processor() or platform.machine(), cpus=os.cpu_count(), threads=a.threads, rounds=a.rounds,
         torch=torch.__version__, commit=commit, date=time.strftime("%Y-%m-%d"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="kdface_race_") as tmp:
        if "inference" in a.only:
            for preset in a.presets.split(","):
                for size in map(int, a.sizes.split(",")):
                    rows += inference(a, R, tools, tmp, preset, size, a.threads)
        if "train" in a.only:
            rows += train_step(a, R, tools, tmp, a.threads)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
