#!/usr/bin/env bash
# On the GPU machine, in one call: the PyTorch peer (../shared/bench/torch_reference.py) and
# kdface-bench on the same device, then the ratio table (tools/bench_table.py). Timings are
# only compared within this one run. Usage (after tools/device-bundle.sh here):
#   tools/bench-vs-torch.sh [--quick] [--compile] [--skip-torch] [--cases kernels,train,kd,tiny]
# Writes $OUT/torch.jsonl, $OUT/kdface.jsonl and $OUT/table.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/device-env.sh
QUICK=0; COMPILE=0; SKIP_TORCH=0; CASES=kernels,train,kd,tiny
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --compile) COMPILE=1 ;;
    --skip-torch) SKIP_TORCH=1 ;;
    --cases) CASES="$2"; shift ;;
    *) echo "bench-vs-torch: unknown option $1"; exit 2 ;;
  esac
  shift
done
has() { [[ ",$CASES," == *",$1,"* ]]; }
B=${BUILD_DIR:-build-gpu}
cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKDFACE_CUDA=ON -DKDFACE_CUDNN=ON -DCMAKE_CUDA_ARCHITECTURES=90 > "$OUT/configure.log" 2>&1 || { tail -40 "$OUT/configure.log"; exit 1; }
cmake --build "$B" -j "$(nproc)" --target kdface-bench > "$OUT/build.log" 2>&1 || { grep error "$OUT/build.log" | head -40; exit 1; }
KB="$B/tools/kdface-bench"
IT=(--warmup 5 --iters 20); [ $QUICK = 1 ] && IT=(--warmup 2 --iters 5)
TQ=(); [ $QUICK = 1 ] && TQ=(--quick)

if [ $SKIP_TORCH = 0 ]; then
  TC=env; has kernels && TC+=,kernels; has train && TC+=,student,teacher; has kd && TC+=,kd; has tiny && TC+=,tiny
  python3 ../shared/bench/torch_reference.py "${TQ[@]}" --cases "$TC" | tee "$OUT/torch.jsonl"
  if [ $COMPILE = 1 ] && has kd; then
    python3 ../shared/bench/torch_reference.py "${TQ[@]}" --compile --cases kd | tee -a "$OUT/torch.jsonl"
  fi
fi

: > "$OUT/kdface.jsonl"
run() { echo "+ kdface-bench $*" >&2; "$KB" "$@" "${IT[@]}" | tee -a "$OUT/kdface.jsonl" || echo "(failed: $*)" >&2; }
for P in fp32 tf32 bf16; do
  has kernels && run --kernels --precision $P
  if has train; then run --train-step r18x --precision $P; run --train-step r100x --precision $P; fi
  if has kd; then run --train-step r100x:r100x --precision $P; run --train-step r100x:r18x --precision $P; fi
done
# The same KD step with every convolution through cuDNN: how much of the gap is our kernels.
if has kd; then KDFACE_CONV=cudnn run --train-step r100x:r100x --precision tf32; fi
if has tiny; then
  for S in 112 32; do for N in 256 1024; do run --embed tiny --size $S --batch $N; done; done
fi
python3 tools/bench_table.py "$OUT/torch.jsonl" "$OUT/kdface.jsonl" | tee "$OUT/table.md"
