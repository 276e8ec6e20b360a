#!/usr/bin/env bash
# One-command set-up on a fresh Debian machine: install the packages kdface needs, configure
# and build (the main build, the emulated-device build and the sanitized CPU build).
# Re-running it is cheap (apt skips what is installed, the builds are incremental).
#   BUILD_DIR   build folder (default: build)
#   KDFACE_CUDA AUTO (default) | ON | OFF   (the main build)
#   EMU_BUILD_DIR  emulated-device build folder (default: build-emu); KDFACE_EMU=OFF skips it
#   SAN_BUILD_DIR  sanitized CPU build folder (default: build-san); KDFACE_SAN=OFF skips it
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
EMU_BUILD_DIR=${EMU_BUILD_DIR:-build-emu}
SAN_BUILD_DIR=${SAN_BUILD_DIR:-build-san}

PKGS=(build-essential cmake ninja-build pkg-config git
      nlohmann-json3-dev catch2 libopenblas-dev
      libturbojpeg0-dev libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev
      libopencv-objdetect-dev opencv-data libdlib-dev libdlib-data chromium
      libonnx-dev libprotobuf-dev libopencv-dnn-dev
      openmpi-bin libopenmpi-dev
      clang-14 libclang-rt-14-dev libomp-14-dev)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The peers that checks run kdface's models in (never linked into the product): PyTorch,
# ONNX and ONNX Runtime, from pip. A check whose package is missing skips loudly, naming it.
py_missing=()
for m in torch:torch safetensors:safetensors numpy:numpy PIL:pillow onnx:onnx onnxruntime:onnxruntime; do
  python3 -c "import ${m%%:*}" 2>/dev/null || py_missing+=("${m##*:}")
done
if [ ${#py_missing[@]} -gt 0 ]; then
  echo "setup: pip installing ${py_missing[*]}"
  python3 -m pip install -q "${py_missing[@]}" || echo "setup: WARNING pip could not install ${py_missing[*]}; the checks that need them will be skipped"
fi

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKDFACE_CUDA="${KDFACE_CUDA:-AUTO}"
cmake --build "$BUILD_DIR" -j "$(nproc)"

# The emulated CUDA device (docs/testing.md): every .cu file compiled as host C++, with
# AddressSanitizer, UBSan and gcov, and only the targets that run CUDA code. No GPU needed.
if [ "${KDFACE_EMU:-ON}" != "OFF" ]; then
  cmake -S . -B "$EMU_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKDFACE_CUDA=EMU \
        -DKDFACE_SANITIZE=ON -DKDFACE_COVERAGE=ON
  cmake --build "$EMU_BUILD_DIR" -j "$(nproc)" --target \
        test_emulator test_cuda_backend test_cuda_runtime test_fixtures kdface-bench
fi
# The sanitized CPU build (docs/testing.md): clang 14 with AddressSanitizer and UBSan, CUDA
# out, every target, so every CPU test and tool runs instrumented; clang so that the fuzz
# harnesses can be built in this tree too and their corpora replayed by its ctest. clang-14 alone lacks both
# runtimes: the sanitizers' (libclang-rt-14-dev, only recommended) and OpenMP's
# (libomp-14-dev). -O1 and line tables only: less compile time than RelWithDebInfo's
# -O2 -g, and the reports still name file:line.
if [ "${KDFACE_SAN:-ON}" != "OFF" ]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$SAN_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG" -DKDFACE_CUDA=OFF -DKDFACE_SANITIZE=ON \
        -DKDFACE_FUZZ=ON
  cmake --build "$SAN_BUILD_DIR" -j "$(nproc)"
fi
if ! { command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; }; then
  echo "setup: NOTE no GPU here: $BUILD_DIR's CUDA tests will report as skipped; $EMU_BUILD_DIR runs them on the emulated device"
fi
echo "setup: built $BUILD_DIR, $EMU_BUILD_DIR and $SAN_BUILD_DIR; run the tests with: bash scripts/test.sh"
