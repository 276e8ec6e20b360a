// decode_jpeg: every shard record, the insightface .bin images, kdface-verify's photos.
// A small decoded image must also re-encode and decode to the same size.
#include "data/jpeg_codec.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string what = "fuzz.jpg";
  kd::data::Image img;
  try {
    img = kd::data::decode_jpeg(data, size, what);
  } catch (const kd::Error& e) {
    kdfuzz::expect_named(e, what);
    return 0;
  }
  if (img.c != 3 || img.px.size() != size_t(img.w) * img.h * 3) std::abort();
  if (size_t(img.w) * img.h <= 64 * 64) {
    const std::vector<uint8_t> enc = kd::data::encode_jpeg(img, 90);
    const kd::data::Image back = kd::data::decode_jpeg(enc.data(), enc.size(), "re-encoded");
    if (back.w != img.w || back.h != img.h) std::abort();
  }
  return 0;
}
