#!/usr/bin/env python3
"""NaN drill (issue 16): a learning rate far too large makes the tiny student diverge. The run
must stop before the update that would use the non-finite loss (or, when an update overflows
the weights while the loss is still finite, before the checkpoint that would hold them), with
an error naming the step, the term and the last good checkpoint, and a "nan" event in
log.jsonl; no checkpoint holding NaN or infinity may exist, and the one named must be the
newest and complete.

  python3 scripts/drills/nan_loss.py --build build           (ctest: py_drill_nan_loss)
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

# (label, learning rate, checkpoint_every, which check must stop it). At lr 1e6 an update
# overflows BatchNorm's running variance while the loss is still finite (training-mode BN does
# not read it), so only the weights check before a checkpoint stops the run: without it,
# ckpt_000000003 held infinities and the loss never went NaN. At lr 1e8 the loss goes NaN at
# step 3 (its weights overflow at step 2 too, so checkpoints come every 4 steps), at 1e20 at
# once.
CASES = [("lr 1e8, checkpoint every 4", 1e8, 4, "loss"),
         ("lr 1e6, checkpoint every step", 1e6, 1, "parameters"),
         ("lr 1e20, checkpoint every step", 1e20, 1, "loss")]


def main():
    a = common.args(__doc__)
    rep = common.Report("nan_loss")
    with common.scratch(a, "nan") as tmp:
        shards = common.face_shards(tmp, a, count=32)
        for label, lr, every, stopper in CASES:
            cfg = common.write_json(f"{tmp}/cfg.json", common.tiny_config(
                shards, max_steps=60, checkpoint_every=every, keep_checkpoints=1000,
                **{"optim.lr": lr, "optim.schedule": "constant", "optim.warmup": 0}))
            run_dir = f"{tmp}/run_{lr:g}_{every}"
            try:
                r = common.train(a, cfg, run_dir, timeout=180)
                rc, err = r.returncode, r.stderr
            except subprocess.TimeoutExpired:
                rc, err = "hung", ""
            line = next((l for l in err.splitlines() if "error" in l), "")
            events = common.log_lines(run_dir, "nan")
            named = re.search(r"last good checkpoint is (\S+?);", line)
            ckpts = common.checkpoints(run_dir)
            bad = {}
            for p in ckpts:
                try:
                    t, _ = common.read_safetensors(p)
                    if common.non_finite(t):
                        bad[os.path.basename(p)] = common.non_finite(t)[:3]
                except ValueError as e:
                    bad[os.path.basename(p)] = str(e)
            step = events[0]["step"] if events else None
            named_ok = (named is not None and ckpts and named.group(1) == ckpts[-1]) or \
                (not ckpts and "(none written yet)" in line)
            term = events[0]["term"] if events else None
            ok = (rc == 1 and len(events) == 1 and f"step {step}" in line and named_ok and not bad and
                  (term == "parameters") == (stopper == "parameters") and
                  (stopper == "parameters" or f'loss term "{term}"' in line))
            rep.check(f"{label}: stops, names step, term and last good checkpoint; no non-finite checkpoint", ok,
                      exit=rc, nan_event=events, checkpoints=len(ckpts), non_finite_checkpoints=bad, error=line)
        return rep.finish()


if __name__ == "__main__":
    sys.exit(main())
