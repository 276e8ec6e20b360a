#include "tools/kdface-bench/bench_models.h"

#include <algorithm>

#include "engine/atomic_file.h"
#include "engine/check.h"

namespace kd::bench {

models::ResNeXtConfig model_config(const std::string& name_or_path, int64_t size) {
  auto names = models::preset_names();
  models::ResNeXtConfig c;
  if (std::find(names.begin(), names.end(), name_or_path) != names.end()) {
    c = models::ResNeXtConfig::preset(name_or_path);
  } else {
    KD_CHECK(name_or_path.size() > 5 && name_or_path.substr(name_or_path.size() - 5) == ".json", "model '",
             name_or_path, "': expected a preset (tiny, r18x, r100x) or a .json model config");
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(read_file(name_or_path));
    } catch (const nlohmann::json::exception& e) {
      KD_FAIL(name_or_path, ": not valid JSON (", e.what(), ")");
    }
    c = models::ResNeXtConfig::from_json(j, name_or_path);
  }
  // A flatten head is tied to its input side; the avg head takes any side.
  KD_CHECK(c.head == "avg" || size == c.size, "model '", name_or_path, "' has a flatten head built for ", c.size, "x",
           c.size, " inputs; --size ", size, " needs a model with head \"avg\"");
  c.size = size;
  c.validate(name_or_path);
  return c;
}

}  // namespace kd::bench
