"""What the failure drills (issue 16, item 3) share: a small shard set of real faces, the tiny
student's config, a kdface-train runner, and readers for checkpoints and shards written from
their documented formats (engine/checkpoint.h, data/shard.h), so a drill checks the files
independently of the code that wrote them."""
import argparse
import contextlib
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from peer_faces import prepare_faces, require, run, shared_celeba, skip  # noqa: E402,F401


def args(doc):
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    return ap.parse_args()


@contextlib.contextmanager
def scratch(a, name):
    """The drill's temporary folder: removed afterwards, or kept and its path printed (--keep)."""
    tmp = tempfile.mkdtemp(prefix=f"kdface_{name}_")
    try:
        yield tmp
    finally:
        if a.keep:
            print("kept", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def face_shards(tmp, a, count=48, shard_size=2000):
    """tmp/shards: `count` aligned CelebA faces packed by kdface-data (skips when the shared
    faces or Pillow are missing)."""
    require("PIL")
    celeba = shared_celeba(a.data)
    tools = os.path.join(a.build, "tools")
    os.makedirs(tmp, exist_ok=True)
    prepare_faces(tmp, celeba, count, tools, 2)
    run(f"{tools}/kdface-data", "pack", "--in", f"{tmp}/jpg", "--list", f"{tmp}/list.txt", "--out",
        f"{tmp}/shards", "--shard-size", shard_size)
    return f"{tmp}/shards"


def tiny_config(shards, **over):
    """The tiny student at half resolution on 8-image batches: a step takes tens of ms."""
    cfg = {"name": "drill", "seed": 5,
           "data": {"train": shards, "batch": 8, "threads": 2},
           "student": {"model": {"preset": "tiny", "input_pool": 2},
                       "head": {"kind": "arcface", "s": 32.0, "m": 0.3}},
           "loss": {"cls": 1.0}, "optim": {"lr": 0.01, "schedule": "cosine", "unit": "step", "warmup": 3},
           "epochs": 1000, "max_steps": 40, "log_every": 1, "checkpoint_every": 4, "eval": {"pairs": ""}}
    for k, v in over.items():
        node = cfg
        *path, last = k.split(".")
        for p in path:
            node = node.setdefault(p, {})
        node[last] = v
    return cfg


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
    return path


def train_cmd(a, cfg_path, out, *extra):
    return [os.path.join(a.build, "tools", "kdface-train"), "--config", cfg_path, "--out", out, "--quiet", *extra]


def train(a, cfg_path, out, *extra, env=None, timeout=300, **kw):
    e = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2"), **(env or {}))
    return subprocess.run(train_cmd(a, cfg_path, out, *extra), capture_output=True, text=True, env=e,
                          timeout=timeout, **kw)


def log_lines(run_dir, event=None):
    """log.jsonl's objects; a torn last line (a process killed mid-write) is left out."""
    lines = []
    try:
        for l in open(os.path.join(run_dir, "log.jsonl")):
            try:
                lines.append(json.loads(l))
            except ValueError:
                pass
    except OSError:
        return []
    return [l for l in lines if event is None or l.get("event") == event]


def checkpoints(run_dir):
    d = os.path.join(run_dir, "checkpoints")
    if not os.path.isdir(d):
        return []
    return sorted(os.path.join(d, n) for n in os.listdir(d) if n.startswith("ckpt_") and n.endswith(".safetensors"))


def read_safetensors(path):
    """({name: (dtype, shape, bytes)}, metadata); raises ValueError on a torn file."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: shorter than 8 bytes")
    n = struct.unpack("<Q", blob[:8])[0]
    if 8 + n > len(blob):
        raise ValueError(f"{path}: header runs past the end")
    header = json.loads(blob[8:8 + n])
    meta = header.pop("__metadata__", {})
    out, end = {}, 0
    for k, v in header.items():
        b, e = v["data_offsets"]
        end = max(end, e)
        out[k] = (v["dtype"], v["shape"], blob[8 + n + b:8 + n + e])
    if 8 + n + end != len(blob):
        raise ValueError(f"{path}: {len(blob) - 8 - n} data bytes, the header describes {end}")
    return out, meta


def non_finite(tensors):
    """Names of the floating tensors holding NaN or infinity."""
    bad = []
    for k, (dtype, _, raw) in tensors.items():
        fmt = {"F32": "f", "F64": "d"}.get(dtype)
        if fmt and not all(math.isfinite(x) for x in struct.unpack(f"<{len(raw) // struct.calcsize(fmt)}{fmt}", raw)):
            bad.append(k)
    return bad


# ---- shards (data/shard.h): "KDSHARD1", records, index, 32-byte footer

def read_shard(path):
    """[(jpeg bytes, label, source path)] in record order."""
    import zlib
    blob = open(path, "rb").read()
    assert blob[:8] == b"KDSHARD1" and blob[-8:] == b"KDSHIDX1", f"{path}: not a shard"
    index_off, count = struct.unpack("<QQ", blob[-32:-16])
    p, recs = index_off, []
    for _ in range(count):
        off, size, crc, label, plen = struct.unpack("<QIIqH", blob[p:p + 26])
        src = blob[p + 26:p + 26 + plen].decode()
        p += 26 + plen
        data = blob[off:off + size]
        assert zlib.crc32(data) == crc, f"{path}: {src} already corrupt"
        recs.append((data, label, src))
    return recs


def write_shard(path, recs, crc_of=None):
    """Writes recs as a shard; crc_of(i, data) may return the crc to store (a wrong one
    simulates bytes that changed after packing)."""
    import zlib
    body, index = bytearray(b"KDSHARD1"), bytearray()
    for i, (data, label, src) in enumerate(recs):
        crc = crc_of(i, data) if crc_of else None
        crc = zlib.crc32(data) if crc is None else crc
        index += struct.pack("<QIIqH", len(body), len(data), crc, label, len(src.encode())) + src.encode()
        body += data
    index_off = len(body)
    body += index + struct.pack("<QQII", index_off, len(recs), zlib.crc32(bytes(index)), 0) + b"KDSHIDX1"
    with open(path, "wb") as f:
        f.write(body)


class Report:
    """One JSON line per check, a closing line, the exit status."""

    def __init__(self, name):
        self.name, self.ok = name, True

    def check(self, what, ok, **fields):
        self.ok &= bool(ok)
        print(json.dumps({"check": what, "ok": bool(ok), **fields}), flush=True)
        return ok

    def finish(self):
        print(f"{self.name}: " + ("all checks passed" if self.ok else "FAILED"), flush=True)
        return 0 if self.ok else 1
