#pragma once
// Faces from image files for the tools that take photos (kdface-verify, kdface-embed): each
// file aligned with the wild preset (dlib, then the profile and frontal cascades), or taken
// as an already aligned 112x112 face.
#include <optional>
#include <string>

#include "data/cv/cascade_detect.h"
#include "data/cv/face_detect.h"
#include "data/image.h"

namespace kd::faceinput {

struct Face {
  data::Image image;   // 112x112 RGB
  std::string method;  // align_method_name, or "given" (already aligned)
};

// Not thread-safe (the detectors keep scratch state): one per thread. Copying reuses the
// loaded landmark model.
class FaceLoader {
 public:
  explicit FaceLoader(bool aligned);
  FaceLoader(const FaceLoader& other);
  FaceLoader& operator=(const FaceLoader&) = delete;

  // Throws naming the file: missing, not an image, no face found, or (aligned) not 112x112.
  Face load(const std::string& path) const;

 private:
  bool aligned_;
  std::optional<data::FaceDetector> det_;
  std::optional<data::CascadeDetector> cascades_;
};

}  // namespace kd::faceinput
