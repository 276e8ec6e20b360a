#pragma once
// Alignment by a face box alone, for faces whose landmarks cannot be trusted (profiles and
// partly covered faces found by a cascade, and the centre crop of --on-miss center): a
// similarity with scale and translation only, no rotation, that takes the box onto where that
// detector's box lands in the ArcFace template on faces where landmarks were found too.
// Pure maths (no OpenCV), like data/similarity.h. docs/data.md, "Faces without landmarks".
#include <cstddef>

#include "data/similarity.h"

namespace kd::data {

// A box in image pixels as an index range: columns [left, right), rows [top, bottom). With
// pixel centres at integers it spans [left - 0.5, right - 0.5] in x.
struct FaceBox {
  float left = 0, top = 0, right = 0, bottom = 0;
  float width() const { return right - left; }
  float height() const { return bottom - top; }
  double centre_x() const { return (double(left) + right - 1) / 2; }
  double centre_y() const { return (double(top) + bottom - 1) / 2; }
  double area() const { return double(width()) * height(); }
};

// Intersection over union of two boxes (0 when either is empty).
double box_iou(const FaceBox& a, const FaceBox& b);

// The box of the same face in the mirrored image (x -> image_w - 1 - x).
FaceBox mirror_box(const FaceBox& b, int image_w);

// Where a detector's box lands in the 112x112 template: centre (pixel-centre coordinates) and
// side, as measured by `kdface-data box-calibrate`.
struct BoxGeometry {
  double cx = 0, cy = 0, side = 0;
};

// The calibrated geometries (docs/data.md has how they were measured):
const BoxGeometry& dlib_box_geometry();     // dlib's HOG box; also the centre crop's target
const BoxGeometry& frontal_box_geometry();          // OpenCV haarcascade_frontalface_alt2
const BoxGeometry& frontal_default_box_geometry();  // OpenCV haarcascade_frontalface_default
// OpenCV haarcascade_profileface, for a face found on the image as given; a face found on
// the mirrored image looks the other way and takes the mirrored geometry (mirrored = true).
const BoxGeometry& profile_box_geometry();

// Scale + translation taking box onto g in a size x size output (the 112 frame scaled about
// the origin, as arcface_template(size) is): scale = g.side / sqrt(w * h), the box centre onto
// (g.cx, g.cy), or onto (111 - g.cx, g.cy) when mirrored. Throws for an empty box.
Similarity similarity_from_box(const FaceBox& box, const BoxGeometry& g, int size, bool mirrored = false);

// Where the face of a pre-cropped image is taken to be when no detector finds it
// (--on-miss center): a square of side `side` x the shorter image side, centred at
// (cx * w - 0.5, cy * h - 0.5) in pixel-centre coordinates. The default is the centred square
// of 0.6 x the shorter side; `kdface-data box-calibrate` measures a set's own.
struct CenterBox {
  double cx = 0.5, cy = 0.5, side = 0.6;
};
FaceBox centre_box(int w, int h, const CenterBox& c);

}  // namespace kd::data
