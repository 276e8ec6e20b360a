"""Real faces for the checks that run a kdface model in another runtime (torch_interop.py,
onnx_parity.py): the first identities of celeba/identities_aligned.txt with at least 4
images, aligned by kdface-data align --preset celeba-aligned and re-saved as PNG, so every
runtime reads the same pixels (two JPEG decoders may differ by one level)."""
import importlib
import os
import subprocess
import sys

# pip's names where they differ from the module's
PIP_NAMES = {"PIL": "pillow", "onnxruntime": "onnxruntime", "safetensors": "safetensors"}


def require(*modules):
    """A check whose Python packages are missing is skipped loudly (exit 77, which ctest
    reports as skipped), naming the package, never silently green."""
    for m in modules:
        try:
            importlib.import_module(m)
        except ImportError:
            print(f"KDFACE-SKIP: Python package '{PIP_NAMES.get(m, m)}' is not installed "
                  f"(pip install {PIP_NAMES.get(m, m)}; scripts/setup.sh does)")
            sys.exit(77)


def skip(why):
    """ctest reports exit 77 as skipped; the line says why."""
    print(f"KDFACE-SKIP: {why}")
    sys.exit(77)


def shared_celeba(data):
    """data/celeba, or a loud skip when the shared face data are not beside the checkout."""
    celeba = os.path.join(data, "celeba")
    if not os.path.isdir(os.path.join(celeba, "aligned")):
        skip(f"{celeba}/aligned not found (the shared face data)")
    return celeba


def run(*cmd):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{os.path.basename(sys.argv[0])}: {' '.join(map(str, cmd))} failed ({r.returncode}):\n"
                 f"{r.stdout}{r.stderr}")
    return r.stdout + r.stderr


def pick_faces(identities, count):
    by_id = {}
    for line in open(identities):
        parts = line.split()
        if len(parts) == 2:
            by_id.setdefault(parts[1], []).append(parts[0])
    picked = []
    for ident in sorted(by_id, key=lambda i: (-len(by_id[i]), i)):
        if len(by_id[ident]) >= 4 and len(picked) < count:
            picked += [(f, ident) for f in sorted(by_id[ident])[:count - len(picked)]]
    return picked


def prepare_faces(tmp, celeba, count, tools, threads):
    """Returns ([(file, identity)], [png path]); tmp/list.txt lists `file identity`, tmp/jpg
    holds the aligned JPEGs (for kdface-data pack)."""
    from PIL import Image

    faces = pick_faces(os.path.join(celeba, "identities_aligned.txt"), count)
    with open(os.path.join(tmp, "list.txt"), "w") as f:
        f.writelines(f"{n} {i}\n" for n, i in faces)
    run(f"{tools}/kdface-data", "align", "--preset", "celeba-aligned", "--in", f"{celeba}/aligned",
        "--out", f"{tmp}/jpg", "--list", f"{tmp}/list.txt", "--threads", threads)
    os.makedirs(f"{tmp}/png/faces")
    pngs = []
    for n, _ in faces:
        p = f"{tmp}/png/faces/{os.path.splitext(n)[0]}.png"
        Image.open(f"{tmp}/jpg/{os.path.splitext(n)[0]}.jpg").convert("RGB").save(p)
        pngs.append(p)
    return faces, pngs


def random_kdface_model(tmp, tools, model_cfg, seed):
    """A kdface checkpoint of a freshly initialised torch_reference model whose BatchNorm
    statistics and affine parameters are far from identity (so every fold and every BN is
    exercised), made through kdface-import. For checks that run before trained models exist."""
    import json

    import torch
    from safetensors.torch import save_file

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from torch_train_ab import model_args
    from torch_train_reference import load_torch_reference

    R = load_torch_reference(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench"))
    torch.manual_seed(seed)
    net = R.ResNeXtCBAM(**model_args(model_cfg)[0])
    for m in net.modules():
        if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            with torch.no_grad():
                m.running_mean.normal_(0, 0.2)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.2)
    sd = f"{tmp}/random_{seed}.sd.safetensors"
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, sd)
    out = f"{tmp}/random_{seed}.safetensors"
    run(f"{tools}/kdface-import", "--state-dict", sd, "--model-config", json.dumps(model_cfg), "--out", out)
    return out
