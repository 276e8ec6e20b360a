#include "data/pairs.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "engine/atomic_file.h"
#include "engine/check.h"

namespace fs = std::filesystem;

namespace kd::data {

namespace {

std::vector<std::string> split_fields(const std::string& line, char sep) {
  std::vector<std::string> out;
  if (sep == ' ') {
    std::istringstream ss(line);
    std::string f;
    while (ss >> f) out.push_back(f);
  } else {
    std::string cur;
    for (char c : line) {
      if (c == sep) {
        out.push_back(cur);
        cur.clear();
      } else {
        cur.push_back(c);
      }
    }
    out.push_back(cur);
  }
  return out;
}

// Lines without the trailing '\r' of files written on Windows (the LFW and CFP lists are).
std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::string read_list(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  KD_CHECK(in, "cannot open pair list '", path, "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> read_lines(const std::string& path) { return split_lines(read_list(path)); }

bool blank(const std::string& s) { return s.find_first_not_of(" \t") == std::string::npos; }

int64_t parse_int(const std::string& s, const std::string& path, size_t lineno, const char* what) {
  size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(s, &used);
  } catch (...) {
    used = 0;
  }
  KD_CHECK(used == s.size() && !s.empty(), path, ":", lineno, ": ", what, " must be an integer, found '", s, "'");
  return v;
}

std::string lfw_path(const std::string& name, int64_t n) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "_%04lld.jpg", (long long)n);
  return name + "/" + name + buf;
}

}  // namespace

// ---------------------------------------------------------------- TSV

PairList read_pairs_tsv(const std::string& path) { return parse_pairs_tsv(read_list(path), path); }

PairList parse_pairs_tsv(const std::string& text, const std::string& path) {
  PairList out;
  out.source = path;
  auto lines = split_lines(text);
  int max_fold = -1;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (blank(line)) continue;
    auto f = split_fields(line, line.find('\t') != std::string::npos ? '\t' : ' ');
    if (out.pairs.empty() && !f.empty() && f[0] == "fold") continue;  // header
    KD_CHECK(f.size() == 4, path, ":", i + 1, ": expected 4 fields 'fold image_a image_b same', found ", f.size());
    VerificationPair p;
    int64_t fold = parse_int(f[0], path, i + 1, "fold");
    KD_CHECK(fold >= 0 && fold < 1000, path, ":", i + 1, ": fold ", fold, " outside [0, 1000)");
    p.fold = int(fold);
    p.a = f[1];
    p.b = f[2];
    KD_CHECK(!p.a.empty() && !p.b.empty(), path, ":", i + 1, ": empty image path");
    if (f[3] == "1" || f[3] == "true" || f[3] == "True") {
      p.same = true;
    } else if (f[3] == "0" || f[3] == "false" || f[3] == "False") {
      p.same = false;
    } else {
      KD_FAIL(path, ":", i + 1, ": 'same' must be 0 or 1, found '", f[3], "'");
    }
    max_fold = std::max(max_fold, p.fold);
    out.pairs.push_back(std::move(p));
  }
  KD_CHECK(!out.pairs.empty(), "pair list '", path, "' has no pairs");
  out.folds = max_fold + 1;
  return out;
}

// ---------------------------------------------------------------- LFW

PairList read_lfw_pairs(const std::string& path) { return parse_lfw_pairs(read_list(path), path); }

PairList parse_lfw_pairs(const std::string& text, const std::string& path) {
  PairList out;
  out.source = path;
  auto lines = split_lines(text);
  while (!lines.empty() && blank(lines.back())) lines.pop_back();
  KD_CHECK(!lines.empty(), "LFW pair list '", path, "' is empty");
  auto h = split_fields(lines[0], ' ');
  KD_CHECK(h.size() == 1 || h.size() == 2, path, ":1: expected the header 'folds n' (or 'n'), found '", lines[0], "'");
  int64_t folds = h.size() == 2 ? parse_int(h[0], path, 1, "number of folds") : 1;
  int64_t n = parse_int(h.back(), path, 1, "pairs per fold and kind");
  KD_CHECK(folds > 0 && n > 0, path, ":1: folds and n must be positive, found ", folds, " and ", n);
  // Divided, not multiplied: folds * 2 * n of a corrupt header overflows (the message's product
  // is a double for the same reason).
  const int64_t body = int64_t(lines.size()) - 1;
  KD_CHECK(n <= body && body % (2 * n) == 0 && body / (2 * n) == folds, path, ": header says ", folds, " folds x (", n,
           " same + ", n, " different) = ", double(folds) * 2 * double(n), " pairs, the file has ", body,
           " lines after it");
  for (size_t i = 1; i < lines.size(); ++i) {
    int64_t k = int64_t(i) - 1;
    bool same = (k % (2 * n)) < n;
    auto f = split_fields(lines[i], ' ');
    VerificationPair p;
    p.fold = int(k / (2 * n));
    p.same = same;
    if (same) {
      KD_CHECK(f.size() == 3, path, ":", i + 1, ": expected a same pair 'name i j' (line ", k % (2 * n) + 1,
               " of fold ", p.fold, "), found ", f.size(), " fields");
      p.a = lfw_path(f[0], parse_int(f[1], path, i + 1, "image number"));
      p.b = lfw_path(f[0], parse_int(f[2], path, i + 1, "image number"));
    } else {
      KD_CHECK(f.size() == 4, path, ":", i + 1, ": expected a different pair 'name1 i name2 j' (line ",
               k % (2 * n) + 1, " of fold ", p.fold, "), found ", f.size(), " fields");
      p.a = lfw_path(f[0], parse_int(f[1], path, i + 1, "image number"));
      p.b = lfw_path(f[2], parse_int(f[3], path, i + 1, "image number"));
    }
    out.pairs.push_back(std::move(p));
  }
  out.folds = int(folds);
  return out;
}

