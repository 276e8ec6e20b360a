#!/usr/bin/env bash
# Runs on the GPU machine: configure with CUDA required, build, run every test. OpenBLAS is
# not there, so CPU GEMM falls back to our blocked kernel. Output goes to $OUT when set.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BUILD_DIR:-build-gpu}
cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKDFACE_CUDA=ON -DKDFACE_BLAS=AUTO
cmake --build "$B" -j "$(nproc)"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
ctest --test-dir "$B" --output-on-failure -j 4 2>&1 | tee "${OUT:-/tmp}/ctest.log"
