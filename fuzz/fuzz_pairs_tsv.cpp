// parse_pairs_tsv: our pair lists (`fold image_a image_b same`), e.g. celeba/val_pairs.tsv.
#include "data/pairs.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string what = "fuzz_pairs.tsv";
  try {
    const kd::data::PairList l = kd::data::parse_pairs_tsv(std::string(reinterpret_cast<const char*>(data), size), what);
    for (auto& p : l.pairs)
      if (p.fold < 0 || p.fold >= l.folds) std::abort();
  } catch (const kd::Error& e) {
    kdfuzz::expect_named(e, what);
  }
  return 0;
}
