#!/usr/bin/env bash
# README's test command: every test of the main build, then the CUDA code on the emulated
# device (build-emu: every op case, the training-step parity, the PyTorch fixtures on CUDA,
# kdface-bench's kernel checks and the emulator's own bad-kernel tests, under two schedules,
# AddressSanitizer and UBSan), then the line coverage of the CUDA sources those runs reached,
# then every CPU test again in the clang AddressSanitizer + UBSan build (build-san; with the
# fuzz harnesses' corpus replays and FUZZ_SECONDS (30) of fresh fuzzing per harness).
#   BUILD_DIR      main build (default: build)
#   EMU_BUILD_DIR  emulated-device build (default: build-emu; skipped with a note if absent)
#   EMU_COVERAGE_MIN  minimum line coverage of kernels/**/*.cu and engine/cuda/*.cu (95)
#   SAN_BUILD_DIR  sanitized CPU build (default: build-san; skipped with a note if absent)
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
EMU_BUILD_DIR=${EMU_BUILD_DIR:-build-emu}
SAN_BUILD_DIR=${SAN_BUILD_DIR:-build-san}
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

if [ -f "$SAN_BUILD_DIR/CTestTestfile.cmake" ]; then
  # docs/testing.md, "The sanitized CPU build": why each option and each exclusion.
  # mpi: launched by mpirun; Open MPI leaks at MPI_Finalize inside components it has already
  # dlclose()d, so those stacks end in "<unknown module>" and no suppression can name them:
  # these run again below with leak detection off, everything else of ASan/UBSan on.
  # soak: measures RSS growth, which ASan's quarantine of freed memory makes by design.
  mpi='^(test_train_dist_2ranks|py_dist_drills)$'
  soak='^py_drill_soak_short$'
  san_asan=check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=1
  ASAN_OPTIONS=${SAN_ASAN_OPTIONS:-detect_leaks=1:$san_asan} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    ctest --test-dir "$SAN_BUILD_DIR" --output-on-failure -j "$(nproc)" --timeout 900 -E "$mpi|$soak" \
          --output-junit "$junit/san.xml" || status=1
  ASAN_OPTIONS=${SAN_ASAN_OPTIONS:-detect_leaks=0:$san_asan} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    ctest --test-dir "$SAN_BUILD_DIR" --output-on-failure -j "$(nproc)" --timeout 900 -R "$mpi" \
          --output-junit "$junit/san_mpi.xml" || status=1
  # The fuzz regression beyond the corpus replays above: fresh inputs for a short while per
  # harness (new inputs stay in $SAN_BUILD_DIR/fuzz-out; a crash fails the run and names its file).
  if [ -d "$SAN_BUILD_DIR/fuzz" ]; then
    tools/fuzz.sh --build "$SAN_BUILD_DIR" --seconds "${FUZZ_SECONDS:-30}" --jobs "$(nproc)" || status=1
  fi
else
  echo "test: NOTE no sanitized CPU build in $SAN_BUILD_DIR (bash scripts/setup.sh makes it): CPU tests not run under ASan/UBSan"
fi

# One closing line for all builds.
python3 - "$junit" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
t = f = s = 0
for x in glob.glob(sys.argv[1] + "/*.xml"):
    r = ET.parse(x).getroot()
    t += int(r.get("tests", 0)); f += int(r.get("failures", 0)) + int(r.get("errors", 0)); s += int(r.get("skipped", 0))
print(f"tests: {t - f - s} passed, {f} failed, {s} skipped")
PY
exit $status
