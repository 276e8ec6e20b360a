#include "tools/kdface-eval/pair_faces.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "data/jpeg_codec.h"
#include "data/shard.h"
#include "engine/atomic_file.h"
#include "engine/check.h"
#include "tools/kdface-eval/parallel_checked.h"

namespace kd::evaltool {

eval::PairSet PairFaces::pair_set() const {
  eval::PairSet ps;
  for (auto& p : list.pairs) {
    ps.fold.push_back(p.fold);
    ps.same.push_back(p.same);
  }
  return ps;
}

data::PairList select_pairs(const data::PairList& all, int64_t max_pairs) {
  if (max_pairs <= 0 || int64_t(all.pairs.size()) <= max_pairs) return all;
  const int64_t per_fold = std::max<int64_t>(2, max_pairs / std::max(1, all.folds));
  data::PairList out;
  out.folds = all.folds;
  out.source = all.source;
  std::map<std::pair<int, bool>, int64_t> taken;
  for (auto& p : all.pairs) {
    int64_t& t = taken[{p.fold, p.same}];
    if (t >= per_fold / 2) continue;
    ++t;
    out.pairs.push_back(p);
  }
  return out;
}

PairFaces load_pair_faces(const std::string& pairs, const std::string& format, const std::string& root,
                          int64_t max_pairs) {
  PairFaces pf;
  pf.hashed_file = pairs;
  data::InsightfaceBin bin;
  data::PairList all;
  if (format == "tsv") {
    all = data::read_pairs_tsv(pairs);
  } else if (format == "lfw") {
    all = data::read_lfw_pairs(pairs);
  } else if (format == "cfp-ff" || format == "cfp-fp") {
    all = data::read_cfp_pairs(pairs, format == "cfp-ff" ? "FF" : "FP");
    // A folder has no single hash; the split's pair list is what changes between protocols.
    pf.hashed_file = pairs + (format == "cfp-ff" ? "/Pair_list_F.txt" : "/Pair_list_P.txt");
  } else if (format == "bin") {
    bin = data::read_insightface_bin(pairs);
    all = bin.pairs;
  } else {
    KD_FAIL("--format: expected tsv, lfw, cfp-ff, cfp-fp or bin, got '", format, "'");
  }
  KD_CHECK(!all.pairs.empty(), pairs, ": no pairs");
  pf.listed_pairs = int64_t(all.pairs.size());
  pf.list = select_pairs(all, max_pairs);

  std::map<std::string, int64_t> index;
  auto id = [&](const std::string& name) {
    auto it = index.find(name);
    if (it != index.end()) return it->second;
    int64_t i = int64_t(pf.names.size());
    index[name] = i;
    pf.names.push_back(name);
    return i;
  };
  for (auto& p : pf.list.pairs) {
    pf.a.push_back(id(p.a));
    pf.b.push_back(id(p.b));
  }
  pf.images.resize(pf.names.size());
  parallel_checked(int64_t(pf.names.size()), [&](int64_t i) {
    const std::string& name = pf.names[size_t(i)];
    data::Image& img = pf.images[size_t(i)];
    std::string what;
    if (format == "bin") {
      size_t k = std::stoull(name);
      what = pairs + " image " + name;
      KD_CHECK(k < bin.images.size(), what, ": index outside the file's ", bin.images.size(), " images");
      img = data::decode_jpeg(bin.images[k].data(), bin.images[k].size(), what);
    } else {
      what = (root.empty() || std::filesystem::path(name).is_absolute()) ? name : root + "/" + name;
      std::string bytes = read_file(what);
      img = data::decode_jpeg(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), what);
    }
    KD_CHECK(img.w == data::kFaceSize && img.h == data::kFaceSize, what, ": expected an aligned ", data::kFaceSize, "x",
             data::kFaceSize, " face, got ", img.w, "x", img.h, " (align it with kdface-data align)");
  });
  return pf;
}

}  // namespace kd::evaltool
