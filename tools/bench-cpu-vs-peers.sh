#!/usr/bin/env bash
# The CPU race (issue 14): kdface against PyTorch eager, torch.compile, ONNX Runtime and
# OpenCV DNN, one run, one machine, the same thread count for all. Needs the main build
# (kdface-bench, kdface-import, kdface-export, bench-opencv-dnn) and torch, onnxruntime,
# safetensors and numpy from pip (scripts/setup.sh). Run it on an otherwise idle machine and
# record the table with machine, commit and date in docs/benchmarks.md.
#   BUILD_DIR (default build)   THREADS (default: every core)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BUILD_DIR:-build}
for t in kdface-bench kdface-import kdface-export bench-opencv-dnn; do
  [ -x "$B/tools/$t" ] || { echo "bench-cpu-vs-peers: $B/tools/$t is missing (bash scripts/setup.sh builds it)" >&2; exit 1; }
done
exec python3 tools/bench_cpu_peers.py --build "$B" --threads "${THREADS:-$(nproc)}" "$@"
