#!/usr/bin/env python3
"""Corrupt-data drill (issue 16): a shard record whose bytes no longer match their crc32, and a
record holding a truncated JPEG (valid crc: it was truncated before packing), in the middle of
a shard set. docs/training.md ("Unreadable records") is the policy checked here:

  data.on_corrupt "stop" (default): the run stops with an error naming the shard file, the
      record index and its source path; no hang, no crash;
  data.on_corrupt "skip": the record is replaced by the next readable one, logged once as a
      "corrupt" event naming it, and the run goes on, reproducibly (a stopped and resumed run
      ends with the same weights); more than data.max_corrupt distinct bad records stop it.

  python3 scripts/drills/corrupt_data.py --build build       (ctest: py_drill_corrupt_data)
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

SHARD = "shard-00001.kdshard"
BAD_CRC, TRUNCATED = 5, 9  # record indices within SHARD


def damaged_copy(src, dst, crc=False, truncate=False):
    """dst: src's shard set with SHARD's record BAD_CRC flipped after packing and/or record
    TRUNCATED cut to half its JPEG before packing."""
    shutil.copytree(src, dst)
    recs = common.read_shard(f"{src}/{SHARD}")
    out, stored = [], {}
    for i, (data, label, path) in enumerate(recs):
        if crc and i == BAD_CRC:
            import zlib
            stored[i] = zlib.crc32(data)
            data = data[:len(data) // 2] + bytes([data[len(data) // 2] ^ 0x55]) + data[len(data) // 2 + 1:]
        if truncate and i == TRUNCATED:
            data = data[:len(data) // 2]
        out.append((data, label, path))
    common.write_shard(f"{dst}/{SHARD}", out, crc_of=lambda i, d: stored.get(i))
    return dst


def attempt(a, cfg, out, *extra):
    try:
        r = common.train(a, cfg, out, *extra, timeout=180)
        return r.returncode, r.stderr
    except subprocess.TimeoutExpired:
        return "hung", ""


def error_line(err):
    return next((l for l in err.splitlines() if "error" in l), "")


def main():
    a = common.args(__doc__)
    rep = common.Report("corrupt_data")
    with common.scratch(a, "corrupt") as tmp:
        clean = common.face_shards(tmp, a, count=48, shard_size=16)
        sets = {"crc": damaged_copy(clean, f"{tmp}/crc", crc=True),
                "truncated": damaged_copy(clean, f"{tmp}/truncated", truncate=True),
                "both": damaged_copy(clean, f"{tmp}/both", crc=True, truncate=True)}
        cfg = lambda name, **o: common.write_json(f"{tmp}/{name}.json", common.tiny_config(  # noqa: E731
            sets[name], max_steps=30, checkpoint_every=10, **o))

        for name, rec, why in [("crc", BAD_CRC, "crc32 mismatch"), ("truncated", TRUNCATED, "JPEG")]:
            rc, err = attempt(a, cfg(name), f"{tmp}/stop_{name}")
            line = error_line(err)
            steps = [l["step"] for l in common.log_lines(f"{tmp}/stop_{name}", "step")]
            rep.check(f"{name}: on_corrupt stop names the shard file and the record", rc == 1 and
                      f"{SHARD}' record {rec} (" in line and why in line and steps, exit=rc,
                      steps_before_error=steps[-1] if steps else 0, error=line)

        rc, err = attempt(a, cfg("truncated", **{"data.on_corrupt": "skip"}), f"{tmp}/skip")
        events = common.log_lines(f"{tmp}/skip", "corrupt")
        steps = common.log_lines(f"{tmp}/skip", "step")
        rep.check("truncated: on_corrupt skip logs the record once and trains to the end",
                  rc == 0 and len(events) == 1 and f"{SHARD}' record {TRUNCATED} (" in events[0]["record"] and
                  steps and steps[-1]["step"] == 30 and "skipping" in err,
                  exit=rc, events=events, epochs=steps[-1]["epoch"] + 1 if steps else 0)

        c = cfg("both", **{"data.on_corrupt": "skip"})
        rc, _ = attempt(a, c, f"{tmp}/straight")
        rc2, _ = attempt(a, c, f"{tmp}/split", "--stop-after", "13")
        rc3, err3 = attempt(a, c, f"{tmp}/split", "--resume")
        fa, fb = common.checkpoints(f"{tmp}/straight"), common.checkpoints(f"{tmp}/split")
        same = fa and fb and common.read_safetensors(fa[-1])[0] == common.read_safetensors(fb[-1])[0]
        rep.check("skip is reproducible: stopped at 13 and resumed ends bit-identical", (rc, rc2, rc3) == (0, 0, 0)
                  and same, exits=[rc, rc2, rc3], corrupt_events=len(common.log_lines(f"{tmp}/straight", "corrupt")))

        rc, err = attempt(a, cfg("both", **{"data.on_corrupt": "skip", "data.max_corrupt": 1}), f"{tmp}/max")
        line = error_line(err)
        rep.check("more than data.max_corrupt bad records stop the run", rc == 1 and "data.max_corrupt = 1" in line
                  and SHARD in line, exit=rc, error=line)
        return rep.finish()


if __name__ == "__main__":
    sys.exit(main())
