#!/usr/bin/env bash
# Training speed of issue 13's recipes on this CPU (kdface-train itself: loader, teacher
# forward, step, logging), one short run per recipe on the pool's shards, no evaluation.
# Prints one JSON line per recipe: median img/s over the logged windows after the warm-up.
# Run it on an otherwise idle machine; docs/benchmarks.md records the figures.
#   BUILD_DIR (default build)   RUNS (default runs: its data/pool_shards and pool_teacher)
#   STEPS (default 120)   RECIPES (default: the pool teacher and the four pool students)
#   Extra arguments go to every kdface-train, e.g. --set data.threads=1.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BUILD_DIR:-build}/tools
RUNS=${RUNS:-runs}
STEPS=${STEPS:-120}
RECIPES=${RECIPES:-pool_teacher pool_student_basic pool_student_logit pool_student_attention pool_student_full}
[ -f "$RUNS/data/pool_shards/index.json" ] || { echo "bench-train-recipes: no $RUNS/data/pool_shards (bash scripts/prepare_pool.sh)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for r in $RECIPES; do
  teacher=()
  grep -q '"teacher"' "configs/$r.json" && teacher=(--set "teacher.checkpoint=$RUNS/pool_teacher")
  "$B/kdface-train" --config "configs/$r.json" --out "$tmp/$r" --quiet --set "data.train=$RUNS/data/pool_shards" \
    --set 'eval.pairs=""' --set "max_steps=$STEPS" --set optim.warmup=10 --set log_every=10 --set "checkpoint_every=$STEPS" \
    "${teacher[@]}" "$@" > "$tmp/$r.out" 2>&1 || { cat "$tmp/$r.out" >&2; exit 1; }
  python3 - "$r" "$tmp/$r/log.jsonl" <<'PY'
import json, statistics, sys
name, log = sys.argv[1], sys.argv[2]
lines = [json.loads(l) for l in open(log)]
steps = [l for l in lines if l.get("event") == "step"]
cfg = json.load(open(log.replace("log.jsonl", "config.json")))
rates = [s["img_s"] for s in steps[2:]]  # the first windows hold start-up and the first batches
print(json.dumps({"recipe": name, "steps": steps[-1]["step"], "batch": cfg["data"]["batch"],
                  "img_s_median": round(statistics.median(rates), 1), "img_s_min": round(min(rates), 1),
                  "img_s_max": round(max(rates), 1)}))
PY
done
