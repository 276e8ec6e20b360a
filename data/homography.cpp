#include "data/homography.h"

#include <cmath>
#include <vector>

#include "engine/check.h"

namespace kd::data {
namespace {

// Similarity moving points to centroid 0, mean distance sqrt(2): keeps A^T A well
// conditioned when coordinates are hundreds of pixels.
std::array<double, 9> normaliser(const double* x, const double* y, int n) {
  double cx = 0, cy = 0;
  for (int i = 0; i < n; ++i) cx += x[i], cy += y[i];
  cx /= n;
  cy /= n;
  double d = 0;
  for (int i = 0; i < n; ++i) d += std::hypot(x[i] - cx, y[i] - cy);
  d /= n;
  KD_CHECK(d > 1e-9, "fit_homography: all ", n, " points coincide");
  const double s = std::sqrt(2.0) / d;
  return {s, 0, -s * cx, 0, s, -s * cy, 0, 0, 1};
}

std::array<double, 9> mul3(const std::array<double, 9>& a, const std::array<double, 9>& b) {
  std::array<double, 9> r{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) r[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
  return r;
}

// Cyclic Jacobi on a symmetric 9x9: returns the eigenvector of the smallest eigenvalue.
std::array<double, 9> smallest_eigenvector(double m[9][9], double& smallest, double& second) {
  double v[9][9] = {};
  for (int i = 0; i < 9; ++i) v[i][i] = 1;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0;
    for (int p = 0; p < 9; ++p)
      for (int q = p + 1; q < 9; ++q) off += m[p][q] * m[p][q];
    if (off < 1e-30) break;
    for (int p = 0; p < 9; ++p)
      for (int q = p + 1; q < 9; ++q) {
        if (std::fabs(m[p][q]) < 1e-300) continue;
        const double theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
        const double t = (theta >= 0 ? 1 : -1) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < 9; ++k) {  // columns p, q
          const double mkp = m[k][p], mkq = m[k][q];
          m[k][p] = c * mkp - s * mkq;
          m[k][q] = s * mkp + c * mkq;
        }
        for (int k = 0; k < 9; ++k) {  // rows p, q
          const double mpk = m[p][k], mqk = m[q][k];
          m[p][k] = c * mpk - s * mqk;
          m[q][k] = s * mpk + c * mqk;
        }
        for (int k = 0; k < 9; ++k) {
          const double vkp = v[k][p], vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
  }
  int best = 0;
  for (int i = 1; i < 9; ++i)
    if (m[i][i] < m[best][best]) best = i;
  second = 1e300;
  for (int i = 0; i < 9; ++i)
    if (i != best && m[i][i] < second) second = m[i][i];
  smallest = m[best][best];
  std::array<double, 9> h;
  for (int k = 0; k < 9; ++k) h[k] = v[k][best];
  return h;
}

}  // namespace

Homography fit_homography(const double* src_x, const double* src_y, const double* dst_x, const double* dst_y,
                          int n) {
  KD_CHECK(n >= 4, "fit_homography: needs at least 4 correspondences, got ", n);
  const auto ts = normaliser(src_x, src_y, n), td = normaliser(dst_x, dst_y, n);
  double ata[9][9] = {};
  for (int i = 0; i < n; ++i) {
    const double x = ts[0] * src_x[i] + ts[2], y = ts[4] * src_y[i] + ts[5];
    const double u = td[0] * dst_x[i] + td[2], v = td[4] * dst_y[i] + td[5];
    // Two rows of A per correspondence: h1.p - u h3.p = 0 and h2.p - v h3.p = 0.
    const double r1[9] = {x, y, 1, 0, 0, 0, -u * x, -u * y, -u};
    const double r2[9] = {0, 0, 0, x, y, 1, -v * x, -v * y, -v};
    for (int a = 0; a < 9; ++a)
      for (int b = 0; b < 9; ++b) ata[a][b] += r1[a] * r1[b] + r2[a] * r2[b];
  }
  double smallest = 0, second = 0;
  const auto hn = smallest_eigenvector(ata, smallest, second);
  // A one-dimensional null space is what makes the fit unique; collinear points leave two.
  KD_CHECK(second > 1e-9, "fit_homography: degenerate correspondences (collinear or repeated points)");
  // H = Td^-1 * Hn * Ts
  const double si = 1 / td[0];
  const std::array<double, 9> td_inv = {si, 0, -td[2] * si, 0, si, -td[5] * si, 0, 0, 1};
  Homography h = mul3(mul3(td_inv, hn), ts);
  KD_CHECK(std::fabs(h[8]) > 1e-12, "fit_homography: fitted homography sends the origin to infinity");
  for (double& e : h) e /= h[8];
  return h;
}

void apply_homography(const Homography& h, double x, double y, double& ox, double& oy) {
  const double w = h[6] * x + h[7] * y + h[8];
  ox = (h[0] * x + h[1] * y + h[2]) / w;
  oy = (h[3] * x + h[4] * y + h[5]) / w;
}

Homography invert_homography(const Homography& m) {
  Homography r;
  r[0] = m[4] * m[8] - m[5] * m[7];
  r[1] = m[2] * m[7] - m[1] * m[8];
  r[2] = m[1] * m[5] - m[2] * m[4];
  r[3] = m[5] * m[6] - m[3] * m[8];
  r[4] = m[0] * m[8] - m[2] * m[6];
  r[5] = m[2] * m[3] - m[0] * m[5];
  r[6] = m[3] * m[7] - m[4] * m[6];
  r[7] = m[1] * m[6] - m[0] * m[7];
  r[8] = m[0] * m[4] - m[1] * m[3];
  const double det = m[0] * r[0] + m[1] * r[3] + m[2] * r[6];
  KD_CHECK(std::fabs(det) > 1e-15, "invert_homography: singular matrix (det ", det, ")");
  for (double& e : r) e /= det;
  return r;
}

}  // namespace kd::data
