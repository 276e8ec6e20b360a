// ShardReader: a .kdshard file's magic, footer and record index (data/shard.h). The index's
// crc32 is recomputed first, as a fuzzer cannot forge it, so mutations reach the index
// parser; each record's own crc is left as found, so reads mostly end in a crc error.
#include "data/jpeg_codec.h"
#include "data/shard.h"
#include "fuzz/fuzz_util.h"

namespace {
uint64_t le(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= uint64_t(p[i]) << (8 * i);
  return v;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> b(data, data + size);
  if (b.size() >= 40) {
    uint8_t* footer = b.data() + b.size() - 32;
    const uint64_t off = le(footer, 8);
    if (off >= 8 && off <= b.size() - 32) {
      const uint32_t crc = kd::data::crc32(b.data() + off, size_t(b.size() - 32 - off));
      for (int i = 0; i < 4; ++i) footer[16 + i] = uint8_t(crc >> (8 * i));
    }
  }
  const std::string path = kdfuzz::tmp_dir() + "/fuzz.kdshard";
  kdfuzz::write_file(path, b.data(), b.size());
  try {
    kd::data::ShardReader r(path);
    std::vector<uint8_t> bytes;
    kd::data::Image img;
    for (size_t i = 0; i < r.size() && i < 64; ++i) {
      try {
        r.read(i, bytes);
        r.decode(i, bytes, img);
      } catch (const kd::Error& e) {
        kdfuzz::expect_named(e, path);
      }
    }
  } catch (const kd::Error& e) {
    kdfuzz::expect_named(e, path);
  }
  return 0;
}
