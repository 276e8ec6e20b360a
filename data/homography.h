#pragma once
// Plane homographies fitted to point correspondences: what places a mask template on a
// face. cv::findHomography lives in calib3d, which this project does not use, and
// cv::getPerspectiveTransform takes exactly four points; the mask configs give six.
#include <array>

namespace kd::data {

// Row-major 3x3, maps (x, y, 1) -> (x', y', w'), point = (x'/w', y'/w').
using Homography = std::array<double, 9>;

// Least-squares DLT with Hartley normalisation (both point sets moved to centroid 0 and
// mean distance sqrt 2): minimise |A h| over |h| = 1 for the 2n x 9 system of the n >= 4
// correspondences, h = eigenvector of A^T A with the smallest eigenvalue (Jacobi
// eigen-decomposition). Exact for four points in general position. Throws on degenerate
// input (coincident or collinear points).
Homography fit_homography(const double* src_x, const double* src_y, const double* dst_x, const double* dst_y,
                          int n);

void apply_homography(const Homography& h, double x, double y, double& ox, double& oy);
Homography invert_homography(const Homography& h);  // throws when singular

}  // namespace kd::data
