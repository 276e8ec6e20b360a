# Sanitizers and coverage for a whole build tree. Two builds use them: build-emu (gcc, the
# emulated CUDA device, with coverage) and build-san (clang, every CPU test, and the fuzz
# harnesses' corpus replay when KDFACE_FUZZ is on).
#   KDFACE_SANITIZE  ON: AddressSanitizer + UndefinedBehaviorSanitizer, every error fatal
#   KDFACE_COVERAGE  ON: gcov line coverage (--coverage)
option(KDFACE_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(KDFACE_COVERAGE "Build with gcov coverage instrumentation" OFF)
if(KDFACE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # kd_emu_sh*: the emulated device's static shared memory (cudaemu/include/kd_emu/prelude.h)
    # gets redzones only through this GCC option; clang has no equivalent.
    add_compile_options("-fsanitize-sections=kd_emu_sh*")
    # GCC 12 reports std::function internals as maybe-uninitialized once ASan instruments them.
    add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-Wno-maybe-uninitialized>)
  elseif(KDFACE_CUDA_EMU)
    message(WARNING "kdface: without GCC's -fsanitize-sections, out-of-bounds accesses to the "
                    "emulated device's static shared memory are not caught; build-emu uses gcc")
  endif()
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
