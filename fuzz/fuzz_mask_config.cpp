// read_mask_config: masks.cfg of the mask templates. The file is written into a data root
// laid out as ../shared/data (masks/masks.cfg, masks/templates/*.png, the PNGs empty), so
// template lines that name a real template resolve.
#include <filesystem>

#include "data/cv/mask_template.h"
#include "fuzz/fuzz_util.h"

namespace {

const std::string& cfg_path() {
  static const std::string path = [] {
    const std::string masks = kdfuzz::tmp_dir() + "/data/masks";
    std::filesystem::create_directories(masks + "/templates");
    for (const char* kind : {"surgical", "surgical_green", "surgical_blue", "N95", "KN95", "cloth", "gas"})
      for (const char* side : {"", "_left", "_right"})
        kdfuzz::write_file(masks + "/templates/" + kind + side + ".png", std::string());
    return masks + "/masks.cfg";
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kdfuzz::write_file(cfg_path(), data, size);
  try {
    (void)kd::data::read_mask_config(cfg_path());
  } catch (const kd::Error& e) {
    kdfuzz::expect_named(e, cfg_path());
  }
  return 0;
}
