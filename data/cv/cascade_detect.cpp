#include "data/cv/cascade_detect.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include "engine/check.h"

#ifndef KDFACE_OPENCV_CASCADES
#define KDFACE_OPENCV_CASCADES "/usr/share/opencv4/haarcascades"
#endif

namespace kd::data {

namespace {

const char* kProfileFile = "haarcascade_profileface.xml";
const char* kFrontalFile = "haarcascade_frontalface_alt2.xml";
const char* kFrontalDefaultFile = "haarcascade_frontalface_default.xml";

void load(cv::CascadeClassifier& c, const std::string& dir, const char* file) {
  const std::string path = (std::filesystem::path(dir) / file).string();
  std::error_code ec;
  KD_CHECK(std::filesystem::is_regular_file(path, ec), "OpenCV cascade ", path,
           " does not exist (install opencv-data, or set KDFACE_CASCADE_DIR to the folder holding ", file, ")");
  bool ok = false;
  try {
    ok = c.load(path);
  } catch (const cv::Exception& e) {
    KD_FAIL("OpenCV cascade ", path, " could not be loaded: ", e.what());
  }
  KD_CHECK(ok && !c.empty(), "OpenCV cascade ", path, " could not be loaded (not a cascade file?)");
}

}  // namespace

const char* cascade_kind_name(CascadeKind k) {
  switch (k) {
    case CascadeKind::Profile: return "profile";
    case CascadeKind::Frontal: return "frontal alt2";
    case CascadeKind::FrontalDefault: return "frontal default";
  }
  return "?";
}

std::string default_cascade_dir() {
  const char* env = std::getenv("KDFACE_CASCADE_DIR");
  return env && *env ? std::string(env) : std::string(KDFACE_OPENCV_CASCADES);
}

struct CascadeDetector::Impl {
  cv::CascadeClassifier profile, frontal, frontal_default;
};

CascadeDetector::CascadeDetector(const std::string& dir, CascadeParams params)
    : dir_(dir), params_(params), impl_(std::make_unique<Impl>()) {
  KD_CHECK(params_.scale_factor > 1.0 && params_.min_neighbors >= 1 && params_.min_size >= 8 &&
               params_.frontal_agree_iou > 0 && params_.frontal_agree_iou <= 1,
           "cascade parameters: scale_factor > 1, min_neighbors >= 1, min_size >= 8, frontal_agree_iou in (0, 1] (got ",
           params_.scale_factor, ", ", params_.min_neighbors, ", ", params_.min_size, ", ", params_.frontal_agree_iou,
           ")");
  load(impl_->profile, dir_, kProfileFile);
  load(impl_->frontal, dir_, kFrontalFile);
  load(impl_->frontal_default, dir_, kFrontalDefaultFile);
}

CascadeDetector::CascadeDetector(const CascadeDetector& other) : CascadeDetector(other.dir_, other.params_) {}

CascadeDetector::~CascadeDetector() = default;

std::vector<CascadeFace> CascadeDetector::detect(const Image& rgb, CascadeKind kind) const {
  KD_CHECK(rgb.c == 3 && !rgb.empty(), "CascadeDetector: expected a 3-channel RGB image, got ", rgb.w, "x", rgb.h, "x",
           rgb.c);
  const cv::Mat in(rgb.h, rgb.w, CV_8UC3, const_cast<uint8_t*>(rgb.px.data()));
  cv::Mat grey;
  cv::cvtColor(in, grey, cv::COLOR_RGB2GRAY);
  // The cascades were trained on histogram-equalised windows (OpenCV's own samples do this).
  cv::equalizeHist(grey, grey);
  cv::CascadeClassifier& c = kind == CascadeKind::Profile    ? impl_->profile
                             : kind == CascadeKind::Frontal ? impl_->frontal
                                                            : impl_->frontal_default;
  std::vector<CascadeFace> out;
  auto run = [&](const cv::Mat& img, bool mirrored) {
    std::vector<cv::Rect> rects;
    std::vector<int> counts;
    c.detectMultiScale(img, rects, counts, params_.scale_factor, params_.min_neighbors, 0,
                       cv::Size(params_.min_size, params_.min_size));
    for (size_t i = 0; i < rects.size(); ++i) {
      const cv::Rect& r = rects[i];
      CascadeFace f;
      f.box = FaceBox{float(r.x), float(r.y), float(r.x + r.width), float(r.y + r.height)};
      if (mirrored) f.box = mirror_box(f.box, rgb.w);
      f.kind = kind;
      f.mirrored = mirrored;
      f.neighbours = i < counts.size() ? counts[i] : 0;
      out.push_back(f);
    }
  };
  run(grey, false);
  if (kind == CascadeKind::Profile) {
    cv::Mat flipped;
    cv::flip(grey, flipped, 1);
    run(flipped, true);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const CascadeFace& a, const CascadeFace& b) { return a.box.area() > b.box.area(); });
  return out;
}

std::optional<CascadeFace> CascadeDetector::detect_largest(const Image& rgb) const {
  const std::vector<CascadeFace> profile = detect(rgb, CascadeKind::Profile);
  const std::vector<CascadeFace> alt2 = detect(rgb, CascadeKind::Frontal);
  const std::vector<CascadeFace> dflt = detect(rgb, CascadeKind::FrontalDefault);
  auto agreed = [&](const CascadeFace& f, const std::vector<CascadeFace>& other) {
    for (const CascadeFace& o : other)
      if (box_iou(f.box, o.box) >= params_.frontal_agree_iou) return true;
    return false;
  };
  std::optional<CascadeFace> best;
  auto consider = [&](const CascadeFace& f) {
    if (!best || f.box.area() > best->box.area()) best = f;
  };
  for (const CascadeFace& f : profile)
    if (f.neighbours >= params_.profile_min_neighbors) consider(f);
  for (const CascadeFace& f : alt2)
    if (agreed(f, dflt)) consider(f);
  for (const CascadeFace& f : dflt)
    if (agreed(f, alt2)) consider(f);
  return best;
}

}  // namespace kd::data
