#include "data/mask_bank.h"

#include <algorithm>
#include <cstring>

#include "engine/atomic_file.h"
#include "engine/check.h"

namespace kd::data {
namespace {

constexpr char kMagic[8] = {'K', 'D', 'M', 'A', 'S', 'K', 'B', '1'};
constexpr uint32_t kVersion = 1;
// Brightness matching: move the mask halfway towards the face's luminance (so the gain is
// at least 0.5 even on a black face), and brighten by at most 1.15x (white would clip).
constexpr double kPull = 0.5, kGainMax = 1.15;

uint64_t fnv1a(const char* p, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; ++i) h = (h ^ uint8_t(p[i])) * 1099511628211ULL;
  return h;
}

void put_u32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(char((v >> (8 * i)) & 0xFF));
}

struct Reader {
  const std::string& b;
  const std::string& what;
  size_t pos = 0;
  void need(size_t n, const char* field) {
    KD_CHECK(pos + n <= b.size(), what, ": mask bank truncated reading ", field, " at byte ", pos, " (file has ",
             b.size(), " bytes)");
  }
  uint32_t u32(const char* field) {
    need(4, field);
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t(uint8_t(b[pos + i])) << (8 * i);
    pos += 4;
    return v;
  }
};

inline float luma(const uint8_t* p) { return 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]; }

}  // namespace

int MaskBank::index_of(const std::string& name) const {
  std::string known;
  for (size_t i = 0; i < masks.size(); ++i) {
    if (masks[i].name == name) return int(i);
    known += (i ? ", " : "") + masks[i].name;
  }
  KD_FAIL("no mask called '", name, "' in the bank (have: ", known, ")");
}

MaskEntry make_mask_entry(const std::string& name, Image rgba) {
  KD_CHECK(!name.empty() && name.size() < 256, "mask name must have 1..255 characters, got '", name, "'");
  KD_CHECK(rgba.c == 4 && rgba.w > 0 && rgba.h > 0 && rgba.px.size() == size_t(rgba.w) * rgba.h * 4, "mask '", name,
           "' must be a non-empty RGBA image, got ", rgba.w, "x", rgba.h, "x", rgba.c);
  MaskEntry e;
  e.name = name;
  e.y0 = rgba.h;
  e.y1 = 0;
  double sa = 0, sl = 0;
  for (int y = 0; y < rgba.h; ++y)
    for (int x = 0; x < rgba.w; ++x) {
      const uint8_t* p = &rgba.px[(size_t(y) * rgba.w + x) * 4];
      if (p[3] == 0) continue;
      e.y0 = std::min(e.y0, y);
      e.y1 = std::max(e.y1, y + 1);
      sa += p[3];
      sl += p[3] * double(luma(p));
    }
  KD_CHECK(sa > 0, "mask '", name, "' is fully transparent");
  e.luma = sl / sa;
  e.rgba = std::move(rgba);
  return e;
}

void MaskBank::add(const std::string& name, Image rgba) {
  KD_CHECK(rgba.c == 4 && rgba.w == size && rgba.h == size, "mask '", name, "' must be ", size, "x", size,
           "x4 RGBA, got ", rgba.w, "x", rgba.h, "x", rgba.c);
  for (auto& m : masks) KD_CHECK(m.name != name, "mask '", name, "' is already in the bank");
  masks.push_back(make_mask_entry(name, std::move(rgba)));
}

std::string serialize_mask_bank(const MaskBank& bank) {
  std::string s(kMagic, 8);
  put_u32(s, kVersion);
  put_u32(s, uint32_t(bank.size));
  put_u32(s, uint32_t(bank.masks.size()));
  for (auto& m : bank.masks) {
    put_u32(s, uint32_t(m.name.size()));
    s += m.name;
    s.append(reinterpret_cast<const char*>(m.rgba.px.data()), m.rgba.px.size());
  }
  const uint64_t h = fnv1a(s.data(), s.size());
  for (int i = 0; i < 8; ++i) s.push_back(char((h >> (8 * i)) & 0xFF));
  return s;
}

