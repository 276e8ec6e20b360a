#!/usr/bin/env bash
# The training pool of ../shared/data/celeba (its README: wild/ + crops/ + aligned178/ +
# gray150/), each folder aligned to the 112x112 template its own way, then packed into one
# shard set (docs/data.md, "The training pool"):
#   wild/        whole scenes: dlib detection + 68 landmarks; when dlib finds nothing, the
#                profile and frontal cascades (box alignment); else skipped
#   crops/       head-and-shoulders crops: dlib landmarks; when dlib finds nothing, the set's
#                own median face box (--on-miss center), which on the faces dlib finds puts the
#                eyes closer to the template than any detector box does
#   aligned178/  CelebA's aligned crops at full resolution: the celeba-aligned preset
#   gray150/     tight grayscale crops: dlib landmarks on the grey image (replicated to RGB),
#                else the set's own median face box; the faces stay grey, replicated to RGB
# Writes RUNS/data/pool112/<folder>/ (faces, align_report.tsv, landmarks.tsv),
# RUNS/data/pool112/identities.txt (the four lists, paths prefixed by their folder) and
# RUNS/data/pool_shards/, then prints how many images of each folder were aligned and how.
# A step whose output exists is skipped: delete it to run that step again.
#   DATA  face data folder (default ../shared/data)   RUNS  output folder (default runs)
#   BUILD_DIR  where scripts/setup.sh built (default build)   THREADS  (default: all cores)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
RUNS=${RUNS:-runs}
B=${BUILD_DIR:-build}/tools
T=${THREADS:-$(nproc)}
C=$DATA/celeba
POOL=$RUNS/data/pool112
FOLDERS=(wild crops aligned178 gray150)

align() {  # folder, then its alignment options
  local f=$1
  shift
  if [ -f "$POOL/$f/align_report.tsv" ]; then
    echo "prepare_pool: $f already aligned ($POOL/$f/align_report.tsv)"
    return
  fi
  "$B/kdface-data" align --in "$C/$f" --out "$POOL/$f" --list "$C/identities_$f.txt" --threads "$T" "$@"
}
# The --center-box values are `kdface-data box-calibrate`'s median dlib box of each folder
# (docs/data.md, "The training pool").
align wild --preset wild
align crops --preset wild --cascades off --on-miss center --center-box 0.51,0.57,0.53
align aligned178 --preset celeba-aligned
align gray150 --preset wild --cascades off --on-miss center --center-box 0.48,0.58,0.83

# Identity numbers are CelebA's in every folder, so one person in two folders is one class.
list=$POOL/identities.txt
if [ ! -f "$list" ]; then
  for f in "${FOLDERS[@]}"; do
    awk -v f="$f" 'NF && $1 !~ /^#/ { print f "/" $1, $2 }' "$C/identities_$f.txt"
  done >"$list.tmp"
  mv "$list.tmp" "$list"
fi
# pack finds each folder's align_report.tsv itself and skips what align skipped.
[ -f "$RUNS/data/pool_shards/index.json" ] ||
  "$B/kdface-data" pack --in "$POOL" --list "$list" --out "$RUNS/data/pool_shards" --threads "$T"

echo
echo "training pool: aligned per folder (status and method columns of align_report.tsv)"
printf '%-11s %7s %8s %7s %8s %8s %8s %7s %8s %7s\n' folder images aligned dlib68 profile frontal celeba center skipped "in set"
for f in "${FOLDERS[@]}"; do
  awk -F'\t' -v f="$f" '
    /^#/ { next }
    { n++; st[$2]++; me[$3]++ }
    END {
      written = n - st["skipped"]
      printf "%-11s %7d %8d %7d %8d %8d %8d %7d %8d %6.1f%%\n", f, n, st["aligned"], me["dlib68"], me["profile-box"],
             me["frontal-box"], me["celeba-fixed"], st["center"], st["skipped"], n ? 100 * written / n : 0
    }' "$POOL/$f/align_report.tsv"
done
echo "(aligned = by landmarks or a detector box; center = --on-miss center crop; in set = aligned + center)"
