#pragma once
// Masked-face synthesis for aligned faces without OpenCV: a bank of mask templates already
// warped into the aligned 112x112 frame (made once by `kdface-data mask-bank`, which needs
// OpenCV), and the per-face alpha blend with brightness matching. Rules in docs/data.md,
// "Masks".
#include <cstddef>  // before data/image.h, which uses size_t
#include <cstdint>
#include <string>
#include <vector>

#include "data/image.h"

namespace kd::data {

struct MaskEntry {
  std::string name;  // template name from masks.cfg, e.g. "surgical_left"
  Image rgba;        // (size, size, 4), straight (not premultiplied) alpha
  // Cached for apply_mask: rows [y0, y1) hold every pixel with alpha > 0, and the mask's
  // alpha-weighted mean luminance (BT.601, 0..255).
  int y0 = 0, y1 = 0;
  double luma = 0;
};

// A mask of any size with its cached fields (the per-face slow path warps one per face).
MaskEntry make_mask_entry(const std::string& name, Image rgba);

struct MaskBank {
  int size = 112;
  std::vector<MaskEntry> masks;

  // Index of the mask called name; the error lists the names there are.
  int index_of(const std::string& name) const;
  void add(const std::string& name, Image rgba);  // computes the cached fields; checks the size
};

// Binary file: "KDMASKB1", u32 version (1), u32 size, u32 count, then per mask u32 name
// length, name bytes, size*size*4 RGBA bytes; then a u64 FNV-1a hash of everything before
// it. Little-endian. Written atomically.
void save_mask_bank(const MaskBank& bank, const std::string& path);
// Errors name the file and what is wrong (magic, version, truncation, hash mismatch).
MaskBank load_mask_bank(const std::string& path);
MaskBank parse_mask_bank(const std::string& bytes, const std::string& what_for_errors);
std::string serialize_mask_bank(const MaskBank& bank);

// Blends mask over face in place: out = a * g * m + (1 - a) * f per channel, a = alpha/255,
// m clipped at 255, with the brightness gain g = min((Lm + 0.5 (Lf - Lm)) / Lm, 1.15) where
// Lm is the mask's and Lf the face's alpha-weighted mean luminance (BT.601) under the mask.
// face: RGB, same size as the mask.
void apply_mask(Image& face, const MaskEntry& mask);

// The brightness gain apply_mask would use on this face (exposed for tests and docs).
double mask_brightness_gain(const Image& face, const MaskEntry& mask);

}  // namespace kd::data
