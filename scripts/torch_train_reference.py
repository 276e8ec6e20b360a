#!/usr/bin/env python3
"""PyTorch's side of kdface's multi-step training parity (tests/test_train_parity.cpp).

Trains the tiny student from the same initial weights, in float64 and in float32: 50 SGD
steps with ArcFace alone ("cls") and 50 distillation steps from a frozen teacher ("kd":
ArcFace + logit KD + attention KD). Data are synthetic and deterministic (a splitmix64
counter hash, written once here with numpy and once in the C++ test), so no image is
committed and no augmentation is random.

The float32 runs use a smaller learning rate (FLOAT32_LR) than the float64 ones: at s = 32
the ArcFace gradients are 5 to 25 times the weights' norms in the backbone and 700 times at
the head, and in float32 a ReLU input
within rounding of zero takes the other branch in one implementation and not the other;
at the float64 runs' rate those flips grow until torch's own float32 run no longer follows
its float64 run (reference.json records by how much: "torch_float32_vs_float64").

Writes to --out:

  init_student.safetensors, init_teacher.safetensors   kdface checkpoints (float32 values,
      so the float64 runs start from their exact widening)
  config_cls.json, config_kd.json                       the kdface-train configs both sides run
  final_<run>_<dtype>.safetensors                       the student's state_dict after the run
  reference.json                                        setup, torch version, per-step lr and
      loss terms of every run, and torch's own float32-vs-float64 divergence

Everything kdface computes is mirrored from its documented formulas, not from torch's own
losses where they differ: ArcFace in insightface form with the sine's clamp
(kernels/margin/margin_target.h), T^2 KL on s*cos logits (losses/kd_losses.h), attention KD
as a sum over stage ends, the lr closed form of engine/optim/schedule.h.

  python3 scripts/torch_train_reference.py [--torch-reference ../shared/bench] [--out tests/reference/train_parity]
"""
import argparse
import importlib.util
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Reduced widths (tiny is 32..256, emb 128) keep the committed reference at 1.3 MB; depths,
# stem, head and the 2..8 channels per group of the grouped convolutions are the tiny model's.
WIDTHS = [16, 32, 48, 64]
STUDENT_MODEL = {"preset": "tiny", "widths": WIDTHS, "groups": 4, "emb": 64}
TEACHER_MODEL = {"preset": "tiny", "depths": [2, 3, 4, 2], "widths": WIDTHS, "groups": 4, "emb": 64}
TINY = dict(depths=[1, 2, 2, 1], stem=16, head="avg")  # the preset's other values (models/resnext_config.cpp)
STEPS, BATCH, CLASSES, SIZE = 50, 8, 10, 112
HEAD = {"kind": "arcface", "s": 32.0, "m": 0.3}
OPTIM = {"lr": 0.003, "momentum": 0.9, "weight_decay": 5e-4, "schedule": "cosine", "unit": "step", "warmup": 5}
FLOAT32_LR = 5e-6
LOSSES = {"cls": {"cls": 1.0}, "kd": {"cls": 1.0, "kd_logit": 1.0, "kd_T": 4.0, "kd_attention": 5.0}}
STUDENT_SEED, TEACHER_SEED = 11, 12
TEACHER_PRETRAIN = dict(steps=30, lr=0.05, first_image=1 << 20)  # images no parity step sees


# ---------------------------------------------------------------- data
M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def splitmix64(x):
    """x: uint64 array; numpy's uint64 arithmetic wraps mod 2^64 as the C++ does."""
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return (z ^ (z >> np.uint64(31))) & M64


def uniform16(stream, n):
    """n values in [-1, 1) on a 2^-15 grid: element j of stream is splitmix64(stream << 32 | j)."""
    keys = (np.uint64(stream) << np.uint64(32)) | np.arange(n, dtype=np.uint64)
    return (splitmix64(keys) >> np.uint64(48)).astype(np.float64) / 32768.0 - 1.0


def batch(step, first_image=0):
    """Image i of step k (global index g = first_image + k * BATCH + i) has label g % CLASSES and
    pixels (prototype of its class + noise of the image) / 2: stream c for the prototype,
    stream 1024 + g for the noise. Both terms are on a 2^-15 grid, so every value is exact in
    float32 and the float64 runs see the same numbers."""
    n = 3 * SIZE * SIZE
    xs, ys = [], []
    for i in range(BATCH):
        g = first_image + step * BATCH + i
        c = g % CLASSES
        xs.append((uniform16(c, n) + uniform16(1024 + g, n)) / 2.0)
        ys.append(c)
    x = torch.from_numpy(np.stack(xs).reshape(BATCH, 3, SIZE, SIZE))
    return x, torch.tensor(ys, dtype=torch.int64)


