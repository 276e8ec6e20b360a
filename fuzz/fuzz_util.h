#pragma once
// Shared by the harnesses. The contract every reader is fuzzed against: any input either
// parses or throws kd::Error whose message names the input (the file, record or key it was
// given). Any other exception escapes LLVMFuzzerTestOneInput, std::terminate aborts, and
// libFuzzer reports it as a crash with the reproducer; ASan/UBSan report the rest.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "engine/check.h"

namespace kdfuzz {

// A message that does not say which input it is about fails as loudly as a crash: the
// user reading it has several files and no debugger.
// KDFUZZ_VERBOSE=1 prints every rejection, to see what a corpus file exercises.
inline void expect_named(const kd::Error& e, const std::string& what) {
  static const bool verbose = std::getenv("KDFUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "rejected: %s\n", e.what());
  if (std::string(e.what()).find(what) != std::string::npos) return;
  std::fprintf(stderr, "kd::Error does not name '%s':\n%s\n", what.c_str(), e.what());
  std::abort();
}

// One folder per process (parallel fuzzing jobs must not share files), removed at exit.
const std::string& tmp_dir();
void write_file(const std::string& path, const uint8_t* data, size_t size);
inline void write_file(const std::string& path, const std::string& s) {
  write_file(path, reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

}  // namespace kdfuzz
