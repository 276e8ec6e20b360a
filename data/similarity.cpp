#include "data/similarity.h"

#include <cmath>

#include "engine/check.h"

namespace kd::data {

Landmarks5 Similarity::apply(const Landmarks5& p) const {
  Landmarks5 out;
  for (int i = 0; i < 5; ++i) {
    double x, y;
    apply(p.x[i], p.y[i], x, y);
    out.x[i] = float(x);
    out.y[i] = float(y);
  }
  return out;
}

double Similarity::scale() const { return std::hypot(a, b); }

double Similarity::angle() const { return std::atan2(b, a); }

Similarity Similarity::inverse() const {
  // Inverse of z -> s*z + t is z -> z/s - t/s, with 1/s = conj(s)/|s|^2.
  double n = a * a + b * b;
  KD_CHECK(n > 0, "Similarity::inverse: transform has zero scale (a=", a, ", b=", b, ")");
  Similarity r;
  r.a = a / n;
  r.b = -b / n;
  r.tx = -(r.a * tx - r.b * ty);
  r.ty = -(r.b * tx + r.a * ty);
  return r;
}

void Similarity::to_affine(double m[6]) const {
  m[0] = a;
  m[1] = -b;
  m[2] = tx;
  m[3] = b;
  m[4] = a;
  m[5] = ty;
}

Similarity fit_similarity(const float* sx, const float* sy, const float* dx, const float* dy, int n) {
  KD_CHECK(n >= 2, "fit_similarity: need at least 2 point pairs, got ", n);
  double msx = 0, msy = 0, mdx = 0, mdy = 0;
  for (int i = 0; i < n; ++i) {
    msx += sx[i];
    msy += sy[i];
    mdx += dx[i];
    mdy += dy[i];
  }
  msx /= n;
  msy /= n;
  mdx /= n;
  mdy /= n;
  // s = sum conj(z) w / sum |z|^2 with z, w the centred source and destination points.
  double re = 0, im = 0, var = 0;
  for (int i = 0; i < n; ++i) {
    double zx = sx[i] - msx, zy = sy[i] - msy, wx = dx[i] - mdx, wy = dy[i] - mdy;
    re += zx * wx + zy * wy;
    im += zx * wy - zy * wx;
    var += zx * zx + zy * zy;
  }
  KD_CHECK(var > 1e-12, "fit_similarity: the ", n, " source points coincide at (", msx, ", ", msy,
           "); a similarity needs at least two distinct points");
  Similarity s;
  s.a = re / var;
  s.b = im / var;
  s.tx = mdx - (s.a * msx - s.b * msy);
  s.ty = mdy - (s.b * msx + s.a * msy);
  return s;
}

Similarity fit_similarity(const Landmarks5& src, const Landmarks5& dst) {
  return fit_similarity(src.x, src.y, dst.x, dst.y, 5);
}

Landmarks5 arcface_template(int size) {
  KD_CHECK(size > 0, "arcface_template: size must be positive, got ", size);
  const Landmarks5& t = arcface_template();
  Landmarks5 out;
  double k = size / 112.0;
  for (int i = 0; i < 5; ++i) {
    out.x[i] = float(t.x[i] * k);
    out.y[i] = float(t.y[i] * k);
  }
  return out;
}

}  // namespace kd::data
