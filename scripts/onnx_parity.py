#!/usr/bin/env python3
"""kdface-export's ONNX model in ONNX Runtime (issue 14, item 1): onnx's checker accepts the
file, its metadata states the input normalisation, and ONNX Runtime's embeddings of 100 real
aligned faces (scripts/peer_faces.py) equal kdface-embed's within --tol (default 1e-4) of
the largest value. OpenCV's DNN module is checked on the same export by the ctest test
test_datacv_onnx_dnn.

  python3 scripts/onnx_parity.py --model pretrained/pool_student_full.safetensors
Exit 0: agreed; 1: a check failed; 77 (printed KDFACE-SKIP): a Python package or the faces are missing.
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

require("numpy", "onnx", "onnxruntime", "safetensors", "torch", "PIL")
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
from PIL import Image  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", action="append",
                    help="repeatable; default: the shipped models, and two random ones (both heads) always")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    shipped = [os.path.join(ROOT, "pretrained", f"{m}.safetensors")
               for m in ("pool_teacher", "pool_student_basic", "pool_student_full")]
    celeba = shared_celeba(a.data)
    tools = os.path.join(a.build, "tools")
    ok = True
    with tempfile.TemporaryDirectory(prefix="kdface_onnx_") as tmp:
        models = a.model or [m for m in shipped if os.path.exists(m)] + [
            random_kdface_model(tmp, tools, {"preset": "tiny", "depths": [1, 2, 1, 1], "input_pool": 2}, 3),
            random_kdface_model(tmp, tools, {"preset": "tiny", "depths": [1, 1, 1, 1], "head": "flatten", "emb": 64}, 4)]
        _, pngs = prepare_faces(tmp, celeba, a.count, tools, a.threads)
        with open(f"{tmp}/pngs.txt", "w") as f:
            f.writelines(p + "\n" for p in pngs)
        x = np.stack([np.asarray(Image.open(p).convert("RGB")) for p in pngs]).astype(np.float32)
        x = (x.transpose(0, 3, 1, 2) - 127.5) / 127.5
        for model in models:
            out = f"{tmp}/model.onnx"
            run(f"{tools}/kdface-export", "--model", model, "--out", out)
            m = onnx.load(out)
            onnx.checker.check_model(m, full_check=True)
            meta = {p.key: p.value for p in m.metadata_props}
            run(f"{tools}/kdface-embed", "--model", model, "--aligned", "--list", f"{tmp}/pngs.txt",
                "--out", f"{tmp}/kd.npy", "--threads", a.threads, "--quiet", "--on-error", "fail")
            kd = np.load(f"{tmp}/kd.npy")
            so = ort.SessionOptions()
            so.intra_op_num_threads = a.threads
            sess = ort.InferenceSession(out, so, providers=["CPUExecutionProvider"])
            got = sess.run(["embedding"], {"input": x})[0]
            half = sess.run(["embedding"], {"input": x[:7]})[0]  # the batch is dynamic
            err = float(np.abs(got - kd).max() / np.abs(kd).max())
            good = got.shape == kd.shape and err <= a.tol and np.array_equal(half.shape, (7, kd.shape[1])) \
                and "kdface.input" in meta and "127.5" in meta["kdface.input"]
            print(json.dumps({"check": "ONNX Runtime vs kdface-embed", "model": model, "onnxruntime": ort.__version__,
                              "faces": int(kd.shape[0]), "dim": int(kd.shape[1]), "max_abs_diff_rel": err,
                              "tol": a.tol, "nodes": len(m.graph.node), "ok": bool(good)}))
            ok &= bool(good)
    print("onnx_parity: " + ("all checks passed" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
