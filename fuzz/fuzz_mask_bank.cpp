// parse_mask_bank: the pre-warped mask bank (`kdface-data mask-bank`) the loader blends onto
// faces. The trailing FNV-1a hash is recomputed first, as a fuzzer cannot forge it, so
// mutations reach the parser; every mask that loads is then blended onto a grey face.
#include "data/mask_bank.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string b(reinterpret_cast<const char*>(data), size);
  if (b.size() >= 8) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i + 8 < b.size(); ++i) h = (h ^ uint8_t(b[i])) * 1099511628211ULL;
    for (int i = 0; i < 8; ++i) b[b.size() - 8 + size_t(i)] = char((h >> (8 * i)) & 0xFF);
  }
  const std::string what = "fuzz.maskbank";
  try {
    const kd::data::MaskBank bank = kd::data::parse_mask_bank(b, what);
    for (auto& m : bank.masks) {
      kd::data::Image face(bank.size, bank.size, 3);
      for (auto& p : face.px) p = 128;
      kd::data::apply_mask(face, m);
      (void)bank.index_of(m.name);
    }
  } catch (const kd::Error& e) {
    kdfuzz::expect_named(e, what);
  }
  return 0;
}
