#!/usr/bin/env python3
"""Kill drill (issue 16): kdface-train is killed with SIGKILL at 20 seeded random moments and
resumed with --resume each time; the run that finally completes must end with the same bits
as an uninterrupted run: every model and optimiser tensor of the last checkpoint, and every
logged loss.

The moments are drawn from a seed (KDFACE_DRILL_SEED, default 16): a random time after launch
(start-up, resume, log truncation or a step), a random number of steps after the resumed
checkpoint, and inside a checkpoint write. For the last kind the
trainer runs with KDFACE_TEST_WRITE_PAUSE_MS, which pauses write_file_atomic half-way through
the temp file (engine/atomic_file.cpp): the kill lands while ckpt_<step>.safetensors.tmp.<pid>
is half written, every time, not by luck.

  python3 scripts/drills/kill_resume.py --build build        (ctest: py_drill_kill_resume)
"""
import glob
import os
import random
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

KILLS = 20
MAX_STEPS = 120  # far beyond what 20 kills reach, so a slow poller never sees the run finish
PAUSE_MS = 800  # wide enough that a poller starved by a loaded machine still lands inside it


def plan(seed):
    kinds = ["anytime"] * 5 + ["steps"] * 10 + ["ckpt_write"] * 5
    rng = random.Random(seed)
    rng.shuffle(kinds)
    return rng, kinds


def newest_step(run_dir):
    """Step of the newest checkpoint Python can read completely (0 when none)."""
    for path in reversed(common.checkpoints(run_dir)):
        try:
            _, meta = common.read_safetensors(path)
            return int(meta["step"])
        except (ValueError, KeyError):
            continue
    return 0


def steps_since_last_start(run_dir):
    """Steps logged by the newest process (its "start" line comes after its log truncation)."""
    lines = common.log_lines(run_dir)
    starts = [i for i, l in enumerate(lines) if l.get("event") == "start"]
    return [l["step"] for l in lines[starts[-1] + 1:] if l.get("event") == "step"] if starts else []


def one_kill(a, cfg, run_dir, kind, rng, first):
    """Starts the trainer, kills it at the drawn moment; returns a record of what happened."""
    base = newest_step(run_dir)
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2"))
    if kind == "ckpt_write":
        env["KDFACE_TEST_WRITE_PAUSE_MS"] = str(PAUSE_MS)
    starts_before = len(common.log_lines(run_dir, "start"))
    p = subprocess.Popen(common.train_cmd(a, cfg, run_dir, *([] if first else ["--resume"])),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    rec = {"kind": kind, "resumed_from": base}
    deadline = time.time() + 120
    tmp_glob = os.path.join(run_dir, "checkpoints", f"ckpt_*.safetensors.tmp.{p.pid}")
    if kind == "anytime":
        time.sleep(rng.uniform(0.0, 0.5))
    elif kind == "steps":
        target = base + rng.randint(1, 5)
        rec["target_step"] = target
        while p.poll() is None and time.time() < deadline:
            if len(common.log_lines(run_dir, "start")) > starts_before and \
                    any(s >= target for s in steps_since_last_start(run_dir)):
                break
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.05))
    else:
        while p.poll() is None and time.time() < deadline and not glob.glob(tmp_glob):
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, PAUSE_MS / 2000))
    if p.poll() is None:
        p.send_signal(signal.SIGKILL)
        rec["killed"] = True
    else:
        rec["killed"] = False
        rec["exit"] = p.returncode
    p.wait()
    err = p.stderr.read()
    p.stderr.close()
    torn = glob.glob(tmp_glob)
    rec["inside_checkpoint_write"] = bool(torn) and rec["killed"]
    if torn:
        rec["torn_file_bytes"] = os.path.getsize(torn[0])
    logged = steps_since_last_start(run_dir) if len(common.log_lines(run_dir, "start")) > starts_before else []
    rec["last_step_logged"] = logged[-1] if logged else None
    rec["newest_checkpoint_after"] = newest_step(run_dir)
    if not rec["killed"] and p.returncode != 0:
        rec["stderr"] = err[-1500:]
    return rec


def compare(ref_ckpt, got_ckpt):
    ta, ma = common.read_safetensors(ref_ckpt)
    tb, mb = common.read_safetensors(got_ckpt)
    differ = sorted(k for k in set(ta) | set(tb) if ta.get(k) != tb.get(k))
    return differ, ma.get("step"), mb.get("step"), len(ta)


def main():
    a = common.args(__doc__)
    rep = common.Report("kill_resume")
    seed = int(os.environ.get("KDFACE_DRILL_SEED", "16"))
    with common.scratch(a, "kill") as tmp:
        shards = common.face_shards(tmp, a)
        cfg = common.write_json(f"{tmp}/cfg.json", common.tiny_config(
            shards, max_steps=MAX_STEPS, checkpoint_every=2, keep_checkpoints=3))
        t0 = time.time()
        r = common.train(a, cfg, f"{tmp}/straight")
        ref_s = time.time() - t0
        if not rep.check("uninterrupted run", r.returncode == 0, seconds=round(ref_s, 1), stderr=r.stderr[-1500:]):
            return rep.finish()

        rng, kinds = plan(seed)
        run_dir = f"{tmp}/killed"
        records = []
        t0 = time.time()
        for i, kind in enumerate(kinds):
            rec = one_kill(a, cfg, run_dir, kind, rng, first=(i == 0))
            records.append(rec)
            print({"kill": i + 1, **rec}, flush=True)
            if not rec["killed"] and rec.get("exit") != 0:
                break
        r = common.train(a, cfg, run_dir, "--resume")
        final = common.checkpoints(run_dir)
        kills = sum(r_["killed"] for r_ in records)
        inside = sum(r_["inside_checkpoint_write"] for r_ in records)
        rep.check("20 kills", kills == KILLS and r.returncode == 0, kills=kills, inside_checkpoint_write=inside,
                  seconds=round(time.time() - t0, 1), seed=seed, final_stderr=r.stderr[-800:] if r.returncode else "")
        rep.check("at least 3 kills inside a checkpoint write", inside >= 3, inside=inside)
        differ, sa, sb, n = compare(common.checkpoints(f"{tmp}/straight")[-1], final[-1]) if final else (["?"], 0, 0, 0)
        rep.check("final checkpoint bit-identical to the uninterrupted run", not differ and sa == sb == str(MAX_STEPS),
                  tensors=n, differing=differ[:10], step=sb)
        la = [(l["step"], l["loss"]) for l in common.log_lines(f"{tmp}/straight", "step")]
        lb = [(l["step"], l["loss"]) for l in common.log_lines(run_dir, "step")]
        rep.check("every logged loss identical, each step logged once", la == lb and len(la) == MAX_STEPS,
                  steps=len(lb), first_difference=next((x[0] for x, y in zip(la, lb) if x != y), None))
        left = glob.glob(f"{run_dir}/**/*.tmp.*", recursive=True)
        rep.check("no temporary files left after the last resume", not left, left=left)
        return rep.finish()


if __name__ == "__main__":
    sys.exit(main())
