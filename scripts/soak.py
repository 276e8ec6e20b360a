#!/usr/bin/env python3
"""Soak test of kdface-train on the CPU (issue 16, item 4): the tiny student trains on real
faces with the threaded loader for a while, and the process is sampled every --interval
seconds: RSS (VmRSS), threads, open file descriptors, the step reached. After the warm-up,
RSS must grow by less than --max-growth, and threads and descriptors must stay flat.

  python3 scripts/soak.py --minutes 30                    # the long soak (not in CI)
  python3 scripts/soak.py --minutes 1 --interval 5 ...    # a short one

Writes RUN/soak.csv (the curve) and prints a JSON summary (also RUN/soak.json). When
/tmp/kd_quiet exists (someone benchmarks) the trainer is paused with SIGSTOP until it goes;
paused time does not count towards the duration and the summary lists the pauses.
Exits 77 with KDFACE-SKIP when the data are missing.
"""
import argparse
import csv
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
QUIET = "/tmp/kd_quiet"


def sample(pid):
    """(rss_kb, threads, fds), or None once the process is gone."""
    try:
        status = dict(l.split(":", 1) for l in open(f"/proc/{pid}/status") if ":" in l)
        rss = int(status["VmRSS"].split()[0])
        threads = int(status["Threads"])
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        return rss, threads, fds
    except (OSError, KeyError, ValueError):
        return None


def batch_of(run_dir):
    try:
        return json.load(open(os.path.join(run_dir, "config.json")))["data"]["batch"]
    except (OSError, ValueError, KeyError):
        return 0


def stopped(pid):
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] == "T"
    except (OSError, IndexError):
        return False


def last_step(log):
    """(step, img_s) of the newest step line of log.jsonl."""
    step, rate = 0, 0.0
    try:
        with open(log) as f:
            for line in f:
                if '"event":"step"' in line:
                    d = json.loads(line)
                    step, rate = d["step"], d.get("img_s", 0.0)
    except (OSError, ValueError):
        pass
    return step, rate


