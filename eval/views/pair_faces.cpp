#include "eval/views/pair_faces.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "data/jpeg_codec.h"
#include "data/shard.h"
#include "engine/atomic_file.h"
#include "engine/check.h"
#include "engine/parallel.h"

namespace kd::eval {

PairSet PairFaces::pair_set() const {
  PairSet ps;
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

namespace {

// Unique image names of pairs in order of first appearance, and each pair's two indices.
void index_images(PairFaces& pf) {
  std::map<std::string, int64_t> index;
  auto id = [&](const std::string& name) {
    auto it = index.find(name);
    if (it != index.end()) return it->second;
    int64_t i = int64_t(pf.names.size());
    index[name] = i;
    pf.names.push_back(name);
    return i;
  };
  pf.names.clear();
  pf.a.clear();
  pf.b.clear();
  for (auto& p : pf.list.pairs) {
    pf.a.push_back(id(p.a));
    pf.b.push_back(id(p.b));
  }
}

}  // namespace

PairFaces load_pair_faces(const std::string& pairs, const std::string& format, const std::string& root,
                          int64_t max_pairs, const std::string& on_missing) {
  KD_CHECK(on_missing == "skip" || on_missing == "fail", "--on-missing: expected skip or fail, got '", on_missing, "'");
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
  pf.selected_pairs = int64_t(pf.list.pairs.size());
  index_images(pf);

  // Every image is tried; a failure is kept per image instead of stopping the run, so the
  // report can say which pairs it cost (parallel_for: no exception may leave the region).
  std::vector<data::Image> images(pf.names.size());
  std::vector<std::string> error(pf.names.size());
  kd::parallel_for(
      int64_t(pf.names.size()),
      [&](int64_t i) {
        const std::string& name = pf.names[size_t(i)];
        data::Image& img = images[size_t(i)];
        std::string what;
        try {
          if (format == "bin") {
            size_t k = std::stoull(name);
            what = pairs + " image " + name;
            KD_CHECK(k < bin.images.size(), what, ": index outside the file's ", bin.images.size(), " images");
            img = data::decode_jpeg(bin.images[k].data(), bin.images[k].size(), what);
          } else {
            what = (root.empty() || std::filesystem::path(name).is_absolute()) ? name : root + "/" + name;
            std::error_code ec;
            KD_CHECK(std::filesystem::exists(what, ec), what, ": no such file (pair list ", pairs, ")");
            std::string bytes = read_file(what);
            img = data::decode_jpeg(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), what);
          }
          KD_CHECK(img.w == data::kFaceSize && img.h == data::kFaceSize, what, ": expected an aligned ",
                   data::kFaceSize, "x", data::kFaceSize, " face, got ", img.w, "x", img.h,
                   " (align it with kdface-data align)");
        } catch (const std::exception& e) {
          error[size_t(i)] = e.what();
          img = data::Image();
        }
      },
      1 << 16);

  std::vector<data::VerificationPair> kept;
  for (size_t k = 0; k < pf.list.pairs.size(); ++k) {
    const std::string& ea = error[size_t(pf.a[k])];
    const std::string& eb = error[size_t(pf.b[k])];
    if (ea.empty() && eb.empty()) {
      kept.push_back(pf.list.pairs[k]);
      continue;
    }
    const auto& p = pf.list.pairs[k];
    pf.unscored.push_back(UnscoredPair{p.fold, p.a, p.b, p.same, ea.empty() ? eb : ea});
  }
  size_t first_bad = error.size();
  for (size_t i = 0; i < error.size(); ++i)
    if (!error[i].empty()) {
      ++pf.unreadable_images;
      if (first_bad == error.size()) first_bad = i;
    }
  if (pf.unscored.empty()) {
    pf.images = std::move(images);
    return pf;
  }
  const std::string counts = kd::str(pf.unreadable_images, " of ", pf.names.size(), " images of ", pairs,
                                     " could not be loaded, so ", pf.unscored.size(), " of ", pf.selected_pairs,
                                     " pairs cannot be scored; the first: ", error[first_bad]);
  KD_CHECK(on_missing == "skip", counts, " (--on-missing skip scores the other pairs and lists these)");
  KD_CHECK(!kept.empty(), "no pair can be scored: ", counts);
  // Re-index over the scored pairs only: the images (and their degradation seeds, which
  // follow the image order) are then those of a list that never had the unscored pairs.
  std::map<std::string, size_t> loaded;
  for (size_t i = 0; i < pf.names.size(); ++i)
    if (error[i].empty()) loaded[pf.names[i]] = i;
  pf.list.pairs = std::move(kept);
  index_images(pf);
  pf.images.resize(pf.names.size());
  for (size_t i = 0; i < pf.names.size(); ++i) pf.images[i] = std::move(images[loaded.at(pf.names[i])]);
  return pf;
}

void require_scorable(const PairFaces& pf) {
  if (pf.unscored.empty()) return;
  const PairSet ps = pf.pair_set();
  std::vector<int64_t> per_fold(size_t(std::max(pf.list.folds, 0)), 0);
  int64_t same_left = 0;
  for (size_t i = 0; i < ps.fold.size(); ++i) {
    if (ps.fold[i] >= 0 && size_t(ps.fold[i]) < per_fold.size()) ++per_fold[size_t(ps.fold[i])];
    same_left += ps.same[i];
  }
  for (size_t k = 0; k < per_fold.size(); ++k)
    KD_CHECK(per_fold[k] > 0, "fold ", k, " has no pair left to score after skipping ", pf.unscored.size(),
             " unscored pairs (first: ", pf.unscored[0].reason, ")");
  KD_CHECK(same_left > 0 && same_left < ps.size(), "after skipping ", pf.unscored.size(),
           " unscored pairs only one class is left (", same_left, " same of ", ps.size(), ")");
}

}  // namespace kd::eval
