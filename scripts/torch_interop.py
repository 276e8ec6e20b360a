#!/usr/bin/env python3
"""kdface <-> PyTorch, both ways, on real faces (issue 14, item 2).

1. kdface -> PyTorch: a kdface checkpoint's backbone loads into ../shared/bench/
   torch_reference.py's ResNeXtCBAM with load_state_dict(strict=True), and PyTorch's
   embeddings of real aligned faces equal kdface-embed's.
2. PyTorch -> kdface: a model trained in PyTorch, saved with safetensors.torch.save_file,
   goes through kdface-import, gives the same embeddings in kdface-embed, and trains on in
   kdface-train (student.init_checkpoint) on the same faces packed by kdface-data pack.

The faces: scripts/peer_faces.py (--count real CelebA faces, aligned, as PNG).
The comparison is max |kdface - torch| over all embedding values, relative to the largest
|value| (the embeddings are not normalised), and must be at most --tol (default 1e-5).

  python3 scripts/torch_interop.py --model pretrained/pool_student_full.safetensors
Exit 0: both directions agree; 1: a check failed; 77 (printed KDFACE-SKIP): a needed Python
package or the shared faces are missing.
"""
import argparse
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from peer_faces import prepare_faces, random_kdface_model, require, run, shared_celeba  # noqa: E402

require("numpy", "torch", "safetensors", "PIL")
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from PIL import Image  # noqa: E402
from safetensors import safe_open  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402
from torch_train_ab import model_args  # noqa: E402
from torch_train_reference import load_torch_reference  # noqa: E402


def torch_backbone(R, model_cfg, state):
    args, pool = model_args(model_cfg)
    net = R.ResNeXtCBAM(**args)
    net.load_state_dict(state, strict=True)
    return net.eval(), pool


def torch_embed(net, pool, pngs):
    x = torch.from_numpy(np.stack([np.asarray(Image.open(p).convert("RGB")) for p in pngs]))
    x = x.permute(0, 3, 1, 2).float().sub_(127.5).div_(127.5)
    with torch.no_grad():
        e, _ = net(F.avg_pool2d(x, pool) if pool > 1 else x)
    return e.numpy()


