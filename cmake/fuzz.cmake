# libFuzzer harnesses (fuzz/, tools/fuzz.sh). Clang only. The libraries that read outside bytes
# are compiled with -fsanitize=fuzzer-no-link (fuzz/CMakeLists.txt names them), so the harnesses
# see coverage inside the readers; the kernels are not, so a sanitized test suite in the same tree
# does not pay for a coverage callback on every loop compare. Only the harnesses link libFuzzer's
# main. Combines with KDFACE_SANITIZE (ASan+UBSan) in one build tree, which then serves both the
# sanitized test suite and the corpus replay.
option(KDFACE_FUZZ "Build the libFuzzer harnesses in fuzz/ (clang only)" OFF)
set(KDFACE_FUZZ_ACTIVE OFF)
if(KDFACE_FUZZ)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    set(KDFACE_FUZZ_ACTIVE ON)
    # Without ASan's runtime nobody defines the coverage callbacks the instrumented libraries
    # call, so every executable (tests, tools) links the fuzzer-no-link runtime bits.
    add_link_options(-fsanitize=fuzzer-no-link)
  else()
    message(WARNING "kdface: KDFACE_FUZZ needs clang (CXX=clang++); fuzz/ is not built with ${CMAKE_CXX_COMPILER_ID}")
  endif()
endif()
