#!/usr/bin/env bash
# One-command set-up on a fresh Debian machine: install the packages kdface needs, configure
# and build. Re-running it is cheap (apt skips what is installed, the build is incremental).
#   BUILD_DIR   build folder (default: build)
#   KDFACE_CUDA AUTO (default) | ON | OFF
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}

PKGS=(build-essential cmake ninja-build pkg-config git
      nlohmann-json3-dev catch2 libopenblas-dev
      libturbojpeg0-dev libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev
      libdlib-dev libdlib-data chromium)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKDFACE_CUDA="${KDFACE_CUDA:-AUTO}"
cmake --build "$BUILD_DIR" -j "$(nproc)"
if ! { command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; }; then
  echo "setup: NOTE no GPU visible here: the CUDA tests (test_cuda_backend) will report as skipped"
fi
echo "setup: built in $BUILD_DIR; run the tests with: ctest --test-dir $BUILD_DIR --output-on-failure"
