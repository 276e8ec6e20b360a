// A whole kdface-train recipe: parse_config, parse_train_config (every section, unknown keys,
// cross-checks between terms), then the parts parse_train_config hands on unread (the
// degradation spec, the student's and teacher's model configs), as kdface-train reads them.
// What parses must round-trip: parse_train_config(to_json(c)) gives the same config.
#include "data/degrade.h"
#include "engine/config.h"
#include "fuzz/fuzz_util.h"
#include "models/resnext_config.h"
#include "train/train_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string what = "fuzz_recipe.json";
  kd::train::TrainConfig c;
  try {
    const nlohmann::json cfg = kd::parse_config(std::string(reinterpret_cast<const char*>(data), size), what);
    c = kd::train::parse_train_config(cfg, what);
  } catch (const kd::Error& e) {
    kdfuzz::expect_named(e, what);
    return 0;
  }
  if (kd::train::parse_train_config(c.raw, "round trip").raw != c.raw) std::abort();
  try {
    (void)kd::data::degrade_spec_from_json(c.degrade, what + ": data.degrade");
    (void)kd::models::ResNeXtConfig::from_json(c.student_model, what + ": student.model");
    if (c.has_teacher) (void)kd::models::ResNeXtConfig::from_json(c.teacher_model, what + ": teacher.model");
  } catch (const kd::Error& e) {
    kdfuzz::expect_named(e, what);
  }
  return 0;
}
