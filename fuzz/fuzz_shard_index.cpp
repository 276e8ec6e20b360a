// A shard set's index.json: shard_set_info_from_json, then ShardSet opening the set it
// describes (a folder holding one real two-record shard, shard-00000.kdshard, made once by
// ShardWriter from a generated image), cross-checking counts and labels, reading records.
#include <filesystem>

#include "data/jpeg_codec.h"
#include "data/shard.h"
#include "engine/atomic_file.h"
#include "fuzz/fuzz_util.h"

namespace {

const std::string& set_dir() {
  static const std::string dir = [] {
    const std::string d = kdfuzz::tmp_dir() + "/set";
    std::filesystem::create_directories(d);
    kd::data::Image img(kd::data::kFaceSize, kd::data::kFaceSize, 3);
    for (size_t i = 0; i < img.px.size(); ++i) img.px[i] = uint8_t(i * 7 / 3);
    const std::vector<uint8_t> jpeg = kd::data::encode_jpeg(img, 50);
    kd::data::ShardWriter w(d + "/" + kd::data::shard_file_name(0));
    w.add(jpeg, 0, "a/0.jpg");
    w.add(jpeg, 1, "b/0.jpg");
    w.finish();
    return d;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string where = set_dir() + "/index.json";
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    return 0;  // ShardSet turns this into an error naming index.json; covered below
  }
  try {
    (void)kd::data::shard_set_info_from_json(j, where);
  } catch (const kd::Error& e) {
    kdfuzz::expect_named(e, where);
  }
  kd::write_file_atomic(where, text);
  try {
    kd::data::ShardSet set(set_dir());
    std::vector<uint8_t> bytes;
    kd::data::Image img;
    for (int64_t i = 0; i < set.size() && i < 8; ++i) {
      (void)set.label(i);
      set.decode(i, bytes, img);
    }
  } catch (const kd::Error& e) {
    kdfuzz::expect_named(e, set_dir());
  }
  return 0;
}
