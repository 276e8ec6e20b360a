// read_insightface_bin: insightface's verification .bin (lfw.bin, cfp_fp.bin, ...), the
// pickle interpreter of parse_insightface_pickle and the 10-fold split behind it.
#include "data/pairs.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = kdfuzz::tmp_dir() + "/fuzz.bin";
  kdfuzz::write_file(path, data, size);
  try {
    const kd::data::InsightfaceBin bin = kd::data::read_insightface_bin(path, 10);
    if (bin.images.size() != 2 * bin.pairs.pairs.size()) std::abort();
  } catch (const kd::Error& e) {
    kdfuzz::expect_named(e, path);
  }
  return 0;
}
