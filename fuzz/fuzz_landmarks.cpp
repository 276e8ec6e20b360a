// parse_landmarks68: landmarks.tsv of `kdface-data align --preset wild`, as `kdface-data
// mask --landmarks` reads it, then the six mask anchor points derived from each row.
#include "data/cv/mask_template.h"
#include "data/landmarks68.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string what = "fuzz_landmarks.tsv";
  try {
    const auto rows = kd::data::parse_landmarks68(std::string(reinterpret_cast<const char*>(data), size), what);
    for (auto& [rel, l] : rows) (void)kd::data::mask_points_from_68(l.x, l.y);
  } catch (const kd::Error& e) {
    kdfuzz::expect_named(e, what);
  }
  return 0;
}
