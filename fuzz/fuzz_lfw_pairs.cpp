// parse_lfw_pairs: LFW's pairs.txt ("folds n" header, then same and different blocks).
#include "data/pairs.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string what = "fuzz_pairs.txt";
  try {
    const kd::data::PairList l = kd::data::parse_lfw_pairs(std::string(reinterpret_cast<const char*>(data), size), what);
    for (auto& p : l.pairs)
      if (p.fold < 0 || p.fold >= l.folds) std::abort();
  } catch (const kd::Error& e) {
    kdfuzz::expect_named(e, what);
  }
  return 0;
}
