#!/usr/bin/env bash
# Data-parallel scaling on this machine's CPUs (docs/distributed.md): the same recipe, the same
# global batch, on 1 process and on RANKS processes under mpirun; img/s from kdface-train's own
# log, averaged over the steps after WARM. Prints one JSON line per run. Run it on an idle machine.
#   RECIPES (default: pool_student_basic pool_teacher)   RANKS (2)   STEPS (60)   WARM (20)
#   DATA  shard set (default runs/data/pool_shards)       BUILD_DIR (build)   EXTRA  more --set options
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BUILD_DIR:-build}/tools
DATA=${DATA:-runs/data/pool_shards}
RANKS=${RANKS:-2}
STEPS=${STEPS:-60}
WARM=${WARM:-20}
[ -f "$DATA/index.json" ] || { echo "bench-dist-cpu: no shard set at $DATA (scripts/prepare_pool.sh)" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for recipe in ${RECIPES:-pool_student_basic pool_teacher}; do
  for np in 1 "$RANKS"; do
    sets=(--set "data.train=$DATA" --set "max_steps=$STEPS" --set 'eval.pairs=""' --set log_every=10
          --set checkpoint_every=100000 --set optim.warmup=5 --set student.head.m_warmup=5 ${EXTRA:-})
    cmd=("$B/kdface-train" --config "configs/$recipe.json" --out "$tmp/$recipe-$np" --quiet "${sets[@]}")
    if [ "$np" -gt 1 ]; then cmd=(mpirun -np "$np" "${cmd[@]}"); fi
    "${cmd[@]}" > /dev/null
    python3 - "$tmp/$recipe-$np/log.jsonl" "$recipe" "$np" "$WARM" <<'PY'
import json, sys
path, recipe, np_, warm = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
steps = [json.loads(l) for l in open(path) if '"event":"step"' in l]
rates = [s["img_s"] for s in steps if s["step"] > warm]
print(json.dumps({"bench": "dist_cpu", "recipe": recipe, "ranks": np_, "img_s": sum(rates) / len(rates),
                  "windows": len(rates), "last_loss": steps[-1]["loss"]["total"]}))
PY
  done
done
