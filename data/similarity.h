#pragma once
// 2-D similarity transforms (rotation, uniform scale, translation; never a reflection) and
// their least-squares fit to point correspondences. Pure maths, no OpenCV, so the loader and
// the mask code can map landmarks without linking the CV stack.
// <cstddef> first: data/image.h uses size_t but includes only <cstdint>.
#include <cstddef>

#include "data/image.h"

namespace kd::data {

// x' = a*x - b*y + tx,  y' = b*x + a*y + ty   (scale = |a + ib|, angle = arg(a + ib))
struct Similarity {
  double a = 1, b = 0, tx = 0, ty = 0;

  void apply(double x, double y, double& ox, double& oy) const {
    ox = a * x - b * y + tx;
    oy = b * x + a * y + ty;
  }
  Landmarks5 apply(const Landmarks5& p) const;
  double scale() const;
  double angle() const;  // radians
  Similarity inverse() const;
  // Row-major 2x3 affine matrix [a -b tx; b a ty], the form cv::warpAffine takes.
  void to_affine(double m[6]) const;
};

// Least-squares similarity taking src[i] onto dst[i] (Umeyama 1991 restricted to 2-D with
// det R = +1). Written with complex numbers z = x + iy: minimise sum |s*z_i + t - w_i|^2 over
// complex s, t; with centred points s = sum conj(z_i) w_i / sum |z_i|^2. That is exactly
// Umeyama's rotation*scale when reflections are excluded. Throws when the source points all
// coincide (no scale can be recovered).
Similarity fit_similarity(const float* src_x, const float* src_y, const float* dst_x,
                          const float* dst_y, int n);
Similarity fit_similarity(const Landmarks5& src, const Landmarks5& dst);

// The ArcFace 112x112 template scaled to a size x size output (scaled about the origin, so
// 112 returns the template unchanged).
Landmarks5 arcface_template(int size);

}  // namespace kd::data