# ---------------------------------------------------------------- models and losses
def load_torch_reference(folder):
    spec = importlib.util.spec_from_file_location("torch_reference", os.path.join(folder, "torch_reference.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Head(nn.Module):
    """kdface's MarginHead: parameter w (classes, emb) ~ randn * 0.01."""

    def __init__(self, emb, classes):
        super().__init__()
        self.w = nn.Parameter(torch.randn(classes, emb) * 0.01)

    def cosine(self, e):
        return F.linear(F.normalize(e), F.normalize(self.w))


class Net(nn.Module):
    """StudentNet / TeacherNet: state_dict names backbone.<ResNeXtCBAM name> and head.w."""

    def __init__(self, R, model, seed):
        super().__init__()
        torch.manual_seed(seed)
        cfg = dict(TINY, **{k: v for k, v in model.items() if k != "preset"})
        self.backbone = R.ResNeXtCBAM(**cfg)
        self.head = Head(cfg["emb"], CLASSES)


def arcface_ce(cos, y, s, m):
    """kernels/margin/margin_target.h: cos(theta + m) with the sine's argument clamped to
    [-1 + 1e-7, 1 - 1e-7], continued by t - m sin(pi - m) beyond theta = pi - m."""
    t = cos.gather(1, y[:, None])
    tc = t.clamp(-1 + 1e-7, 1 - 1e-7)
    target = torch.where(t > math.cos(math.pi - m), t * math.cos(m) - torch.sqrt(1 - tc * tc) * math.sin(m),
                         t - m * math.sin(math.pi - m))
    return F.cross_entropy((s * cos).scatter(1, y[:, None], s * target), y)


def kd_logit(zs, zt, T):
    return F.kl_div(F.log_softmax(zs / T, 1), F.log_softmax(zt / T, 1), reduction="batchmean", log_target=True) * T * T


def cosine_rows(a, b):
    return (F.normalize(a.flatten(1)) * F.normalize(b.flatten(1))).sum(1)


def kd_attention(att_s, att_t):
    total = None
    for (ca, sa), (cat, sat) in zip(att_s, att_t):
        stage = ((1 - cosine_rows(ca, cat)) + (1 - cosine_rows(sa, sat))).mean() * 0.5
        total = stage if total is None else total + stage
    return total


def lr_at(step, total, base):
    """engine/optim/schedule.h: cosine over [warmup, total) down to min_lr = 0, times a linear
    warm-up factor from 0 during the first OPTIM["warmup"] steps."""
    w, min_lr, start = OPTIM["warmup"], 0.0, 0.0
    lr = base
    if step >= total:
        lr = min_lr
    elif step >= w:
        lr = min_lr + (base - min_lr) * (1.0 + math.cos(math.pi * float(step - w) / float(total - w))) / 2.0
    if step < w:
        lr *= start + (1.0 - start) * float(step) / float(w)
    return lr


# ---------------------------------------------------------------- runs
def train(student, teacher, weights, dtype, base_lr):
    """STEPS steps of the kdface trainer's loop; returns the per-step lr and loss terms."""
    s, m = HEAD["s"], HEAD["m"]
    student.train()
    # foreach=False: the single-tensor update whose rounding kdface's SGD documents.
    opt = torch.optim.SGD(student.parameters(), lr=0.0, momentum=OPTIM["momentum"],
                          weight_decay=OPTIM["weight_decay"], foreach=False)
    curve = {"lr": [], "total": []}
    for k in range(STEPS):
        lr = lr_at(k, STEPS, base_lr)
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = batch(k)
        x = x.to(dtype)
        e, att = student.backbone(x)
        terms = {}
        if weights.get("cls", 0) > 0:
            terms["cls"] = arcface_ce(student.head.cosine(e), y, s, m)
        if teacher is not None:
            with torch.no_grad():
                et, att_t = teacher.backbone(x)
                zt = s * teacher.head.cosine(et)
            terms["kd_logit"] = kd_logit(s * student.head.cosine(e), zt, weights["kd_T"])
            terms["kd_attention"] = kd_attention(att, att_t)
        total = None
        for name, v in terms.items():  # losses/loss_terms.cpp: in order, weight 1 unscaled
            wv = v if weights[name] == 1 else v * weights[name]
            total = wv if total is None else total + wv
        opt.zero_grad(set_to_none=True)
        total.backward()
        opt.step()
        curve["lr"].append(lr)
        for name, v in terms.items():
            curve.setdefault(name, []).append(v.item())
        curve["total"].append(total.item())
    return curve


def pretrain_teacher(teacher):
    """A few ArcFace steps on images the parity runs never see, so the frozen teacher's
    attention maps and logits carry a signal rather than an untrained network's."""
    teacher.train()
    opt = torch.optim.SGD(teacher.parameters(), lr=TEACHER_PRETRAIN["lr"], momentum=0.9, foreach=False)
    for k in range(TEACHER_PRETRAIN["steps"]):
        x, y = batch(k, TEACHER_PRETRAIN["first_image"])
        e, _ = teacher.backbone(x.float())
        loss = arcface_ce(teacher.head.cosine(e), y, HEAD["s"], HEAD["m"])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    teacher.eval()


def save_file(tensors, path, metadata):
    """The safetensors layout (8-byte little-endian header length, JSON header, raw data),
    written with sorted keys: safetensors.torch.save_file orders the metadata by a hash map,
    so a rerun would rewrite identical files with other bytes."""
    names = {torch.float64: "F64", torch.float32: "F32", torch.int64: "I64"}
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for k in sorted(tensors):
        arr = tensors[k].contiguous().numpy()
        blob = arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
        header[k] = {"dtype": names[tensors[k].dtype], "shape": list(tensors[k].shape),
                     "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little") + text + b"".join(blobs))


def state(net):
    return {k: v.detach().clone().contiguous() for k, v in net.state_dict().items()}


def save_kdface_checkpoint(path, sd, what):
    """engine/checkpoint.h's layout, so kdface's load_checkpoint (and TeacherNet) read it."""
    meta = {"format": "kdface-checkpoint", "format_version": "1", "step": "0", "epoch": "0", "rng": "{}",
            "meta": json.dumps({"made_by": "scripts/torch_train_reference.py", "what": what,
                                "torch": torch.__version__})}
    save_file({"model." + k: v for k, v in sd.items()}, path, metadata=meta)


def kdface_config(run):
    cfg = {"name": "parity_" + run, "seed": 0,
           "data": {"train": "synthetic (tests/test_train_parity.cpp)", "batch": BATCH, "threads": 1, "flip": False},
           "student": {"model": STUDENT_MODEL, "head": HEAD},
           "loss": LOSSES[run], "optim": OPTIM, "epochs": 1, "max_steps": STEPS}
    if run == "kd":
        cfg["teacher"] = {"model": TEACHER_MODEL, "checkpoint": "init_teacher.safetensors"}
    return cfg


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--torch-reference", default=os.path.join(ROOT, "..", "shared", "bench"),
                    help="folder holding torch_reference.py (the model classes kdface's names copy)")
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "reference", "train_parity"))
    a = ap.parse_args()
    R = load_torch_reference(a.torch_reference)
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    os.makedirs(a.out, exist_ok=True)

    init_student = state(Net(R, STUDENT_MODEL, STUDENT_SEED))
    teacher = Net(R, TEACHER_MODEL, TEACHER_SEED)
    pretrain_teacher(teacher)
    init_teacher = state(teacher)
    save_kdface_checkpoint(os.path.join(a.out, "init_student.safetensors"), init_student, "initial student")
    save_kdface_checkpoint(os.path.join(a.out, "init_teacher.safetensors"), init_teacher, "frozen teacher")
    for name in LOSSES:
        with open(os.path.join(a.out, f"config_{name}.json"), "w") as f:
            json.dump(kdface_config(name), f, indent=2)
            f.write("\n")

    def run(name, dtype, lr):
        student = Net(R, STUDENT_MODEL, STUDENT_SEED)
        student.load_state_dict(init_student)
        student.to(dtype)
        t = None
        if name == "kd":
            t = Net(R, TEACHER_MODEL, TEACHER_SEED)
            t.load_state_dict(init_teacher)
            t.to(dtype).eval()
            for p in t.parameters():
                p.requires_grad_(False)
        curve = train(student, t, LOSSES[name], dtype, lr)
        print(f"{name} {dtype} lr {lr}: loss {curve['total'][0]:.6f} -> {curve['total'][-1]:.6f}", flush=True)
        return curve, student

    runs, witness = {}, {}
    for dtype, dname, lr in ((torch.float64, "float64", OPTIM["lr"]), (torch.float32, "float32", FLOAT32_LR)):
        for name in LOSSES:
            curve, student = run(name, dtype, lr)
            key = f"{name}_{dname}"
            save_file(state(student), os.path.join(a.out, f"final_{key}.safetensors"),
                      metadata={"torch": torch.__version__})
            runs[key] = {"config": f"config_{name}.json", "dtype": dname, "curve": curve,
                         "final": f"final_{key}.safetensors"}
            if lr != OPTIM["lr"]:
                runs[key]["overrides"] = [f"optim.lr={lr!r}"]  # as kdface-train --set applies them
            # The same run in the other precision: how far float32 itself strays at this rate.
            other, _ = run(name, torch.float32 if dtype == torch.float64 else torch.float64, lr)
            a64, a32 = (curve, other) if dtype == torch.float64 else (other, curve)
            d = [abs(x - y) / abs(x) for x, y in zip(a64["total"], a32["total"])]
            witness[f"{name} lr {lr!r}"] = {"last_step": d[-1], "max": max(d)}

    ref = {"made_by": "scripts/torch_train_reference.py", "torch": torch.__version__, "numpy": np.__version__,
           "steps": STEPS, "batch": BATCH, "classes": CLASSES, "size": SIZE,
           "data": "image g = k * batch + i of step k: label g % classes, pixels (u(c) + u(1024 + g)) / 2, "
                   "u(stream)[j] = (splitmix64(stream << 32 | j) >> 48) / 32768 - 1, j over (3, size, size)",
           "runs": runs,
           "torch_float32_vs_float64": witness}
    with open(os.path.join(a.out, "reference.json"), "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
