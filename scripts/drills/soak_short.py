#!/usr/bin/env python3
"""The soak in one minute (issue 16, item 4; the 30-minute one is scripts/soak.py on the pool):
the tiny student on 48 real faces, so an epoch is 6 steps and the loader's workers are stopped
and started again about every second, with a checkpoint every 10 steps. RSS must grow by
less than 5 % after a 15-s warm-up, threads and descriptors must not grow.

  python3 scripts/drills/soak_short.py --build build         (ctest: py_drill_soak_short)
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def main():
    a = common.args(__doc__)
    with common.scratch(a, "soak_short") as tmp:
        shards = common.face_shards(tmp, a)
        cfg = common.write_json(f"{tmp}/cfg.json", common.tiny_config(shards, max_steps=0, epochs=100000))
        r = subprocess.run([sys.executable, os.path.join(common.ROOT, "scripts", "soak.py"), "--build", a.build,
                            "--config", cfg, "--data", shards, "--minutes", "1", "--interval", "3",
                            "--warmup", "15", "--out", f"{tmp}/soak", "--set", "checkpoint_every=10"],
                           capture_output=True, text=True)
        print(r.stdout[-3000:], r.stderr[-2000:])
        return r.returncode


if __name__ == "__main__":
    sys.exit(main())
