#!/usr/bin/env python3
"""Line coverage of the CUDA sources under the emulated-device tests.

Reads the gcov data that a KDFACE_COVERAGE=ON emulated build (build-emu) wrote while its
tests ran, and reports, per file, the executable lines of kernels/**/*.cu and
engine/cuda/*.cu that ran (the .cuh device headers are listed too, not counted). Exits 1
when the total is under --min percent, and lists every line that never ran, so what is not
covered is on the record with the figure.

  python3 scripts/emu_coverage.py [--build build-emu] [--min 95] [--json out.json]
"""
import argparse
import glob
import gzip
import json
import os
import subprocess
import sys
import tempfile


def gcov_json(gcda_files, objdir_of):
    """Runs gcov on each .gcda and yields its parsed JSON documents."""
    with tempfile.TemporaryDirectory() as tmp:
        for gcda in gcda_files:
            r = subprocess.run(["gcov", "--json-format", "--object-directory", objdir_of(gcda), gcda],
                               cwd=tmp, capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(f"emu_coverage: gcov failed on {gcda}: {r.stderr.strip()}")
            for name in os.listdir(tmp):
                if name.endswith(".gcov.json.gz"):
                    path = os.path.join(tmp, name)
                    with gzip.open(path, "rt") as f:
                        yield json.load(f)
                    os.remove(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build-emu")
    ap.add_argument("--min", type=float, default=95.0)
    ap.add_argument("--json", help="write the per-file figures here")
    a = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    gcdas = [g for g in glob.glob(os.path.join(a.build, "**", "*.gcda"), recursive=True)
             if g.endswith((".cu.gcda", ".cu.o.gcda"))]
    gcdas = [os.path.abspath(g) for g in gcdas if os.sep + "tests" + os.sep not in g]
    if not gcdas:
        sys.exit(f"emu_coverage: no .cu coverage data under {a.build}: configure it with -DKDFACE_CUDA=EMU "
                 "-DKDFACE_COVERAGE=ON and run its tests first")
    # line -> ran? merged over every object (template instances, several test binaries)
    lines = {}
    for doc in gcov_json(gcdas, os.path.dirname):
        for f in doc["files"]:
            path = os.path.realpath(f["file"] if os.path.isabs(f["file"]) else os.path.join(doc.get("current_working_directory", root), f["file"]))
            rel = os.path.relpath(path, root)
            if not (rel.startswith("kernels" + os.sep) or rel.startswith(os.path.join("engine", "cuda"))):
                continue
            if not rel.endswith((".cu", ".cuh")):
                continue
            per = lines.setdefault(rel, {})
            for ln in f["lines"]:
                per[ln["line_number"]] = per.get(ln["line_number"], False) or ln["count"] > 0
    # Every .cu file counts, also one no test reached (all its lines then count as missed).
    for cu in glob.glob(os.path.join(root, "kernels", "**", "*.cu"), recursive=True) + \
            glob.glob(os.path.join(root, "engine", "cuda", "*.cu")):
        lines.setdefault(os.path.relpath(cu, root), None)
    total = ran = 0
    report = {}
    print(f"{'file':52s} {'lines':>6s} {'ran':>6s} {'%':>6s}")
    for rel in sorted(lines):
        per = lines[rel]
        if per is None:
            print(f"{rel:52s} {'-':>6s} {'-':>6s} {'-':>6s}  no object with coverage data (not compiled here, or never linked)")
            report[rel] = None
            continue
        n, r = len(per), sum(per.values())
        missed = sorted(l for l, v in per.items() if not v)
        counted = rel.endswith(".cu")
        if counted:
            total, ran = total + n, ran + r
        pct = 100.0 * r / n if n else 100.0
        print(f"{rel:52s} {n:6d} {r:6d} {pct:6.1f}{'' if counted else '  (header: listed, not counted)'}")
        if missed:
            print(f"{'':52s} not run: {', '.join(map(str, missed))}")
        report[rel] = {"lines": n, "ran": r, "missed": missed, "counted": counted}
    pct = 100.0 * ran / total if total else 0.0
    print(f"emu_coverage: {ran} of {total} executable lines of kernels/**/*.cu and engine/cuda/*.cu ran: {pct:.1f}% "
          f"(minimum {a.min}%)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"percent": pct, "lines": total, "ran": ran, "files": report}, f, indent=1)
    return 0 if pct >= a.min else 1


if __name__ == "__main__":
    sys.exit(main())
