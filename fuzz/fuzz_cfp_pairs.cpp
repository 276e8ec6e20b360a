// read_cfp_pairs: CFP's protocol folder. The input is four files separated by lines of
// "====": Pair_list_F.txt, Pair_list_P.txt, and fold 01's same.txt and diff.txt, which are
// written into a protocol folder read as both splits (FF and FP).
#include <filesystem>

#include "data/pairs.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fs = std::filesystem;
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  for (size_t b = 0;;) {
    const size_t e = text.find("\n====\n", b);
    parts.push_back(text.substr(b, e == std::string::npos ? std::string::npos : e - b));
    if (e == std::string::npos || parts.size() == 4) break;
    b = e + 6;
  }
  const fs::path root = fs::path(kdfuzz::tmp_dir()) / "cfp";
  fs::remove_all(root);
  const char* names[4] = {"Pair_list_F.txt", "Pair_list_P.txt", "same.txt", "diff.txt"};
  for (const char* split : {"FF", "FP"}) {
    const fs::path fold = root / "Split" / split / "01";
    fs::create_directories(fold);
    for (size_t i = 0; i < parts.size(); ++i) kdfuzz::write_file(((i < 2 ? root : fold) / names[i]).string(), parts[i]);
  }
  for (const char* split : {"FF", "FP"}) {
    try {
      const kd::data::PairList l = kd::data::read_cfp_pairs(root.string(), split);
      if (l.folds != 1 || l.pairs.empty()) std::abort();
    } catch (const kd::Error& e) {
      kdfuzz::expect_named(e, root.string());
    }
  }
  return 0;
}
