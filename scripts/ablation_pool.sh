#!/usr/bin/env bash
# Issue 13's recipes on the training pool, end to end and resumable: the teacher
# (configs/pool_teacher.json), the seed-000 ablation (configs/pool_student_{basic,logit,
# attention,full}.json) distilled from it, then kdface-eval of all of them on the 6,000
# validation pairs at x1/x2/x4/x8 under both degradation protocols (askd scoring).
# A killed run continues where its last checkpoint left it: run the script again.
#   DATA  face data (default ../shared/data)   RUNS  output folder (default runs)
#   BUILD_DIR  (default build)   ONLY  space-separated subset of: teacher basic logit attention full eval
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
RUNS=${RUNS:-runs}
B=${BUILD_DIR:-build}/tools
ONLY=${ONLY:-teacher basic logit attention full eval}

[ -f "$RUNS/data/pool_shards/index.json" ] || DATA=$DATA RUNS=$RUNS BUILD_DIR=${BUILD_DIR:-build} bash scripts/prepare_pool.sh
[ -f "$RUNS/data/val112/aligned/landmarks.tsv" ] ||
  "$B/kdface-data" align --preset celeba-aligned --in "$DATA/celeba/aligned" --out "$RUNS/data/val112/aligned"

common=(--set "data.train=$RUNS/data/pool_shards" --set "eval.root=$RUNS/data/val112"
        --set "eval.pairs=$DATA/celeba/val_pairs.tsv")
train() {  # config name, run folder; resumes when the folder already holds a run
  local cfg=$1 out=$RUNS/$1
  shift
  if [ -f "$out/log.jsonl" ] && grep -q '"event":"end"' "$out/log.jsonl"; then
    echo "ablation_pool: $cfg already finished ($out)"
    return
  fi
  local resume=()
  [ -f "$out/config.json" ] && resume=(--resume)
  "$B/kdface-train" --config "configs/$cfg.json" --out "$out" "${common[@]}" "$@" "${resume[@]}"
}
has() { [[ " $ONLY " == *" $1 "* ]]; }

has teacher && train pool_teacher
for s in basic logit attention full; do
  if has "$s"; then
    if [ "$s" = basic ]; then train "pool_student_$s"; else train "pool_student_$s" --set "teacher.checkpoint=$RUNS/pool_teacher"; fi
  fi
done
if has eval; then
  for proto in paper askd; do
    "$B/kdface-eval" --model "$RUNS/pool_teacher" --name "teacher" \
      --model "$RUNS/pool_student_basic" --name "BasicNet" --model "$RUNS/pool_student_logit" --name "+logit KD" \
      --model "$RUNS/pool_student_attention" --name "+attention KD" --model "$RUNS/pool_student_full" --name "+logit +attention KD" \
      --pairs "$DATA/celeba/val_pairs.tsv" --root "$RUNS/data/val112" --scales 1,2,4,8 --degrade "$proto" \
      --scoring askd --out "$RUNS/pool_eval_$proto"
  done
fi
