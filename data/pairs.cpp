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
std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  KD_CHECK(in, "cannot open pair list '", path, "'");
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

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

PairList read_pairs_tsv(const std::string& path) {
  PairList out;
  out.source = path;
  auto lines = read_lines(path);
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

PairList read_lfw_pairs(const std::string& path) {
  PairList out;
  out.source = path;
  auto lines = read_lines(path);
  while (!lines.empty() && blank(lines.back())) lines.pop_back();
  KD_CHECK(!lines.empty(), "LFW pair list '", path, "' is empty");
  auto h = split_fields(lines[0], ' ');
  KD_CHECK(h.size() == 1 || h.size() == 2, path, ":1: expected the header 'folds n' (or 'n'), found '", lines[0], "'");
  int64_t folds = h.size() == 2 ? parse_int(h[0], path, 1, "number of folds") : 1;
  int64_t n = parse_int(h.back(), path, 1, "pairs per fold and kind");
  KD_CHECK(folds > 0 && n > 0, path, ":1: folds and n must be positive, found ", folds, " and ", n);
  KD_CHECK(int64_t(lines.size()) - 1 == folds * 2 * n, path, ": header says ", folds, " folds x (", n, " same + ", n,
           " different) = ", folds * 2 * n, " pairs, the file has ", lines.size() - 1, " lines after it");
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

// ---------------------------------------------------------------- insightface .bin (pickle)

namespace {

// Values live in the reader's arena and refer to each other by plain pointers, so a pickle
// that appends a list to itself (legal, if useless) cannot leak a reference cycle.
struct PValue;
using PRef = PValue*;
struct PValue {
  enum Kind { Bytes, Str, Bool, Int, None, List, Tuple, Global } kind = None;
  std::vector<uint8_t> bytes;  // Bytes; Str as UTF-8; Global as "module.name"
  int64_t i = 0;               // Bool, Int
  std::vector<PRef> items;     // List, Tuple
};

const char* kind_name(PValue::Kind k) {
  static const char* names[] = {"bytes", "str", "bool", "int", "None", "list", "tuple", "global"};
  return names[k];
}

class PickleReader {
 public:
  PickleReader(const uint8_t* d, size_t n, const std::string& what) : d_(d), n_(n), what_(what) {}

  PRef run() {
    for (;;) {
      KD_CHECK(p_ < n_, what_, ": pickle ends at byte ", p_, " without STOP (truncated file?)");
      size_t at = p_;
      uint8_t op = d_[p_++];
      switch (op) {
        case 0x80: {  // PROTO
          uint8_t v = u8();
          KD_CHECK(v <= 5, what_, ": pickle protocol ", int(v), " at byte ", at, " (expected 0..5)");
          break;
        }
        case 0x95: take(8); break;  // FRAME: a length hint only
        case '(': marks_.push_back(stack_.size()); break;
        case ']': push(make(PValue::List)); break;
        case ')': push(make(PValue::Tuple)); break;
        case 'l': push(collect(PValue::List, at)); break;
        case 't': push(collect(PValue::Tuple, at)); break;
        case 0x85: case 0x86: case 0x87: {  // TUPLE1..3
          size_t k = size_t(op - 0x84);
          KD_CHECK(stack_.size() >= k, what_, ": TUPLE", k, " at byte ", at, " with ", stack_.size(), " on the stack");
          PRef t = make(PValue::Tuple);
          t->items.assign(stack_.end() - long(k), stack_.end());
          stack_.resize(stack_.size() - k);
          push(t);
          break;
        }
        case 'a': {
          PRef v = pop(at);
          list_top(at)->items.push_back(v);
          break;
        }
        case 'e': {
          PRef items = collect(PValue::List, at);
          auto& dst = list_top(at)->items;
          dst.insert(dst.end(), items->items.begin(), items->items.end());
          break;
        }
        case 'B': push(bytes_value(PValue::Bytes, u32())); break;
        case 'C': push(bytes_value(PValue::Bytes, u8())); break;
        case 0x8e: push(bytes_value(PValue::Bytes, u64())); break;
        case 'T': push(bytes_value(PValue::Bytes, u32())); break;  // py2 str: raw bytes
        case 'U': push(bytes_value(PValue::Bytes, u8())); break;
        case 'X': push(bytes_value(PValue::Str, u32())); break;
        case 0x8c: push(bytes_value(PValue::Str, u8())); break;
        case 0x8d: push(bytes_value(PValue::Str, u64())); break;
        case 0x88: push(int_value(PValue::Bool, 1)); break;
        case 0x89: push(int_value(PValue::Bool, 0)); break;
        case 'N': push(make(PValue::None)); break;
        case 'K': push(int_value(PValue::Int, u8())); break;
        case 'M': push(int_value(PValue::Int, int64_t(take_le(2)))); break;
        case 'J': push(int_value(PValue::Int, int64_t(int32_t(uint32_t(take_le(4)))))); break;
        case 'I': {  // protocol 0 int; "01"/"00" are True/False
          std::string s = line();
          if (s == "01" || s == "00") {
            push(int_value(PValue::Bool, s == "01"));
          } else {
            push(int_value(PValue::Int, text_int(s, at)));
          }
          break;
        }
        case 0x94: memo_[memo_.size()] = top(at); break;  // MEMOIZE
        case 'q': memo_[u8()] = top(at); break;
        case 'r': memo_[u32()] = top(at); break;
        case 'p': memo_[uint64_t(text_int(line(), at))] = top(at); break;
        case 'h': push(memo_get(u8(), at)); break;
        case 'j': push(memo_get(u32(), at)); break;
        case 'g': push(memo_get(uint64_t(text_int(line(), at)), at)); break;
        case 'c': {  // GLOBAL "module\nname\n": only as the callable of the bytes idiom below
          std::string mod = line(), name = line();
          PRef g = make(PValue::Global);
          std::string full = mod + "." + name;
          g->bytes.assign(full.begin(), full.end());
          push(g);
          break;
        }
        case 'R': push(reduce(at)); break;
        case '.': {
          KD_CHECK(stack_.size() == 1, what_, ": STOP at byte ", at, " with ", stack_.size(),
                   " values on the stack (expected 1)");
          return stack_.back();
        }
        default: {
          char buf[8];
          std::snprintf(buf, sizeof buf, "0x%02x", op);
          KD_FAIL(what_, ": unsupported pickle opcode ", buf, " at byte ", at,
                  " (an insightface .bin holds only lists of bytes and bools)");
        }
      }
    }
  }

 private:
  PRef make(PValue::Kind k) {
    arena_.push_back(std::make_unique<PValue>());
    arena_.back()->kind = k;
    return arena_.back().get();
  }
  PRef int_value(PValue::Kind k, int64_t i) {
    PRef v = make(k);
    v->i = i;
    return v;
  }
  const uint8_t* take(uint64_t n) {
    KD_CHECK(n <= n_ - p_, what_, ": pickle needs ", n, " bytes at byte ", p_, ", only ", n_ - p_,
             " left (truncated file?)");
    const uint8_t* r = d_ + p_;
    p_ += size_t(n);
    return r;
  }
  uint64_t take_le(int k) {
    const uint8_t* b = take(uint64_t(k));
    uint64_t v = 0;
    for (int i = 0; i < k; ++i) v |= uint64_t(b[i]) << (8 * i);
    return v;
  }
  uint8_t u8() { return uint8_t(take_le(1)); }
  uint32_t u32() { return uint32_t(take_le(4)); }
  uint64_t u64() { return take_le(8); }
  std::string line() {
    size_t start = p_;
    while (p_ < n_ && d_[p_] != '\n') ++p_;
    KD_CHECK(p_ < n_, what_, ": unterminated text argument at byte ", start);
    std::string s(reinterpret_cast<const char*>(d_ + start), p_ - start);
    ++p_;
    return s;
  }
  int64_t text_int(const std::string& s, size_t at) {
    size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(s, &used);
    } catch (...) {
      used = 0;
    }
    KD_CHECK(used == s.size() && !s.empty(), what_, ": bad integer '", s, "' at byte ", at);
    return v;
  }
  PRef bytes_value(PValue::Kind k, uint64_t n) {
    PRef v = make(k);
    const uint8_t* b = take(n);
    v->bytes.assign(b, b + n);
    return v;
  }
  void push(PRef v) { stack_.push_back(v); }
  PRef top(size_t at) {
    KD_CHECK(!stack_.empty(), what_, ": empty pickle stack at byte ", at);
    return stack_.back();
  }
  PRef pop(size_t at) {
    PRef v = top(at);
    stack_.pop_back();
    return v;
  }
  PRef list_top(size_t at) {
    PRef l = top(at);
    KD_CHECK(l->kind == PValue::List, what_, ": APPEND(S) at byte ", at, " onto a ", kind_name(l->kind));
    return l;
  }
  PRef collect(PValue::Kind k, size_t at) {
    KD_CHECK(!marks_.empty(), what_, ": opcode at byte ", at, " needs a MARK, none is open");
    size_t m = marks_.back();
    marks_.pop_back();
    KD_CHECK(m <= stack_.size(), what_, ": opcode at byte ", at, " finds its MARK's items already consumed");
    PRef v = make(k);
    v->items.assign(stack_.begin() + long(m), stack_.end());
    stack_.resize(m);
    return v;
  }
  PRef memo_get(uint64_t idx, size_t at) {
    auto it = memo_.find(idx);
    KD_CHECK(it != memo_.end(), what_, ": memo entry ", idx, " read at byte ", at, " was never stored");
    return it->second;
  }
  // Python 3 writes bytes under protocol 2 as _codecs.encode(latin-1 text, "latin1") and
  // empty bytes as bytes(); both are rebuilt here, any other call is refused.
  PRef reduce(size_t at) {
    PRef args = pop(at), fn = pop(at);
    std::string name(fn->bytes.begin(), fn->bytes.end());
    KD_CHECK(fn->kind == PValue::Global && args->kind == PValue::Tuple, what_, ": REDUCE at byte ", at,
             " on a ", kind_name(fn->kind));
    if (name == "_codecs.encode" && args->items.size() == 2 && args->items[0]->kind == PValue::Str &&
        args->items[1]->kind == PValue::Str &&
        std::string(args->items[1]->bytes.begin(), args->items[1]->bytes.end()) == "latin1") {
      return latin1(*args->items[0], at);
    }
    if ((name == "__builtin__.bytes" || name == "builtins.bytes") && args->items.empty()) return make(PValue::Bytes);
    KD_FAIL(what_, ": unsupported pickle call ", name, " at byte ", at);
  }
  PRef latin1(const PValue& s, size_t at) {
    PRef v = make(PValue::Bytes);
    const auto& u = s.bytes;
    for (size_t i = 0; i < u.size(); ++i) {
      uint8_t c = u[i];
      if (c < 0x80) {
        v->bytes.push_back(c);
      } else {
        KD_CHECK((c == 0xC2 || c == 0xC3) && i + 1 < u.size(), what_, ": latin1 text at byte ", at,
                 " holds a character above U+00FF");
        v->bytes.push_back(uint8_t(((c & 0x03) << 6) | (u[i + 1] & 0x3F)));
        ++i;
      }
    }
    return v;
  }

  const uint8_t* d_;
  size_t n_, p_ = 0;
  std::string what_;
  std::vector<PRef> stack_;
  std::vector<size_t> marks_;
  std::map<uint64_t, PRef> memo_;
  std::vector<std::unique_ptr<PValue>> arena_;
};

}  // namespace

PickledBin parse_insightface_pickle(const uint8_t* data, size_t size, const std::string& what) {
  PickleReader reader(data, size, what);
  const PValue* root = reader.run();
  KD_CHECK((root->kind == PValue::Tuple || root->kind == PValue::List) && root->items.size() == 2, what,
           ": expected a pickled (images, issame) pair, found a ", kind_name(root->kind), " of ", root->items.size());
  const PValue& imgs = *root->items[0];
  const PValue& same = *root->items[1];
  KD_CHECK(imgs.kind == PValue::List || imgs.kind == PValue::Tuple, what, ": images must be a list, found a ",
           kind_name(imgs.kind));
  KD_CHECK(same.kind == PValue::List || same.kind == PValue::Tuple, what, ": issame must be a list, found a ",
           kind_name(same.kind));
  PickledBin out;
  for (size_t i = 0; i < imgs.items.size(); ++i) {
    const PValue& v = *imgs.items[i];
    KD_CHECK(v.kind == PValue::Bytes, what, ": image ", i, " is a ", kind_name(v.kind), ", expected bytes");
    out.images.push_back(v.bytes);
  }
  for (size_t i = 0; i < same.items.size(); ++i) {
    const PValue& v = *same.items[i];
    KD_CHECK((v.kind == PValue::Bool || v.kind == PValue::Int) && (v.i == 0 || v.i == 1), what, ": issame[", i,
             "] is a ", kind_name(v.kind), ", expected a bool");
    out.issame.push_back(v.i != 0);
  }
  return out;
}

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
