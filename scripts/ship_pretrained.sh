#!/usr/bin/env bash
# Ships issue 13's models into pretrained/: the pool teacher, BasicNet and the +logit
# +attention KD student from scripts/ablation_pool.sh's runs, each cut down by kdface-release
# with its manifest, then scored by kdface-eval on the 6,000 validation pairs (both
# degradation protocols, both scorings, x1/x2/x4/x8) and the reports attached, so every
# manifest carries figures measured on its own file. The same reports score the +logit and
# +attention students (from their run folders) when those runs have finished, so they are
# also the whole ablation's table.
#   RUNS  the ablation's output folder (default runs)   DATA  face data (default ../shared/data)
#   COMMIT  the commit that trained the runs (default: HEAD)   BUILD_DIR  (default build)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-runs}
DATA=${DATA:-../shared/data}
B=${BUILD_DIR:-build}/tools
COMMIT=${COMMIT:-$(git rev-parse HEAD)}
OUT=pretrained

prep="bash scripts/prepare_pool.sh"
ship() {  # run, file stem, extra flags
  local run=$1 stem=$2
  shift 2
  "$B/kdface-release" --model "$RUNS/$run" --out "$OUT/$stem.safetensors" --commit "$COMMIT" \
    --command "$prep" --command "ONLY='$(only_for "$run")' bash scripts/ablation_pool.sh" "$@"
}
only_for() {  # what ablation_pool.sh must run to reproduce a run (a student needs its teacher)
  case $1 in
    pool_teacher) echo teacher ;;
    pool_student_basic) echo basic ;;
    *) echo "teacher ${1#pool_student_}" ;;
  esac
}

finished() { [ -f "$RUNS/$1/log.jsonl" ] && grep -q '"event":"end"' "$RUNS/$1/log.jsonl"; }
others=()
finished pool_student_logit && others+=(--model "$RUNS/pool_student_logit" --name "+logit KD")
finished pool_student_attention && others+=(--model "$RUNS/pool_student_attention" --name "+attention KD")

ship pool_teacher pool_teacher
ship pool_student_basic pool_student_basic --backbone-only
ship pool_student_full pool_student_full --backbone-only

for proto in paper askd; do
  "$B/kdface-eval" --model "$OUT/pool_teacher.safetensors" --name teacher \
    --model "$OUT/pool_student_basic.safetensors" --name BasicNet \
    "${others[@]}" \
    --model "$OUT/pool_student_full.safetensors" --name "+logit +attention KD" \
    --pairs "$DATA/celeba/val_pairs.tsv" --root "$RUNS/data/val112" --scales 1,2,4,8 --degrade "$proto" \
    --scoring askd,insightface --quiet --out "$RUNS/pretrained_eval_$proto"
  for m in pool_teacher pool_student_basic pool_student_full; do
    "$B/kdface-release" --attach "$RUNS/pretrained_eval_$proto/report.json" --manifest "$OUT/$m.json"
  done
done
"$B/kdface-release" --check "$OUT"/*.json
