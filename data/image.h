#pragma once
// 8-bit images as every data stage passes them: interleaved channels in RGB(A) order,
// rows tightly packed. OpenCV is BGR; data/cv/ converts at its boundary so nothing else
// has to remember which order a buffer is in.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace kd::data {

struct Image {
  int w = 0, h = 0, c = 0;  // c: 1 (grey), 3 (RGB) or 4 (RGBA)
  std::vector<uint8_t> px;  // (h, w, c)

  Image() = default;
  Image(int w_, int h_, int c_) : w(w_), h(h_), c(c_), px(size_t(w_) * h_ * c_) {}
  bool empty() const { return px.empty(); }
  uint8_t* row(int y) { return px.data() + size_t(y) * w * c; }
  const uint8_t* row(int y) const { return px.data() + size_t(y) * w * c; }
  uint8_t& at(int x, int y, int ch) { return px[(size_t(y) * w + x) * c + ch]; }
  uint8_t at(int x, int y, int ch) const { return px[(size_t(y) * w + x) * c + ch]; }
};

// Five landmarks in image pixels: left eye, right eye, nose tip, left and right mouth
// corner ("left" = image left), the order of the ArcFace template.
struct Landmarks5 {
  float x[5] = {}, y[5] = {};
};

// The standard 112x112 ArcFace template (insightface), same order as Landmarks5.
inline const Landmarks5& arcface_template() {
  static const Landmarks5 t{{38.2946f, 73.5318f, 56.0252f, 41.5493f, 70.7299f},
                            {51.6963f, 51.5014f, 71.7366f, 92.3655f, 92.2041f}};
  return t;
}

}  // namespace kd::data
