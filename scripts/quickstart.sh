#!/usr/bin/env bash
# Quickstart, end to end on the CPU: align the real faces in ../shared/data, pack them, train a
# small teacher, distil it into the tiny student (logit + attention KD on degraded faces) and
# report verification accuracy on celeba/val_pairs.tsv. About 10 minutes of training on 2 cores.
#   DATA   face data folder (default ../shared/data); RUNS  output folder (default runs)
#   BUILD_DIR  where scripts/setup.sh built (default build)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
RUNS=${RUNS:-runs}
B=${BUILD_DIR:-build}/tools
T=$(nproc)

mkdir -p "$RUNS/data"
# 1. Detect, landmark and align the training photographs; align CelebA's crops for evaluation.
[ -f "$RUNS/data/wild112/landmarks.tsv" ] ||
  "$B/kdface-data" align --in "$DATA/celeba/wild" --out "$RUNS/data/wild112" --threads "$T"
# val_pairs.tsv names its images "aligned/<file>", relative to celeba/: keep that layout.
[ -f "$RUNS/data/val112/aligned/landmarks.tsv" ] ||
  "$B/kdface-data" align --preset celeba-aligned --in "$DATA/celeba/aligned" --out "$RUNS/data/val112/aligned" --threads "$T"
# 2. Pack the training identities into shards; the pre-warped mask bank for masked recipes.
[ -f "$RUNS/data/wild_shards/index.json" ] ||
  "$B/kdface-data" pack --in "$RUNS/data/wild112" --list "$DATA/celeba/identities_wild.txt" --out "$RUNS/data/wild_shards"
[ -f "$RUNS/data/masks.bank" ] ||
  "$B/kdface-data" mask-bank --masks-cfg "$DATA/masks/masks.cfg" --out "$RUNS/data/masks.bank"
# 3. Teacher, then the KD student; both evaluate on the validation pairs after each epoch.
args=(--set "eval.root=$RUNS/data/val112" --set "eval.pairs=$DATA/celeba/val_pairs.tsv"
      --set "data.train=$RUNS/data/wild_shards" --set "data.threads=$T")
[ -n "$(ls "$RUNS/quickstart_teacher/checkpoints" 2>/dev/null)" ] ||
  "$B/kdface-train" --config configs/quickstart_teacher.json --out "$RUNS/quickstart_teacher" "${args[@]}"
"$B/kdface-train" --config configs/quickstart.json --out "$RUNS/quickstart" "${args[@]}" \
  --set "teacher.checkpoint=$RUNS/quickstart_teacher" ${RESUME:+--resume}