def compare(what, kd, th, tol):
    err = float(np.abs(kd - th).max() / np.abs(th).max())
    ok = kd.shape == th.shape and err <= tol
    print(json.dumps({"check": what, "faces": int(th.shape[0]), "dim": int(th.shape[1]),
                      "max_abs_diff_rel": err, "tol": tol, "ok": ok}))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None,
                    help="default: pretrained/pool_student_full.safetensors, or a random model when it is absent")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--torch-reference", default=os.path.join(ROOT, "..", "shared", "bench"))
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--tol", type=float, default=1e-5)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    celeba = shared_celeba(a.data)
    tools = os.path.join(a.build, "tools")
    shipped = os.path.join(ROOT, "pretrained", "pool_student_full.safetensors")
    random_dir = tempfile.TemporaryDirectory(prefix="kdface_interop_model_")
    if a.model is None:
        a.model = shipped if os.path.exists(shipped) else random_kdface_model(
            random_dir.name, tools, {"preset": "tiny", "input_pool": 2}, 5)
        print(f"torch_interop: model {a.model}", flush=True)
    if os.path.isdir(a.model):  # a run folder: its newest checkpoint, as kdface-eval picks it
        d = os.path.join(a.model, "checkpoints")
        a.model = os.path.join(d, sorted(n for n in os.listdir(d) if n.endswith(".safetensors"))[-1])
    if not os.path.exists(a.model):
        sys.exit(f"torch_interop: --model {a.model} does not exist")
    R = load_torch_reference(a.torch_reference)
    ok = True
    with tempfile.TemporaryDirectory(prefix="kdface_interop_") as tmp:
        faces, pngs = prepare_faces(tmp, celeba, a.count, tools, a.threads)
        with open(f"{tmp}/pngs.txt", "w") as f:
            f.writelines(p + "\n" for p in pngs)

        # 1. kdface -> PyTorch
        ck = load_file(a.model)
        with safe_open(a.model, "pt") as f:
            meta = json.loads(f.metadata()["meta"])
        model_cfg = meta["config"]["student"]["model"]
        state = {k[len("model.backbone."):]: v for k, v in ck.items() if k.startswith("model.backbone.")}
        net, pool = torch_backbone(R, model_cfg, state)
        run(f"{tools}/kdface-embed", "--model", a.model, "--aligned", "--list", f"{tmp}/pngs.txt",
            "--out", f"{tmp}/kd.npy", "--threads", a.threads, "--quiet", "--on-error", "fail")
        ok &= compare("kdface checkpoint -> torch_reference (strict)", np.load(f"{tmp}/kd.npy"),
                      torch_embed(net, pool, pngs), a.tol)

        # 2. PyTorch -> kdface: a few SGD steps in torch on these faces, then import.
        labels = {i: k for k, i in enumerate(sorted({i for _, i in faces}))}
        y = torch.tensor([labels[i] for _, i in faces])
        net.train()
        head = torch.nn.Parameter(torch.randn(len(labels), model_args(model_cfg)[0]["emb"]) * 0.01)
        opt = torch.optim.SGD(list(net.parameters()) + [head], lr=0.01, momentum=0.9)
        x = torch.from_numpy(np.stack([np.asarray(Image.open(p).convert("RGB")) for p in pngs]))
        x = x.permute(0, 3, 1, 2).float().sub_(127.5).div_(127.5)
        for _ in range(5):
            e, _ = net(F.avg_pool2d(x, pool) if pool > 1 else x)
            loss = F.cross_entropy(32 * F.linear(F.normalize(e), F.normalize(head)), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        net.eval()
        save_file({k: v.contiguous() for k, v in net.state_dict().items()}, f"{tmp}/torch_sd.safetensors")
        run(f"{tools}/kdface-import", "--state-dict", f"{tmp}/torch_sd.safetensors", "--model-config",
            json.dumps(model_cfg), "--out", f"{tmp}/imported.safetensors")
        run(f"{tools}/kdface-embed", "--model", f"{tmp}/imported.safetensors", "--aligned", "--list",
            f"{tmp}/pngs.txt", "--out", f"{tmp}/kd2.npy", "--threads", a.threads, "--quiet", "--on-error", "fail")
        ok &= compare("torch-trained state dict -> kdface-import", np.load(f"{tmp}/kd2.npy"),
                      torch_embed(net, pool, pngs), a.tol)

        run(f"{tools}/kdface-data", "pack", "--in", f"{tmp}/jpg", "--list", f"{tmp}/list.txt",
            "--out", f"{tmp}/shards")
        cfg = {"name": "interop", "seed": 1, "data": {"train": f"{tmp}/shards", "batch": max(2, min(16, len(pngs) // 2)), "threads": 1},
               "student": {"model": model_cfg, "head": {"kind": "arcface", "s": 32.0, "m": 0.3},
                           "init_checkpoint": f"{tmp}/imported.safetensors"},
               "loss": {"cls": 1.0}, "optim": {"lr": 0.01, "schedule": "constant"}, "epochs": 10, "max_steps": 3,
               "log_every": 1,
               "eval": {"pairs": ""}}
        with open(f"{tmp}/train.json", "w") as f:
            json.dump(cfg, f)
        run(f"{tools}/kdface-train", "--config", f"{tmp}/train.json", "--out", f"{tmp}/run", "--quiet")
        steps = [json.loads(l) for l in open(f"{tmp}/run/log.jsonl") if '"event":"step"' in l]
        trained = [s["loss"]["total"] for s in steps]
        train_ok = len(trained) == 3 and all(np.isfinite(trained)) and steps[-1]["step"] == 3
        print(json.dumps({"check": "kdface-train from the imported torch model", "steps": 3,
                          "losses": trained, "ok": bool(train_ok)}))
        ok &= bool(train_ok)
    print("torch_interop: " + ("all checks passed" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
