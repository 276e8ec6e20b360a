#!/usr/bin/env python3
"""The PyTorch side of the accuracy A/B (issue 13, 3b): trains a kdface-train recipe
(classification only: a teacher or a BasicNet config) in PyTorch on the same shard set, and
saves a kdface checkpoint whose meta carries the recipe, so `kdface-eval --model` scores the
torch-trained model with exactly the protocol that scores kdface's.

What mirrors kdface (train/, engine/optim/schedule.h, data/loader.h):
  - the model: ../shared/bench/torch_reference.py's ResNeXtCBAM with the recipe's preset and
    overrides; input_pool p as nn.AvgPool2d(p) before the stem (models/resnext_config.h);
  - the head: kdface's MarginHead (w ~ randn * 0.01), ArcFace in insightface form or CosFace,
    the margin warmed up linearly over head.m_warmup steps;
  - SGD with momentum and weight decay on every parameter; the lr closed form (cosine or
    constant, per step, with linear warm-up);
  - data: every epoch a shuffle of the whole set, drop_last batches, a horizontal flip with
    probability 1/2 when data.flip, x = (pixel - 127.5) / 127.5, RGB.
The random streams (init, order, flips) are torch's, not kdface's: the A/B compares two
trainings of one recipe, as two seeds of one trainer would be compared.

  python3 scripts/torch_train_ab.py --config runs/pool_teacher/config.json --out runs/torch_pool_teacher
  build/tools/kdface-eval --model runs/torch_pool_teacher ... (docs/results.md has the commands)
"""
import argparse
import io
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "torchpeer"))
import kdshard  # noqa: E402
from torch_train_reference import arcface_ce, load_torch_reference, save_file  # noqa: E402

PRESETS = {  # models/resnext_config.cpp
    "r100x": dict(depths=[3, 13, 30, 3], widths=[128, 256, 512, 1024], groups=32, stem=64, emb=512, head="flatten"),
    "r18x": dict(depths=[2, 2, 2, 2], widths=[128, 256, 512, 1024], groups=32, stem=64, emb=512, head="flatten"),
    "tiny": dict(depths=[1, 2, 2, 1], widths=[32, 64, 128, 256], groups=8, stem=16, emb=128, head="avg"),
}


def model_args(model):
    m = dict(PRESETS[model.get("preset", "r100x")])
    m.update({k: v for k, v in model.items() if k != "preset"})
    for k in ("reduction", "spatial_kernel"):
        if m.pop(k, None) not in (None, 16 if k == "reduction" else 7):
            raise SystemExit(f"model.{k}: torch_reference.py has no such option")
    pool = m.pop("input_pool", 1)
    m.setdefault("size", 112)
    m["size"] //= pool
    return m, pool


class Backbone(nn.Module):
    """torch_reference's ResNeXtCBAM under the same state_dict names, input pooled first."""

    def __init__(self, R, model):
        super().__init__()
        args, self.pool = model_args(model)
        self.net = R.ResNeXtCBAM(**args)

    def forward(self, x):
        return self.net(F.avg_pool2d(x, self.pool) if self.pool > 1 else x)


def margin_ce(cos, y, kind, s, m):
    if kind == "arcface":
        return arcface_ce(cos, y, s, m)
    return F.cross_entropy((s * cos).scatter(1, y[:, None], s * (cos.gather(1, y[:, None]) - m)), y)


def lr_at(step, total, o):
    w, base = o.get("warmup", 0), o["lr"]
    if o["schedule"] == "cosine":
        lr = 0.0 if step >= total else base * (1 + math.cos(math.pi * max(0, step - w) / (total - w))) / 2
    elif o["schedule"] == "constant":
        lr = base
    else:
        raise SystemExit(f"optim.schedule {o['schedule']!r}: this script mirrors cosine and constant")
    return lr * step / w if step < w else lr


