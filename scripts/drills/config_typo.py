#!/usr/bin/env python3
"""Config-typo drill (issue 16): a misspelt key, in the config file or in --set, stops
kdface-train before anything is written, with an error naming the key by its dotted path and
the closest valid key ("did you mean"), a swapped pair of letters included.

  python3 scripts/drills/config_typo.py --build build        (ctest: py_drill_config_typo)
Needs no data: the config is rejected before the shard set is opened.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

# (how the typo is made, key written, suggestion expected)
CASES = [
    ("file", "optim.lrr", "optim.lr"),
    ("file", "data.bacth", "data.batch"),          # transposition
    ("file", "student.head.m_warmpu", "student.head.m_warmup"),
    ("file", "chekpoint_every", "checkpoint_every"),
    ("set", "optim.momentun", "optim.momentum"),
    ("set", "data.theads", "data.threads"),
    ("set", "eval.max_pair", "eval.max_pairs"),
]


def main():
    a = common.args(__doc__)
    rep = common.Report("config_typo")
    with common.scratch(a, "typo") as tmp:
        for how, key, hint in CASES:
            cfg = common.tiny_config(f"{tmp}/no_shards_needed")
            extra = []
            if how == "file":
                cfg = common.tiny_config(f"{tmp}/no_shards_needed", **{key: 1})
            else:
                extra = ["--set", f"{key}=1"]
            path = common.write_json(f"{tmp}/cfg.json", cfg)
            out = f"{tmp}/run"
            r = common.train(a, path, out, *extra, timeout=60)
            line = next((l for l in r.stderr.splitlines() if "error" in l), "")
            rep.check(f"{how}: {key}", r.returncode == 1 and f"config key '{key}' is not known" in line and
                      f"did you mean '{hint}'?" in line and not os.path.exists(out), error=line)
        return rep.finish()


if __name__ == "__main__":
    sys.exit(main())
