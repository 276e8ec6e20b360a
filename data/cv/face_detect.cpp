#include "data/cv/face_detect.h"

#include <cstdlib>
#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_transforms.h>
#include <filesystem>

#include "engine/check.h"

#ifndef KDFACE_DLIB_LANDMARKS
#define KDFACE_DLIB_LANDMARKS "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"
#endif

namespace kd::data {

std::string default_landmarks_model() {
  const char* env = std::getenv("KDFACE_DLIB_LANDMARKS");
  return env && *env ? std::string(env) : std::string(KDFACE_DLIB_LANDMARKS);
}

struct FaceDetector::Impl {
  dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();
  dlib::shape_predictor predictor;
};

FaceDetector::FaceDetector(const std::string& model_path) : impl_(std::make_unique<Impl>()) {
  std::error_code ec;
  KD_CHECK(std::filesystem::is_regular_file(model_path, ec), "dlib landmark model ", model_path,
           " does not exist (install libdlib-data, or set KDFACE_DLIB_LANDMARKS to "
           "shape_predictor_68_face_landmarks.dat)");
  try {
    dlib::deserialize(model_path) >> impl_->predictor;
  } catch (const std::exception& e) {
    KD_FAIL("dlib landmark model ", model_path, " could not be loaded: ", e.what());
  }
  KD_CHECK(impl_->predictor.num_parts() == 68, "dlib landmark model ", model_path, " predicts ",
           impl_->predictor.num_parts(), " points, expected the 68-point iBUG model");
}

FaceDetector::FaceDetector(const FaceDetector& other)
    : upsample_below(other.upsample_below), impl_(std::make_unique<Impl>()) {
  impl_->predictor = other.impl_->predictor;
}

FaceDetector::~FaceDetector() = default;

namespace {

dlib::array2d<dlib::rgb_pixel> to_dlib(const Image& img) {
  KD_CHECK(img.c == 3 && !img.empty(), "FaceDetector: expected a 3-channel RGB image, got ", img.w, "x",
           img.h, "x", img.c);
  dlib::array2d<dlib::rgb_pixel> a(img.h, img.w);
  for (int y = 0; y < img.h; ++y) {
    const uint8_t* r = img.row(y);
    for (int x = 0; x < img.w; ++x) a[y][x] = dlib::rgb_pixel(r[3 * x], r[3 * x + 1], r[3 * x + 2]);
  }
  return a;
}

const dlib::rectangle* largest(const std::vector<dlib::rectangle>& boxes) {
  const dlib::rectangle* best = nullptr;
  for (auto& b : boxes)
    if (!best || b.area() > best->area()) best = &b;
  return best;
}

}  // namespace

std::optional<Face68> FaceDetector::detect_largest(const Image& rgb) const {
  dlib::array2d<dlib::rgb_pixel> img = to_dlib(rgb);
  std::vector<dlib::rectangle> boxes = impl_->detector(img);
  dlib::full_object_detection shape;
  dlib::rectangle box;
  double kx = 1, ky = 1;  // searched-image pixels per original pixel
  if (const dlib::rectangle* b = largest(boxes)) {
    box = *b;
    shape = impl_->predictor(img, box);
  } else if (std::max(rgb.w, rgb.h) <= upsample_below) {
    dlib::array2d<dlib::rgb_pixel> up;
    dlib::pyramid_up(img, up, dlib::pyramid_down<2>());
    boxes = impl_->detector(up);
    const dlib::rectangle* b2 = largest(boxes);
    if (!b2) return std::nullopt;
    box = *b2;
    // Landmarks come from the upsampled image too: dlib returns integer points, so this
    // halves their rounding error on the small faces that needed the upsampling.
    shape = impl_->predictor(up, box);
    // pyramid_up is a bilinear resize_image, which lines up the corner pixel centres.
    kx = double(up.nc() - 1) / std::max(1, rgb.w - 1);
    ky = double(up.nr() - 1) / std::max(1, rgb.h - 1);
  } else {
    return std::nullopt;
  }
  Face68 f;
  f.left = float(box.left() / kx);
  f.top = float(box.top() / ky);
  f.right = float((box.right() + 1) / kx);
  f.bottom = float((box.bottom() + 1) / ky);
  f.upsampled = kx != 1;
  for (int i = 0; i < 68; ++i) {
    f.x[i] = float(shape.part(i).x() / kx);
    f.y[i] = float(shape.part(i).y() / ky);
  }
  return f;
}

}  // namespace kd::data