MaskBank parse_mask_bank(const std::string& b, const std::string& what) {
  Reader r{b, what};
  r.need(8, "magic");
  KD_CHECK(std::memcmp(b.data(), kMagic, 8) == 0, what, ": not a kdface mask bank (magic is not KDMASKB1)");
  r.pos = 8;
  const uint32_t version = r.u32("version");
  KD_CHECK(version == kVersion, what, ": mask bank version ", version, ", this build reads version ", kVersion);
  MaskBank bank;
  bank.size = int(r.u32("size"));
  KD_CHECK(bank.size >= 16 && bank.size <= 1024, what, ": mask size ", bank.size, " is outside 16..1024");
  const uint32_t count = r.u32("count");
  KD_CHECK(count >= 1 && count <= 4096, what, ": mask count ", count, " is outside 1..4096");
  const size_t px = size_t(bank.size) * bank.size * 4;
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t len = r.u32("name length");
    KD_CHECK(len >= 1 && len < 256, what, ": mask ", i, " has a name length of ", len, " (expected 1..255)");
    r.need(len, "name");
    std::string name = b.substr(r.pos, len);
    r.pos += len;
    r.need(px, "pixels");
    Image im(bank.size, bank.size, 4);
    std::memcpy(im.px.data(), b.data() + r.pos, px);
    r.pos += px;
    try {
      bank.add(name, std::move(im));  // its errors (duplicate name, fully transparent) lack the file
    } catch (const Error& e) {
      KD_FAIL(what, ": mask ", i, ": ", e.what());
    }
  }
  r.need(8, "hash");
  uint64_t stored = 0;
  for (int i = 0; i < 8; ++i) stored |= uint64_t(uint8_t(b[r.pos + i])) << (8 * i);
  KD_CHECK(stored == fnv1a(b.data(), r.pos), what, ": mask bank hash mismatch (file corrupt)");
  KD_CHECK(r.pos + 8 == b.size(), what, ": ", b.size() - r.pos - 8, " unexpected bytes after the mask bank");
  return bank;
}

void save_mask_bank(const MaskBank& bank, const std::string& path) {
  KD_CHECK(!bank.masks.empty(), "save_mask_bank: refusing to write an empty bank to ", path);
  write_file_atomic(path, serialize_mask_bank(bank));
}

MaskBank load_mask_bank(const std::string& path) { return parse_mask_bank(read_file(path), path); }

double mask_brightness_gain(const Image& face, const MaskEntry& mask) {
  KD_CHECK(face.c == 3 && face.w == mask.rgba.w && face.h == mask.rgba.h, "apply_mask: face must be ",
           mask.rgba.w, "x", mask.rgba.h, " RGB to take mask '", mask.name, "', got ", face.w, "x", face.h, "x",
           face.c);
  double sa = 0, sl = 0;
  const int w = face.w;
  for (int y = mask.y0; y < mask.y1; ++y) {
    const uint8_t* m = mask.rgba.row(y);
    const uint8_t* f = face.row(y);
    for (int x = 0; x < w; ++x) {
      const float a = m[4 * x + 3];
      sa += a;
      sl += a * luma(f + 3 * x);
    }
  }
  const double lf = sl / sa, lm = std::max(mask.luma, 1.0);
  return std::min((lm + kPull * (lf - lm)) / lm, kGainMax);
}

void apply_mask(Image& face, const MaskEntry& mask) {
  const float g = float(mask_brightness_gain(face, mask));
  const int w = face.w;
  for (int y = mask.y0; y < mask.y1; ++y) {
    const uint8_t* m = mask.rgba.row(y);
    uint8_t* f = face.row(y);
    for (int x = 0; x < w; ++x) {
      const float a = m[4 * x + 3] * (1.0f / 255.0f);
      for (int c = 0; c < 3; ++c) {
        const float mc = std::min(255.f, g * m[4 * x + c]);
        f[3 * x + c] = uint8_t(int(a * mc + (1.f - a) * f[3 * x + c] + 0.5f));
      }
    }
  }
}

}  // namespace kd::data
