#!/usr/bin/env python3
"""A frontal / profile test set built from CelebA photographs, for measuring alignment.

usage: build_pose_set.py [--data ../shared/data] [--out runs/pose_set] [--per-set 500] [--seed 13]

No frontal-profile benchmark can be downloaded here, so the set is built: MTCNN
(facenet-pytorch; its weights ship inside the wheel) finds the largest face in every image
of celeba/wild and celeba/crops and its five points give a yaw proxy

    r = (nose_x - left_eye_x) / (right_eye_x - left_eye_x)

(0.5 for a frontal face; outside [0, 1] when the nose has turned past an eye, i.e. a
profile). The selection never looks at our own detector, so it is not biased towards faces
that dlib finds or misses.

  frontal:      |r - 0.5| < 0.08
  half-profile: 0.3 <= |r - 0.5| <= 0.55
  profile:      |r - 0.5| > 0.55, i.e. r < -0.05 or r > 1.05
  all three:    MTCNN probability >= 0.95 and a box of at least 40 px (smaller faces fail
                for their size, which is not what this set measures); --per-set drawn at
                random from each (CelebA has about a hundred profiles: all of them are kept)

Writes under --out (never the images): mtcnn.tsv (every image: box, probability, five
points, r; resumable), frontal.txt, half_profile.txt and profile.txt (paths relative to celeba/, usable as
`kdface-data align --in ../shared/data/celeba --list`), boxes.tsv (the MTCNN box of every
selected image, for checking where an aligner put its face). Needs torch, torchvision,
pillow and facenet-pytorch (`pip install --no-deps facenet-pytorch` next to an installed
torch). docs/data.md, "Frontal and profile faces", has the numbers.
"""
import argparse
import os
import random
import sys

FOLDERS = ("wild", "crops")


def detect_all(data, out_tsv):
    import numpy as np
    import torch
    from facenet_pytorch import MTCNN
    from PIL import Image

    torch.set_num_threads(1)
    done = set()
    if os.path.exists(out_tsv):
        with open(out_tsv) as f:
            done = {line.split("\t", 1)[0] for line in f if not line.startswith("#")}
    mtcnn = MTCNN(keep_all=True, min_face_size=40, device="cpu")
    todo = []
    for folder in FOLDERS:
        for name in sorted(os.listdir(os.path.join(data, "celeba", folder))):
            rel = f"{folder}/{name}"
            if rel not in done and name.lower().endswith((".jpg", ".jpeg", ".png")):
                todo.append(rel)
    new = not os.path.exists(out_tsv)
    with open(out_tsv, "a") as f:
        if new:
            f.write("# path\tprob\tx0\ty0\tx1\ty1\tlex\tley\trex\trey\tnx\tny\tlmx\tlmy\trmx\trmy\tr\n")
        for i, rel in enumerate(todo):
            img = Image.open(os.path.join(data, "celeba", rel)).convert("RGB")
            boxes, probs, points = mtcnn.detect(np.asarray(img), landmarks=True)
            if boxes is None:
                f.write(f"{rel}\t0\n")
            else:
                k = int(np.argmax((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])))
                p = points[k]
                span = p[1][0] - p[0][0]
                r = (p[2][0] - p[0][0]) / span if abs(span) > 1e-6 else float("nan")
                vals = [probs[k], *boxes[k], *p.reshape(-1), r]
                f.write(rel + "\t" + "\t".join(f"{v:.4f}" for v in vals) + "\n")
            if i % 500 == 0:
                print(f"mtcnn: {i}/{len(todo)}", file=sys.stderr, flush=True)
                f.flush()


def select(out_tsv, out_dir, per_set, seed):
    frontal, half, profile, boxes = [], [], [], {}
    with open(out_tsv) as f:
        for line in f:
            if line.startswith("#"):
                continue
            c = line.rstrip("\n").split("\t")
            if len(c) < 17:
                continue
            prob, x0, y0, x1, y1, r = float(c[1]), *map(float, c[2:6]), float(c[16])
            if prob < 0.95 or min(x1 - x0, y1 - y0) < 40 or r != r:
                continue
            boxes[c[0]] = (x0, y0, x1, y1)
            d = abs(r - 0.5)
            if d < 0.08:
                frontal.append(c[0])
            elif 0.3 <= d <= 0.55:
                half.append(c[0])
            elif d > 0.55:
                profile.append(c[0])
    rng = random.Random(seed)
    counts = {}
    with open(os.path.join(out_dir, "boxes.tsv"), "w") as fb:
        fb.write("# path\tx0\ty0\tx1\ty1  (MTCNN box of the largest face, source pixels)\n")
        for name, items in (("frontal", frontal), ("half_profile", half), ("profile", profile)):
            counts[name] = len(items)
            pick = sorted(rng.sample(items, min(per_set, len(items))))
            with open(os.path.join(out_dir, name + ".txt"), "w") as fl:
                fl.write(f"# {name}: {len(pick)} of {len(items)} candidates, build_pose_set.py seed {seed}\n")
                for p in pick:
                    fl.write(p + "\n")
                    fb.write(p + "\t" + "\t".join(f"{v:.1f}" for v in boxes[p]) + "\n")
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--out", default="runs/pose_set")
    ap.add_argument("--per-set", type=int, default=500)
    ap.add_argument("--seed", type=int, default=13)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    tsv = os.path.join(a.out, "mtcnn.tsv")
    detect_all(a.data, tsv)
    counts = select(tsv, a.out, a.per_set, a.seed)
    print(f"candidates: {counts['frontal']} frontal, {counts['half_profile']} half-profile, "
          f"{counts['profile']} profile; lists in {a.out}")


if __name__ == "__main__":
    main()
