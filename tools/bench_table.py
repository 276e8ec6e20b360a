#!/usr/bin/env python3
"""Ratio table from one run's JSON lines: torch_reference.py's and kdface-bench's.

usage: bench_table.py TORCH.jsonl KDFACE.jsonl   (markdown on stdout)
Speed-up = PyTorch time / kdface time (>1: kdface is faster). Rows with no partner say so.
"""
import json
import sys


def load(path):
    rows = []
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    rows.append(json.loads(line))
    except FileNotFoundError:
        pass
    return rows


def torch_key(r):
    c = r.get("case")
    if c == "grouped_conv3x3":
        return ("kernel", f"gconv3x3_c{r['c']}_h{r['h']}_s{r['stride']}")
    if c == "cbam":
        return ("kernel", f"cbam_c{r['c']}_h{r['h']}")
    if c == "kd_softmax_T":
        return ("kernel", "kd_softmax_T4")
    if c == "arcface_ce":
        return ("kernel", "arcface_ce_emb512")
    if c == "tiny_embed":
        return ("embed", f"tiny_{r['size']}_b{r['batch']}")
    if c and (c.startswith("train_") or c.startswith("kd_step")):
        name = c.replace("train_student_", "train_").replace("train_teacher_", "train_")
        compiled = name.endswith("_compiled")
        name = name.replace("_compiled", "")
        return ("step", name, "bf16" if r.get("amp") else "fp32", "compile" if compiled else "eager")
    return None


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    torch_rows, kd_rows = load(sys.argv[1]), load(sys.argv[2])
    env = [r for r in torch_rows if r.get("case") == "env"]
    dev = kd_rows[0]["device"] if kd_rows else "?"
    commit = kd_rows[0]["commit"] if kd_rows else "?"
    date = kd_rows[0]["date"] if kd_rows else "?"
    print(f"Device: {dev}; kdface commit {commit}; {date}.")
    if env:
        e = env[0]
        print(f"PyTorch {e.get('torch')}, cuDNN {e.get('cudnn')}, device-to-device copy {e.get('d2d_copy_TBps', 0):.2f} TB/s.")
    print()
    T = {}
    for r in torch_rows:
        k = torch_key(r)
        if k:
            T[k] = r

    print("| kernel | precision | kdface fwd ms | torch fwd ms | speed-up | kdface fwd+bwd ms | torch fwd+bwd ms | speed-up | baseline (cuDNN) fwd+bwd ms | check |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in kd_rows:
        if "fwd_ms" not in r and "checked_vs_cpu" not in r:
            continue
        t = T.get(("kernel", r["case"]), {}) if r.get("precision") != "bf16" else {}  # the peer's kernel rows are fp32
        def sp(a, b):
            return f"{b / a:.2f}x" if a and b else "-"
        f, fb = r.get("fwd_ms"), r.get("fwdbwd_ms")
        print(f"| {r['case']} | {r.get('precision')} | {f if f is None else round(f, 4)} | {t.get('fwd_ms', '-') if not t else round(t['fwd_ms'], 4)} | {sp(f, t.get('fwd_ms'))} "
              f"| {fb if fb is None else round(fb, 4)} | {'-' if not t else round(t['fwdbwd_ms'], 4)} | {sp(fb, t.get('fwdbwd_ms'))} "
              f"| {round(r['baseline_fwdbwd_ms'], 4) if 'baseline_fwdbwd_ms' in r else '-'} | {r.get('checked_vs_cpu', '-')} |")
    print()
    print("| step | kdface conv | kdface precision | kdface img/s | torch eager img/s | torch.compile img/s | vs eager | vs compile | kdface peak GiB | torch peak GiB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in kd_rows:
        if "img_per_s" not in r:
            continue
        prec = "bf16" if r["precision"] == "bf16" else "fp32"  # tf32 is compared with torch fp32 (cuDNN uses TF32 there)
        e = T.get(("step", r["case"], prec, "eager"), {})
        c = T.get(("step", r["case"], prec, "compile"), {})
        def ratio(x):
            return f"{r['img_per_s'] / x['img_per_s']:.2f}x" if x else "-"
        print(f"| {r['case']} | {r.get('conv', 'native')} | {r['precision']} | {r['img_per_s']:.0f} | {e.get('img_per_s', 0):.0f} | {c.get('img_per_s', 0):.0f} "
              f"| {ratio(e)} | {ratio(c)} | {r.get('peak_mem_GiB', 0):.2f} | {e.get('peak_mem_GiB', 0):.2f} |")
    print()
    print("| embedding | kdface faces/s | torch faces/s | speed-up |")
    print("|---|---|---|---|")
    for r in kd_rows:
        if r.get("case") != "embed":
            continue
        t = T.get(("embed", f"{r['model']}_{r['size']}_b{r['batch']}"), {})
        tf = t.get("faces_per_s")
        print(f"| {r['model']} {r['size']}x{r['size']} batch {r['batch']} | {r['faces_per_s']:.0f} | {tf if tf is None else round(tf)} | "
              f"{(r['faces_per_s'] / tf) if tf else 0:.2f}x |")


if __name__ == "__main__":
    main()
