#!/usr/bin/env bash
# README's test command: every test of the main build, then the CUDA code on the emulated
# device (build-emu: every op case, the training-step parity, the PyTorch fixtures on CUDA,
# kdface-bench's kernel checks and the emulator's own bad-kernel tests, under two schedules,
# AddressSanitizer and UBSan), then the line coverage of the CUDA sources those runs reached.
#   BUILD_DIR      main build (default: build)
#   EMU_BUILD_DIR  emulated-device build (default: build-emu; skipped with a note if absent)
#   EMU_COVERAGE_MIN  minimum line coverage of kernels/**/*.cu and engine/cuda/*.cu (95)
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
EMU_BUILD_DIR=${EMU_BUILD_DIR:-build-emu}
status=0
junit=$(mktemp -d)
trap 'rm -rf "$junit"' EXIT

ctest --test-dir "$BUILD_DIR" --output-on-failure --output-junit "$junit/main.xml" || status=1

if [ -f "$EMU_BUILD_DIR/CTestTestfile.cmake" ]; then
  # Coverage counts this run only.
  find "$EMU_BUILD_DIR" -name '*.gcda' -delete
  # ASan: the emulator's fibers switch stacks (annotated); leak reports would only repeat the
  # caches that the engine keeps on purpose for the process's lifetime.
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:detect_stack_use_after_return=0} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    ctest --test-dir "$EMU_BUILD_DIR" --output-on-failure -j "$(nproc)" --output-junit "$junit/emu.xml" || status=1
  if find "$EMU_BUILD_DIR" -name '*.cu.gcda' | grep -q .; then
    python3 scripts/emu_coverage.py --build "$EMU_BUILD_DIR" --min "${EMU_COVERAGE_MIN:-95}" || status=1
  else
    echo "test: NOTE $EMU_BUILD_DIR was built without coverage (KDFACE_COVERAGE=ON): no coverage figure"
  fi
else
  echo "test: NOTE no emulated-device build in $EMU_BUILD_DIR (bash scripts/setup.sh makes it): CUDA code not run"
fi

# One closing line for both builds.
python3 - "$junit" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
t = f = s = 0
for x in glob.glob(sys.argv[1] + "/*.xml"):
    r = ET.parse(x).getroot()
    t += int(r.get("tests", 0)); f += int(r.get("failures", 0)) + int(r.get("errors", 0)); s += int(r.get("skipped", 0))
print(f"tests: {t - f - s} passed, {f} failed, {s} skipped")
PY
exit $status
