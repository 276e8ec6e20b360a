#pragma once
// The fallback detectors for faces dlib's frontal HOG misses: OpenCV's Haar cascades from
// Debian's opencv-data. The profile cascade finds faces turned one way only, so it also runs
// on the mirrored image; the two frontal cascades (alt2 and default) still fire on many faces
// that are partly covered. Boxes only, no landmarks: such faces are aligned by their box
// (data/box_alignment.h). OpenCV stays behind a pimpl. The parameters and the acceptance
// rule were chosen against MTCNN's faces on the CelebA images dlib misses (docs/data.md,
// "Faces without landmarks").
#include <cstddef>  // before data/image.h, which uses size_t
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "data/box_alignment.h"
#include "data/image.h"

namespace kd::data {

enum class CascadeKind {
  Profile,         // haarcascade_profileface.xml, image and mirror
  Frontal,         // haarcascade_frontalface_alt2.xml
  FrontalDefault,  // haarcascade_frontalface_default.xml
};
const char* cascade_kind_name(CascadeKind k);  // "profile" | "frontal alt2" | "frontal default"

struct CascadeFace {
  FaceBox box;  // image pixels
  CascadeKind kind = CascadeKind::Frontal;
  bool mirrored = false;  // profile found on the mirrored image: the face looks the other way
  int neighbours = 0;     // overlapping raw detections merged into this box (OpenCV's confidence)
};

// $KDFACE_CASCADE_DIR when set, else the folder CMake found (Debian's
// /usr/share/opencv4/haarcascades).
std::string default_cascade_dir();

struct CascadeParams {
  double scale_factor = 1.05;  // pyramid step (1.1 finds a third fewer of the faces dlib misses)
  int min_neighbors = 5;       // raw detections merged into a box for detect() to keep it
  // Smallest face side searched, pixels: dlib with its 2x upsampling finds faces down to about
  // 40 px, and a smaller face makes a crop too blurred to be a high-resolution sample.
  int min_size = 40;
  // detect_largest's acceptance: a profile box needs this many neighbours, a frontal box the
  // other frontal cascade's agreement (a box of it overlapping with at least this IoU). Each
  // cascade alone fires on clothing and background too often to be trusted.
  int profile_min_neighbors = 8;
  double frontal_agree_iou = 0.3;
};

// Not thread-safe (OpenCV's cascades keep per-image state): one per thread. Copying loads
// the cascade files again (about 1 MB of XML, tens of milliseconds).
class CascadeDetector {
 public:
  explicit CascadeDetector(const std::string& dir = default_cascade_dir(), CascadeParams params = {});
  CascadeDetector(const CascadeDetector& other);
  CascadeDetector& operator=(const CascadeDetector&) = delete;
  ~CascadeDetector();

  // Every face of one kind (profile: both directions), largest first.
  std::vector<CascadeFace> detect(const Image& rgb, CascadeKind kind) const;
  // The largest accepted face (see CascadeParams) over every kind, or nothing.
  std::optional<CascadeFace> detect_largest(const Image& rgb) const;

  const CascadeParams& params() const { return params_; }
  const std::string& dir() const { return dir_; }

 private:
  struct Impl;
  std::string dir_;
  CascadeParams params_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kd::data
