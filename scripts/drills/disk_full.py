#!/usr/bin/env python3
"""Disk-full drill (issue 16): the run folder lives on a small tmpfs that fills up during a
checkpoint write. The trainer must stop with an error that says so and names the file, leave
the previous checkpoint complete and loadable, and leave nothing half-written that
latest_checkpoint() could take for a checkpoint; after space is freed, --resume continues from
the previous checkpoint.

Mounting needs root (CI runs as root); where mount is refused, RLIMIT_FSIZE stands in for the
full disk (write() then fails with EFBIG part-way, as the C++ test of write_file_atomic does).

  python3 scripts/drills/disk_full.py --build build          (ctest: py_drill_disk_full)
"""
import glob
import os
import re
import resource
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def mount_tmpfs(path, mb):
    os.makedirs(path, exist_ok=True)
    if os.geteuid() != 0 or os.environ.get("KDFACE_DRILL_NO_MOUNT"):  # the latter tries the fallback
        return False
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={mb}m", "tmpfs", path], capture_output=True, text=True)
    return r.returncode == 0


def fill(path, leave):
    """Writes a filler file until `leave` bytes remain free on path's file system."""
    st = os.statvfs(path)
    free = st.f_bavail * st.f_frsize
    with open(os.path.join(path, "filler"), "wb") as f:
        f.write(b"\0" * max(0, free - leave))
    return os.statvfs(path).f_bavail * st.f_frsize


def main():
    a = common.args(__doc__)
    rep = common.Report("disk_full")
    with common.scratch(a, "diskfull") as tmp:
        mnt = f"{tmp}/mnt"
        mounted = False
        try:
            shards = common.face_shards(tmp, a, count=32)
            cfg = common.write_json(f"{tmp}/cfg.json", common.tiny_config(
                shards, max_steps=40, checkpoint_every=2, keep_checkpoints=100))
            mounted = mount_tmpfs(mnt, 32)
            run_dir = f"{mnt}/run"
            r = common.train(a, cfg, run_dir, "--stop-after", "2")
            if not rep.check("first checkpoint written", r.returncode == 0, stderr=r.stderr[-800:]):
                return rep.finish()
            ck_bytes = os.path.getsize(common.checkpoints(run_dir)[-1])
            if mounted:
                # Room for one more checkpoint and half of the next.
                mode, free = "tmpfs 32 MiB", fill(mnt, int(1.5 * ck_bytes))
                r = common.train(a, cfg, run_dir, "--resume")
            else:
                mode, free = "RLIMIT_FSIZE", None
                limit = ck_bytes // 2

                def limit_size():
                    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() fails with EFBIG instead
                    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
                r = common.train(a, cfg, run_dir, "--resume", preexec_fn=limit_size)
            err = r.stderr
            reason = "No space left on device" if mounted else "File too large"
            named = re.search(r"'[^']*(ckpt_\d+\.safetensors\.tmp\.\d+|log\.jsonl[^']*)'|log\.jsonl", err)
            rep.check("stops with an error naming the cause and the file", r.returncode == 1 and reason in err and named,
                      mode=mode, checkpoint_bytes=ck_bytes, free_bytes_before=free, exit=r.returncode,
                      error=[l for l in err.splitlines() if "error" in l][-1:])

            files = sorted(os.listdir(f"{run_dir}/checkpoints"))
            torn = [f for f in files if not f.endswith(".safetensors")]
            complete, broken = [], []
            for p in common.checkpoints(run_dir):
                try:
                    common.read_safetensors(p)
                    complete.append(os.path.basename(p))
                except ValueError as e:
                    broken.append(str(e))
            rep.check("nothing half-written in checkpoints/", not torn and not broken and complete,
                      files=files, torn=torn, broken=broken)

            if mounted:
                os.remove(f"{mnt}/filler")
            newest = int(complete[-1][5:14]) if complete else 0
            r = common.train(a, cfg, run_dir, "--resume", "--stop-after", str(newest + 2))
            rep.check("space freed: --resume continues from the previous checkpoint",
                      r.returncode == 0 and f"ckpt_{newest:09d}" in r.stderr and "ignoring" not in r.stderr,
                      resumed_from=[l for l in r.stderr.splitlines() if "resumed" in l], stderr=r.stderr[-800:])
            left = glob.glob(f"{run_dir}/**/*.tmp.*", recursive=True)
            rep.check("no temporary files left", not left, left=left)
            return rep.finish()
        finally:
            if mounted:
                subprocess.run(["umount", mnt])


if __name__ == "__main__":
    sys.exit(main())