// ---------------------------------------------------------------- CFP

static std::map<int64_t, std::string> read_cfp_list(const std::string& path) {
  std::map<int64_t, std::string> m;
  auto lines = read_lines(path);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (blank(lines[i])) continue;
    auto f = split_fields(lines[i], ' ');
    KD_CHECK(f.size() == 2, path, ":", i + 1, ": expected 'index path', found ", f.size(), " fields");
    int64_t idx = parse_int(f[0], path, i + 1, "image index");
    KD_CHECK(m.emplace(idx, f[1]).second, path, ":", i + 1, ": index ", idx, " appears twice");
  }
  KD_CHECK(!m.empty(), "CFP list '", path, "' is empty");
  return m;
}

PairList read_cfp_pairs(const std::string& protocol_dir, const std::string& split) {
  KD_CHECK(split == "FF" || split == "FP", "CFP split must be \"FF\" or \"FP\", got \"", split, "\"");
  const fs::path root(protocol_dir);
  auto frontal = read_cfp_list((root / "Pair_list_F.txt").string());
  auto second = split == "FF" ? frontal : read_cfp_list((root / "Pair_list_P.txt").string());
  fs::path split_dir = root / "Split" / split;
  KD_CHECK(fs::is_directory(split_dir), "CFP protocol '", protocol_dir, "' has no folder Split/", split);
  std::vector<std::string> fold_dirs;
  for (auto& e : fs::directory_iterator(split_dir))
    if (e.is_directory()) fold_dirs.push_back(e.path().filename().string());
  std::sort(fold_dirs.begin(), fold_dirs.end());
  KD_CHECK(!fold_dirs.empty(), "CFP '", split_dir.string(), "' has no fold folders (01..10)");
  PairList out;
  out.source = split_dir.string();
  for (size_t fold = 0; fold < fold_dirs.size(); ++fold) {
    for (const char* kind : {"same", "diff"}) {
      std::string path = (split_dir / fold_dirs[fold] / (std::string(kind) + ".txt")).string();
      auto lines = read_lines(path);
      size_t count = 0;
      for (size_t i = 0; i < lines.size(); ++i) {
        if (blank(lines[i])) continue;
        auto f = split_fields(lines[i], ',');
        KD_CHECK(f.size() == 2, path, ":", i + 1, ": expected 'i,j', found '", lines[i], "'");
        for (auto& s : f) {
          s.erase(0, s.find_first_not_of(" \t"));
          s.erase(s.find_last_not_of(" \t") + 1);
        }
        int64_t ia = parse_int(f[0], path, i + 1, "first index");
        int64_t ib = parse_int(f[1], path, i + 1, "second index");
        auto a = frontal.find(ia);
        auto b = second.find(ib);
        KD_CHECK(a != frontal.end(), path, ":", i + 1, ": index ", ia, " is not in Pair_list_F.txt");
        KD_CHECK(b != second.end(), path, ":", i + 1, ": index ", ib, " is not in Pair_list_",
                 split == "FF" ? "F" : "P", ".txt");
        VerificationPair p;
        p.a = (root / a->second).string();
        p.b = (root / b->second).string();
        p.same = std::string(kind) == "same";
        p.fold = int(fold);
        out.pairs.push_back(std::move(p));
        ++count;
      }
      KD_CHECK(count > 0, "CFP pair file '", path, "' has no pairs");
    }
  }
  out.folds = int(fold_dirs.size());
  return out;
}

// ---------------------------------------------------------------- insightface .bin
// (the pickle itself is parsed in data/pickle_bin.cpp)

InsightfaceBin read_insightface_bin(const std::string& path, int folds) {
  std::string raw = read_file(path);
  PickledBin pb = parse_insightface_pickle(reinterpret_cast<const uint8_t*>(raw.data()), raw.size(), path);
  KD_CHECK(pb.images.size() == 2 * pb.issame.size(), path, ": ", pb.images.size(), " images for ", pb.issame.size(),
           " pairs, expected 2 per pair");
  KD_CHECK(folds > 0 && pb.issame.size() >= size_t(folds), path, ": ", pb.issame.size(),
           " pairs cannot be split into ", folds, " folds");
  InsightfaceBin out;
  out.images = std::move(pb.images);
  out.pairs.source = path;
  out.pairs.folds = folds;
  // sklearn's KFold(n_splits=folds, shuffle=False), as insightface's verification code:
  // consecutive blocks, the first n % folds of them one pair longer.
  const size_t n = pb.issame.size(), base = n / size_t(folds), longer = n % size_t(folds);
  size_t k = 0;
  for (size_t f = 0; f < size_t(folds); ++f) {
    for (size_t j = 0; j < base + (f < longer ? 1 : 0); ++j, ++k) {
      VerificationPair p;
      p.a = std::to_string(2 * k);
      p.b = std::to_string(2 * k + 1);
      p.same = pb.issame[k];
      p.fold = int(f);
      out.pairs.pairs.push_back(std::move(p));
    }
  }
  return out;
}

}  // namespace kd::data
