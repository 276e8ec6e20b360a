// parse_config (kdface-train --config, model configs) and the strict ConfigReader behind
// every recipe: typed reads of whatever keys the input has, then finish()'s unknown-key
// report with its close-match hints.
#include "engine/config.h"
#include "fuzz/fuzz_util.h"

namespace {

// Each read either succeeds or throws kd::Error naming the file; a failed read must not
// disturb the reader for the next one.
template <class T>
void try_get(const kd::ConfigReader& r, const std::string& key, const std::string& what) {
  try {
    (void)r.get<T>(key);
  } catch (const kd::Error& e) {
    kdfuzz::expect_named(e, what);
  }
}

void walk(const kd::ConfigReader& r, const std::string& what, int depth) {
  const nlohmann::json& node = r.node();
  if (!node.is_object() || depth > 4) return;
  size_t n = 0;
  for (auto it = node.begin(); it != node.end() && n < 8; ++it, ++n) {
    const std::string& key = it.key();
    // Read only some keys (by name), so finish() has unknown ones to report.
    switch (key.size() % 5) {
      case 0: try_get<int64_t>(r, key, what); try_get<uint64_t>(r, key, what); break;
      case 1: try_get<double>(r, key, what); try_get<bool>(r, key, what); break;
      case 2: try_get<std::string>(r, key, what); try_get<std::vector<int>>(r, key, what); break;
      case 3:
        try {
          if (it->is_array()) {
            for (auto& c : r.children(key)) walk(c, what, depth + 1);
          } else {
            walk(r.child(key), what, depth + 1);
          }
        } catch (const kd::Error& e) {
          kdfuzz::expect_named(e, what);
        }
        break;
      default: break;
    }
  }
  (void)r.has("lrr");
  try_get<float>(r, "lr", what);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string what = "fuzz.json";
  try {
    nlohmann::json cfg = kd::parse_config(std::string(reinterpret_cast<const char*>(data), size), what);
    kd::ConfigReader root(cfg, "", what);
    walk(root, what, 0);
    root.finish();
  } catch (const kd::Error& e) {
    kdfuzz::expect_named(e, what);
  }
  return 0;
}
