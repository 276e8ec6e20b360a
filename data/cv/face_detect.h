#pragma once
// Face detection (dlib's frontal HOG detector) and 68-point landmarks (dlib's shape
// predictor, iBUG 300-W layout). dlib stays behind a pimpl so callers do not pay for its
// headers.
#include <cstddef>  // before data/image.h, which uses size_t
#include <memory>
#include <optional>
#include <string>

#include "data/image.h"

namespace kd::data {

struct Face68 {
  float left = 0, top = 0, right = 0, bottom = 0;  // detector box, image pixels
  float x[68] = {}, y[68] = {};                    // iBUG 68 landmarks, image pixels
  bool upsampled = false;                          // found only on the 2x pyramid level
  float area() const { return (right - left) * (bottom - top); }
};

// $KDFACE_DLIB_LANDMARKS when set, else the path CMake found (the Debian libdlib-data file).
std::string default_landmarks_model();

// Not thread-safe (dlib's detector keeps scratch buffers): give each thread its own copy.
// Copying reuses the loaded predictor (~100 MB file, read once) instead of reading it again.
class FaceDetector {
 public:
  explicit FaceDetector(const std::string& model_path = default_landmarks_model());
  FaceDetector(const FaceDetector& other);
  FaceDetector& operator=(const FaceDetector&) = delete;
  ~FaceDetector();

  // Largest face (by box area) or nothing. dlib's HOG detector misses faces smaller than
  // about 80 px, so when nothing is found on an image whose longer side is at most
  // upsample_below px, the image is upsampled 2x once and searched again.
  std::optional<Face68> detect_largest(const Image& rgb) const;

  int upsample_below = 1024;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kd::data
