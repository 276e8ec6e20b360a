#include "data/box_alignment.h"

#include <algorithm>
#include <cmath>

#include "engine/check.h"

namespace kd::data {

double box_iou(const FaceBox& a, const FaceBox& b) {
  const double iw = std::min(a.right, b.right) - std::max(a.left, b.left);
  const double ih = std::min(a.bottom, b.bottom) - std::max(a.top, b.top);
  if (iw <= 0 || ih <= 0) return 0;
  const double inter = iw * ih, uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0;
}

FaceBox mirror_box(const FaceBox& b, int image_w) {
  // Pixel i goes to image_w - 1 - i, so the index range [l, r) goes to [w - r, w - l).
  return FaceBox{float(image_w) - b.right, b.top, float(image_w) - b.left, b.bottom};
}

// Measured by `kdface-data box-calibrate` on every 8th image of celeba/crops and every 6th
// of celeba/wild (docs/data.md, "Faces without landmarks"): each is the mean, over faces
// where dlib's landmarks and that detector's box were both found (the box overlapping dlib's,
// IoU >= 0.3), of the box mapped through the landmark alignment. Profile boxes are those of
// half-profile faces (dlib finds no full profile), the only ones with trustworthy landmarks.
const BoxGeometry& dlib_box_geometry() {
  static const BoxGeometry g{56.3, 71.1, 88.5};  // 3,020 faces
  return g;
}

const BoxGeometry& frontal_box_geometry() {
  static const BoxGeometry g{56.0, 62.9, 95.2};  // 2,932 faces
  return g;
}

const BoxGeometry& frontal_default_box_geometry() {
  static const BoxGeometry g{55.9, 63.4, 98.1};  // 2,940 faces
  return g;
}

const BoxGeometry& profile_box_geometry() {
  static const BoxGeometry g{72.2, 60.3, 105.2};  // 2,605 boxes, mirrored ones mirrored back
  return g;
}

Similarity similarity_from_box(const FaceBox& box, const BoxGeometry& g, int size, bool mirrored) {
  KD_CHECK(box.width() > 0 && box.height() > 0, "box alignment: empty face box ", box.width(), "x", box.height());
  KD_CHECK(size >= 8, "box alignment: output size must be at least 8, got ", size);
  const double k = size / 112.0;
  const double s = g.side * k / std::sqrt(box.area());
  const double cx = (mirrored ? 111.0 - g.cx : g.cx) * k, cy = g.cy * k;
  Similarity t;
  t.a = s;
  t.b = 0;
  t.tx = cx - s * box.centre_x();
  t.ty = cy - s * box.centre_y();
  return t;
}

FaceBox centre_box(int w, int h, const CenterBox& c) {
  KD_CHECK(w > 0 && h > 0, "centre crop: empty image ", w, "x", h);
  KD_CHECK(c.side > 0 && c.side <= 4 && c.cx >= 0 && c.cx <= 1 && c.cy >= 0 && c.cy <= 1,
           "centre crop: expected cx, cy in [0, 1] and side in (0, 4], got ", c.cx, ", ", c.cy, ", ", c.side);
  const double side = c.side * std::min(w, h);
  // The index range [x - side/2 + 0.5, x + side/2 + 0.5) has pixel-centre centre x.
  const double x = c.cx * w, y = c.cy * h;
  return FaceBox{float(x - side / 2), float(y - side / 2), float(x + side / 2), float(y + side / 2)};
}

}  // namespace kd::data
