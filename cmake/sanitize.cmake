# Sanitizers and coverage for a whole build tree (the emulated-device build uses both: one
# build serves the parity, race and bounds checks and the coverage figure).
#   KDFACE_SANITIZE  ON: AddressSanitizer + UndefinedBehaviorSanitizer, every error fatal
#   KDFACE_COVERAGE  ON: gcov line coverage (--coverage)
option(KDFACE_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(KDFACE_COVERAGE "Build with gcov coverage instrumentation" OFF)
if(KDFACE_SANITIZE)
  # kd_emu_sh*: the emulated device's static shared memory (cudaemu/include/kd_emu/prelude.h).
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
                      "-fsanitize-sections=kd_emu_sh*")
  add_link_options(-fsanitize=address,undefined)
  # GCC 12 reports std::function internals as maybe-uninitialized once ASan instruments them.
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-Wno-maybe-uninitialized>)
endif()
if(KDFACE_COVERAGE)
  add_compile_options(--coverage)
  add_link_options(--coverage)
endif()
if(KDFACE_CUDA_EMU)
  # One rounding per operation, as the CPU reference and the _rn intrinsics promise.
  add_compile_options(-ffp-contract=off)
endif()
message(STATUS "kdface: sanitizers=${KDFACE_SANITIZE} coverage=${KDFACE_COVERAGE}")
