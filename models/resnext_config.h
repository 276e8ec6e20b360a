#pragma once
// The ResNeXt-CBAM family's hyper-parameters (shared/bench/REFERENCE_MODELS.md): the three
// reference presets and JSON configs that start from a preset and override single keys.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kd::models {

struct ResNeXtConfig {
  std::vector<int64_t> depths{3, 13, 30, 3}, widths{128, 256, 512, 1024};
  int64_t groups = 32, stem = 64, emb = 512, size = 112, reduction = 16, spatial_kernel = 7;
  std::string head = "flatten";  // or "avg"
  // The input (size x size) is average-pooled input_pool x input_pool before the stem: the
  // network then runs at size / input_pool. Faces whose detail is already coarse (CelebA's
  // 89x109 crops, every LR scale) lose almost nothing, and a CPU step costs a quarter at 2.
  int64_t input_pool = 1;

  // "r100x" | "r18x" | "tiny"; an unknown name is an error that lists the known ones.
  static ResNeXtConfig preset(const std::string& name);
  // {"preset": "tiny", "emb": 64, ...}: every other key overrides the preset (or the r100x
  // defaults when "preset" is absent). Unknown keys and wrong types are errors naming
  // where.key; the result is validate()d.
  static ResNeXtConfig from_json(const nlohmann::json& j, const std::string& where);
  nlohmann::json to_json() const;  // every field, no "preset": from_json(to_json()) == *this

  // Throws kd::Error naming the field (prefixed by where) when the network cannot be built.
  void validate(const std::string& where = "model") const;
  // Spatial side of the last stage's output for an input of side `in` (stride-2 3x3 convs).
  int64_t final_side(int64_t in) const;
  // Input width of fc: C * side^2 for "flatten", C for "avg".
  int64_t fc_in() const;

  bool operator==(const ResNeXtConfig& o) const;
};

std::vector<std::string> preset_names();

}  // namespace kd::models
