// The subset of Python's pickle format that insightface's verification .bin files use
// (parse_insightface_pickle in data/pairs.h). Kept apart from the text-format readers in
// data/pairs.cpp because it is a small byte-code interpreter of its own.
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "data/pairs.h"
#include "engine/check.h"

namespace kd::data {

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

}  // namespace kd::data
