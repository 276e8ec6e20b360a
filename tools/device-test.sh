#!/usr/bin/env bash
# Runs on the GPU machine: configure with CUDA required, build, run every test. OpenBLAS is
# not there, so CPU GEMM falls back to our blocked kernel. Logs go to $OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/device-env.sh
B=${BUILD_DIR:-build-gpu}
cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKDFACE_CUDA=ON -DKDFACE_CUDNN=${KDFACE_CUDNN:-ON} -DKDFACE_BLAS=AUTO -DCMAKE_CUDA_ARCHITECTURES=90 \
  > "$OUT/configure.log" 2>&1 || { tail -50 "$OUT/configure.log"; exit 1; }
cmake --build "$B" -j "$(nproc)" > "$OUT/build.log" 2>&1 || { grep -E "error" "$OUT/build.log" | head -50; exit 1; }
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
echo "commit: ${KDFACE_COMMIT:-unknown}"
ctest --test-dir "$B" --output-on-failure -j 4 ${CTEST_ARGS:-} 2>&1 | tee "$OUT/ctest.log" | tail -40
