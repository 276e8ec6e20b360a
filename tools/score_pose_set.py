#!/usr/bin/env python3
"""Aligned fraction of `kdface-data align` runs over the lists of build_pose_set.py.

usage: score_pose_set.py BOXES.tsv LIST.txt ALIGN_OUT_DIR [LIST.txt ALIGN_OUT_DIR ...]

Per run: how many listed images were aligned, by method (align_report.tsv's method column),
and how many of those were aligned on the face MTCNN found ("agree": the centre of the box
align used lies inside MTCNN's box and the two overlap with IoU >= 0.3). An align_report.tsv
of the earlier layout lists only the images not aligned and no boxes: its agreement is "-".
Prints a markdown table (numbers only; no image is read).
"""
import os
import sys


def read_boxes(path):
    boxes = {}
    with open(path) as f:
        for line in f:
            if not line.startswith("#"):
                c = line.rstrip("\n").split("\t")
                boxes[c[0]] = tuple(map(float, c[1:5]))
    return boxes


def iou(a, b):
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def score(boxes, list_file, out_dir):
    with open(list_file) as f:
        listed = [line.split()[0] for line in f if line.strip() and not line.startswith("#")]
    with open(os.path.join(out_dir, "align_report.tsv")) as f:
        lines = f.read().splitlines()
    legacy = "layout=status" not in lines[0]
    rows = [l.split("\t") for l in lines if l and not l.startswith("#")]
    methods, agree = {}, 0
    if legacy:
        aligned = len(listed) - len(rows)
        methods["dlib68"] = aligned
        agree = None
    else:
        aligned = 0
        for path, status, method, box, _ in rows:
            if status == "skipped":
                continue
            aligned += 1
            methods[method] = methods.get(method, 0) + 1
            b, m = tuple(map(float, box.split(","))), boxes[path]
            cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
            agree += m[0] <= cx <= m[2] and m[1] <= cy <= m[3] and iou(b, m) >= 0.3
    return len(listed), aligned, methods, agree


def main():
    if len(sys.argv) < 4 or len(sys.argv) % 2:
        sys.exit(__doc__)
    boxes = read_boxes(sys.argv[1])
    print("| list | align output | images | aligned | by method | aligned on MTCNN's face |")
    print("|---|---|--:|--:|---|--:|")
    for lst, out in zip(sys.argv[2::2], sys.argv[3::2]):
        n, a, methods, agree = score(boxes, lst, out)
        by = ", ".join(f"{k} {v}" for k, v in sorted(methods.items()))
        ag = "-" if agree is None else f"{agree} ({100 * agree / n:.1f} %)"
        print(f"| {os.path.basename(lst)} | {out} | {n} | {a} ({100 * a / n:.1f} %) | {by} | {ag} |")


if __name__ == "__main__":
    main()