def summarize(rows, warmup, max_growth, batch):
    """The verdict on a curve: RSS growth from warm-up to the end, thread and fd counts."""
    after = [r for r in rows if r["t_s"] >= warmup]
    if len(after) < 2:
        return {"ok": False, "samples": len(rows), "why": "fewer than 2 samples after the warm-up"}
    # The median of the first and last three samples: one sample taken during a checkpoint
    # write or an evaluation does not decide the verdict.
    ref = statistics.median(r["rss_kb"] for r in after[:3])
    end = statistics.median(r["rss_kb"] for r in after[-3:])
    growth = (end - ref) / ref
    threads = [r["threads"] for r in after]
    fds = [r["fds"] for r in after]
    rates = [r["img_s"] for r in after if r["img_s"] > 0]
    span = after[-1]["t_s"] - after[0]["t_s"]
    mean_rate = (after[-1]["step"] - after[0]["step"]) * batch / span if span > 0 else 0.0
    # The loader's workers end once an epoch's last batch is claimed and start again with the
    # next epoch (and the evaluation runs in between), so samples see 3 to 5 threads; a leak
    # shows as a last third whose peak is above the peak of everything before it.
    cut = len(rows) - max(1, len(after) // 3)
    flat = all(max(r[k] for r in rows[cut:]) <= max(r[k] for r in rows[:cut]) for k in ("threads", "fds"))
    return {"ok": growth < max_growth and flat, "samples": len(rows), "duration_s": rows[-1]["t_s"],
            "warmup_s": warmup, "steps": rows[-1]["step"], "rss_kb_first": rows[0]["rss_kb"],
            "rss_kb_warm": ref, "rss_kb_end": end, "rss_kb_max_after_warmup": max(r["rss_kb"] for r in after),
            "rss_growth_pct": round(100 * growth, 3), "threads_after_warmup": sorted(set(threads)),
            "fds_after_warmup": sorted(set(fds)),
            "img_s_median_of_windows": round(statistics.median(rates), 1) if rates else 0.0,
            "img_s_mean_after_warmup": round(mean_rate, 1)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    root = os.path.join(HERE, "..")
    ap.add_argument("--build", default=os.path.join(root, "build"))
    ap.add_argument("--config", default=os.path.join(root, "configs", "pool_student_basic.json"))
    ap.add_argument("--data", default=os.path.join(root, "runs", "data", "pool_shards"),
                    help="shard set (scripts/prepare_pool.sh makes the default)")
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--interval", type=float, default=20, help="seconds between samples")
    ap.add_argument("--warmup", type=float, default=None,
                    help="seconds before the reference sample (default: a sixth of the run, at least 60 s)")
    ap.add_argument("--max-growth", type=float, default=0.05)
    ap.add_argument("--out", default=None, help="run folder (default: a new temporary one)")
    ap.add_argument("--set", action="append", default=[], help="extra kdface-train --set")
    ap.add_argument("--from-csv", help="only summarise an earlier run's soak.csv")
    a = ap.parse_args()
    if a.from_csv:
        rows = [{k: float(v) for k, v in r.items()} for r in csv.DictReader(open(a.from_csv))]
        warmup = a.warmup if a.warmup is not None else max(60.0, rows[-1]["t_s"] / 6)
        cfg = json.load(open(os.path.join(os.path.dirname(a.from_csv), "run", "config.json")))
        print(json.dumps(summarize(rows, warmup, a.max_growth, cfg["data"]["batch"])))
        return 0
    if not os.path.isfile(os.path.join(a.data, "index.json")):
        print(f"KDFACE-SKIP: no shard set at {a.data} (bash scripts/prepare_pool.sh)")
        return 77
    duration = a.minutes * 60
    warmup = a.warmup if a.warmup is not None else max(60.0, duration / 6)
    out = a.out or tempfile.mkdtemp(prefix="kdface_soak_")
    os.makedirs(out, exist_ok=True)
    run_dir = os.path.join(out, "run")
    # Checkpoints every 100 steps and an evaluation every epoch, so their files, threads and
    # buffers are part of what must stay flat; epochs restart the loader's workers.
    sets = [f"data.train={a.data}", "epochs=100000", "checkpoint_every=100", "log_every=10",
            "eval.max_pairs=1200", "eval.scales=[1,4]", *a.set]
    cmd = [os.path.join(a.build, "tools", "kdface-train"), "--config", a.config, "--out", run_dir, "--quiet"]
    for kv in sets:
        cmd += ["--set", kv]
    err = open(os.path.join(out, "train.stderr"), "w")
    p = subprocess.Popen(cmd, stdout=err, stderr=err, cwd=root)
    rows, pauses = [], []
    start = time.time()
    paused_total = 0.0
    last_wake = time.time()
    while True:
        time.sleep(a.interval)
        # Someone else may stop this script or the trainer (SIGSTOP) for a benchmark: time the
        # script slept far beyond its interval, or a stopped trainer, is not soak time.
        now = time.time()
        if now - last_wake > a.interval + 10:
            pauses.append({"at_s": round(last_wake - start - paused_total, 1),
                           "paused_s": round(now - last_wake - a.interval, 1), "by": "another process"})
            paused_total += now - last_wake - a.interval
        elif stopped(p.pid):
            pauses.append({"at_s": round(now - start - paused_total, 1), "paused_s": a.interval,
                           "by": "another process (trainer found stopped)"})
            paused_total += a.interval
        if os.path.exists(QUIET) and p.poll() is None:
            t0 = time.time()
            p.send_signal(signal.SIGSTOP)
            while os.path.exists(QUIET):
                time.sleep(30)
            p.send_signal(signal.SIGCONT)
            pauses.append({"at_s": round(t0 - start - paused_total, 1), "paused_s": round(time.time() - t0, 1),
                           "by": "soak.py (" + QUIET + ")"})
            paused_total += time.time() - t0
        last_wake = time.time()
        t = time.time() - start - paused_total
        s = sample(p.pid)
        if s is None or p.poll() is not None:
            break
        step, rate = last_step(os.path.join(run_dir, "log.jsonl"))
        rows.append({"t_s": round(t, 1), "rss_kb": s[0], "threads": s[1], "fds": s[2], "step": step,
                     "img_s": round(rate, 1)})
        print(json.dumps(rows[-1]), flush=True)
        if t >= duration:
            break
    crashed = p.poll() is not None
    if not crashed:
        p.send_signal(signal.SIGKILL)
    p.wait()
    err.close()

    with open(os.path.join(out, "soak.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["t_s", "rss_kb", "threads", "fds", "step", "img_s"])
        w.writeheader()
        w.writerows(rows)
    summary = {"crashed": crashed, "out": out, "pauses": pauses, **summarize(rows, warmup, a.max_growth, batch_of(run_dir))}
    summary["ok"] = summary["ok"] and not crashed
    if crashed:
        with open(os.path.join(out, "train.stderr")) as f:
            summary["stderr_tail"] = f.read()[-2000:]
    with open(os.path.join(out, "soak.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(json.dumps(summary))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
