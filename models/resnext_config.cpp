#include "models/resnext_config.h"

#include <algorithm>

#include "engine/check.h"
#include "engine/config.h"

namespace kd::models {

namespace {

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace

std::vector<std::string> preset_names() { return {"r100x", "r18x", "tiny"}; }

ResNeXtConfig ResNeXtConfig::preset(const std::string& name) {
  ResNeXtConfig c;  // the defaults are torch_reference's TEACHER (r100x)
  if (name == "r100x") return c;
  if (name == "r18x") {
    c.depths = {2, 2, 2, 2};
    return c;
  }
  if (name == "tiny") {
    c.depths = {1, 2, 2, 1};
    c.widths = {32, 64, 128, 256};
    c.groups = 8;
    c.stem = 16;
    c.emb = 128;
    c.head = "avg";
    return c;
  }
  KD_FAIL("unknown model preset '", name, "' (known presets: ", joined(preset_names()), ")");
}

ResNeXtConfig ResNeXtConfig::from_json(const nlohmann::json& j, const std::string& where) {
  KD_CHECK(j.is_object(), where, ": the model config must be a JSON object, got ", j.dump());
  ConfigReader r(j, where);
  const std::string name = r.get_or<std::string>("preset", "r100x");
  const auto known = preset_names();
  KD_CHECK(std::find(known.begin(), known.end(), name) != known.end(), r.path("preset"), ": unknown preset '", name,
           "' (known presets: ", joined(known), ")");
  ResNeXtConfig c = preset(name);
  c.depths = r.get_or<std::vector<int64_t>>("depths", c.depths);
  c.widths = r.get_or<std::vector<int64_t>>("widths", c.widths);
  c.groups = r.get_or<int64_t>("groups", c.groups);
  c.stem = r.get_or<int64_t>("stem", c.stem);
  c.emb = r.get_or<int64_t>("emb", c.emb);
  c.size = r.get_or<int64_t>("size", c.size);
  c.reduction = r.get_or<int64_t>("reduction", c.reduction);
  c.spatial_kernel = r.get_or<int64_t>("spatial_kernel", c.spatial_kernel);
  c.head = r.get_or<std::string>("head", c.head);
  c.input_pool = r.get_or<int64_t>("input_pool", c.input_pool);
  r.finish();
  c.validate(where);
  return c;
}

nlohmann::json ResNeXtConfig::to_json() const {
  return {{"depths", depths}, {"widths", widths}, {"groups", groups}, {"stem", stem},
          {"emb", emb},       {"size", size},     {"reduction", reduction},
          {"spatial_kernel", spatial_kernel},     {"head", head},   {"input_pool", input_pool}};
}

void ResNeXtConfig::validate(const std::string& where) const {
  auto key = [&](const char* k) { return where.empty() ? std::string(k) : where + "." + k; };
  KD_CHECK(!depths.empty(), key("depths"), ": expected at least one stage, got []");
  KD_CHECK(depths.size() == widths.size(), key("widths"), ": expected one width per stage (", depths.size(),
           " depths), got ", widths.size());
  KD_CHECK(groups >= 1, key("groups"), ": expected >= 1, got ", groups);
  for (size_t i = 0; i < depths.size(); ++i) {
    KD_CHECK(depths[i] >= 1, key("depths"), "[", i, "]: expected >= 1 block, got ", depths[i]);
    // The bottleneck is width = out / 2 channels, split into `groups` groups.
    KD_CHECK(widths[i] >= 2 && widths[i] % 2 == 0, key("widths"), "[", i, "]: expected an even width >= 2, got ",
             widths[i]);
    KD_CHECK((widths[i] / 2) % groups == 0, key("widths"), "[", i, "]: the bottleneck width ", widths[i] / 2,
             " must be divisible by groups = ", groups);
  }
  KD_CHECK(stem >= 1, key("stem"), ": expected >= 1, got ", stem);
  KD_CHECK(emb >= 1, key("emb"), ": expected >= 1, got ", emb);
  KD_CHECK(reduction >= 1, key("reduction"), ": expected >= 1, got ", reduction);
  KD_CHECK(spatial_kernel >= 1 && spatial_kernel % 2 == 1, key("spatial_kernel"),
           ": expected an odd kernel size (same padding), got ", spatial_kernel);
  KD_CHECK(head == "flatten" || head == "avg", key("head"), ": expected \"flatten\" or \"avg\", got \"", head, "\"");
  KD_CHECK(size >= 1, key("size"), ": expected >= 1, got ", size);
  KD_CHECK(input_pool == 1 || input_pool == 2 || input_pool == 4, key("input_pool"), ": expected 1, 2 or 4, got ",
           input_pool);
  KD_CHECK(size % input_pool == 0, key("input_pool"), ": size ", size, " is not a multiple of ", input_pool);
  if (head == "flatten") {
    // torch_reference sizes fc for size // 2^stages; other sizes would not match its weights.
    const int64_t div = int64_t(1) << depths.size();
    KD_CHECK((size / input_pool) % div == 0, key("size"), ": the flatten head needs size / input_pool to be a multiple of ",
             div, " (2^stages), got ", size / input_pool);
  }
}

int64_t ResNeXtConfig::final_side(int64_t in) const {
  int64_t s = in;
  for (size_t i = 0; i < depths.size(); ++i) s = (s - 1) / 2 + 1;  // 3x3, stride 2, pad 1
  return s;
}

int64_t ResNeXtConfig::fc_in() const {
  const int64_t c = widths.back();
  if (head == "avg") return c;
  const int64_t side = final_side(size / input_pool);
  return c * side * side;
}

bool ResNeXtConfig::operator==(const ResNeXtConfig& o) const { return to_json() == o.to_json(); }

}  // namespace kd::models