def batches(shards, batch, flip, gen, skip=0):
    """One epoch's batches; the first `skip` are drawn (same random stream) but not decoded."""
    order = torch.randperm(len(shards), generator=gen).tolist()
    for b in range(len(order) // batch):
        idx = order[b * batch:(b + 1) * batch]
        if b < skip:
            if flip:
                torch.rand(len(idx), generator=gen)
            continue
        imgs = [np.asarray(Image.open(io.BytesIO(shards.jpeg(i))).convert("RGB")) for i in idx]
        x = torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).float().sub_(127.5).div_(127.5)
        if flip:
            f = torch.rand(len(idx), generator=gen) < 0.5
            x[f] = x[f].flip(3)
        yield x, torch.tensor([shards.label(i) for i in idx])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", required=True, help="a kdface run's resolved config.json (or a recipe)")
    ap.add_argument("--out", required=True, help="run folder: checkpoints/ckpt_<step>.safetensors, log.jsonl")
    ap.add_argument("--torch-reference", default=os.path.join(HERE, "..", "..", "shared", "bench"))
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=None, help="default: the recipe's seed")
    ap.add_argument("--resume", action="store_true",
                    help="continue from OUT/torch_state.pt (written every checkpoint_every steps)")
    ap.add_argument("--contiguous", action="store_true",
                    help="NCHW tensors; the default, channels_last, ran 1.35x faster on this model on the CPU")
    ap.add_argument("--stop-after", type=int, default=0, help="stop after this many steps of this run (tests resume)")
    a = ap.parse_args()
    cfg = json.load(open(a.config))
    if any(v for k, v in cfg.get("loss", {}).items() if k not in ("cls", "kd_T")) or cfg.get("teacher"):
        raise SystemExit(f"{a.config}: only classification recipes (loss.cls alone, no teacher) are mirrored")
    torch.set_num_threads(a.threads)
    torch.manual_seed(cfg.get("seed", 0) if a.seed is None else a.seed)
    gen = torch.Generator().manual_seed(1000 + (cfg.get("seed", 0) if a.seed is None else a.seed))

    shards = kdshard.ShardSet(cfg["data"]["train"])
    R = load_torch_reference(a.torch_reference)
    student = cfg["student"]
    backbone = Backbone(R, student.get("model", {"preset": "tiny"}))
    fmt = torch.contiguous_format if a.contiguous else torch.channels_last
    backbone = backbone.to(memory_format=fmt)
    head = student.get("head", {})
    kind, s, m, m_warm = head.get("kind", "arcface"), head.get("s", 64.0), head.get("m", 0.5), head.get("m_warmup", 0)
    emb = model_args(student.get("model", {}))[0]["emb"]
    w = nn.Parameter(torch.randn(shards.classes, emb) * 0.01)
    o = cfg["optim"]
    if o.get("unit", "epoch") != "step":
        raise SystemExit("optim.unit: this script mirrors per-step schedules")
    params = list(backbone.parameters()) + [w]
    opt = torch.optim.SGD(params, lr=0.0, momentum=o["momentum"], weight_decay=o["weight_decay"])
    batch, epochs = cfg["data"]["batch"], cfg["epochs"]
    total = epochs * (len(shards) // batch)
    if cfg.get("max_steps", 0) > 0:
        total = min(total, cfg["max_steps"])
    os.makedirs(os.path.join(a.out, "checkpoints"), exist_ok=True)
    log = open(os.path.join(a.out, "log.jsonl"), "a")
    step, t0, first_epoch, trained_s = 0, time.time(), 0, 0.0
    state_path, every = os.path.join(a.out, "torch_state.pt"), cfg.get("checkpoint_every", 0)
    per_epoch = len(shards) // batch
    if a.resume:
        st = torch.load(state_path, weights_only=False)
        backbone.load_state_dict(st["backbone"])
        with torch.no_grad():
            w.copy_(st["w"])
        opt.load_state_dict(st["opt"])
        step, first_epoch, trained_s = st["step"], st["epoch"], st["train_seconds"]
        gen.set_state(st["gen_epoch_start"])
        print(f"resumed from {state_path} at step {step}", flush=True)
    t0 -= trained_s
    start_step = step
    backbone.train()
    for epoch in range(first_epoch, epochs):
        gen_epoch_start = gen.get_state()
        skip = step - epoch * per_epoch if epoch == first_epoch else 0
        for x, y in batches(shards, batch, cfg["data"].get("flip", True), gen, skip):
            if step >= total or (a.stop_after and step >= start_step + a.stop_after):
                break
            lr = lr_at(step, total, o)
            for g in opt.param_groups:
                g["lr"] = lr
            mm = m * min(1.0, (step + 1) / m_warm) if m_warm > 0 else m
            e, _ = backbone(x.contiguous(memory_format=fmt))
            cos = F.linear(F.normalize(e), F.normalize(w))
            loss = margin_ce(cos, y, kind, s, mm)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            if step % 10 == 0 or step == total:
                rate = step * batch / (time.time() - t0)
                log.write(json.dumps({"event": "step", "step": step, "epoch": epoch, "lr": lr, "loss": loss.item(),
                                      "img_s": rate}) + "\n")
                log.flush()
                print(f"step {step}/{total} ep {epoch} loss {loss.item():.4f} lr {lr:.5f} {rate:.1f} img/s "
                      f"ETA {(total - step) * batch / rate / 60:.1f} min", flush=True)
            if every and step % every == 0 and step < total:
                torch.save({"backbone": backbone.state_dict(), "w": w.detach(), "opt": opt.state_dict(),
                            "step": step, "epoch": epoch, "gen_epoch_start": gen_epoch_start,
                            "train_seconds": time.time() - t0}, state_path + ".tmp")
                os.replace(state_path + ".tmp", state_path)
    if step < total:
        print(f"stopped at step {step} of {total} (--stop-after); continue with --resume", flush=True)
        return
    sd = {"backbone." + k.replace("net.", "", 1): v.detach().float().contiguous()
          for k, v in backbone.state_dict().items()}
    sd = {k: (v.long() if k.endswith("num_batches_tracked") else v) for k, v in sd.items()}
    sd["head.w"] = w.detach().float().contiguous()
    meta = {"format": "kdface-checkpoint", "format_version": "1", "step": str(step), "epoch": str(epochs),
            "rng": "{}", "meta": json.dumps({"config": cfg, "classes": shards.classes,
                                             "made_by": "scripts/torch_train_ab.py", "torch": torch.__version__,
                                             "train_seconds": time.time() - t0})}
    path = os.path.join(a.out, "checkpoints", f"ckpt_{step:09d}.safetensors")
    save_file({"model." + k: v for k, v in sd.items()}, path + ".tmp", meta)
    os.replace(path + ".tmp", path)
    print(f"wrote {path} ({step} steps, {(time.time() - t0) / 60:.1f} min)")


if __name__ == "__main__":
    main()
