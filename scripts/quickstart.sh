#!/usr/bin/env bash
# Quickstart, end to end on the CPU: align the real faces in ../shared/data (the training pool of
# four folders, scripts/prepare_pool.sh), pack them, train a small teacher, distil it into the
# tiny student (logit + attention KD on degraded faces) and report verification accuracy on
# celeba/val_pairs.tsv. One epoch of the pool each (about 400 steps), about 20 minutes of
# training on 2 cores.
#   DATA   face data folder (default ../shared/data); RUNS  output folder (default runs)
#   BUILD_DIR  where scripts/setup.sh built (default build)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
RUNS=${RUNS:-runs}
B=${BUILD_DIR:-build}/tools
T=$(nproc)

mkdir -p "$RUNS/data"
# 1. The training pool: each folder aligned its own way, packed into RUNS/data/pool_shards.
DATA="$DATA" RUNS="$RUNS" BUILD_DIR="${BUILD_DIR:-build}" THREADS="$T" bash scripts/prepare_pool.sh
# 2. CelebA's crops for evaluation: val_pairs.tsv names its images "aligned/<file>", relative
# to celeba/, so keep that layout. The pre-warped mask bank for masked recipes.
[ -f "$RUNS/data/val112/aligned/align_report.tsv" ] ||
  "$B/kdface-data" align --preset celeba-aligned --in "$DATA/celeba/aligned" --out "$RUNS/data/val112/aligned" --threads "$T"
[ -f "$RUNS/data/masks.bank" ] ||
  "$B/kdface-data" mask-bank --masks-cfg "$DATA/masks/masks.cfg" --out "$RUNS/data/masks.bank"
# 3. Teacher, then the KD student; both evaluate on the validation pairs after each epoch.
# One epoch each: the pool is four times celeba/wild, for which the recipes' two epochs were set.
args=(--set "eval.root=$RUNS/data/val112" --set "eval.pairs=$DATA/celeba/val_pairs.tsv"
      --set "data.train=$RUNS/data/pool_shards" --set "data.threads=$T" --set "epochs=1")
[ -n "$(ls "$RUNS/quickstart_teacher/checkpoints" 2>/dev/null)" ] ||
  "$B/kdface-train" --config configs/quickstart_teacher.json --out "$RUNS/quickstart_teacher" "${args[@]}"
"$B/kdface-train" --config configs/quickstart.json --out "$RUNS/quickstart" "${args[@]}" \
  --set "teacher.checkpoint=$RUNS/quickstart_teacher" ${RESUME:+--resume}
