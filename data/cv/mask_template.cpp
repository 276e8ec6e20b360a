#include "data/cv/mask_template.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "data/homography.h"
#include "engine/check.h"

namespace fs = std::filesystem;

namespace kd::data {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// x where the polyline through points [from..to] (stepping by dir) crosses height y, or
// the polyline point nearest in height when it never does.
double jaw_x_at(const float* x68, const float* y68, int from, int to, double y) {
  const int step = to > from ? 1 : -1;
  int nearest = from;
  for (int i = from; i != to; i += step) {
    const double y0 = y68[i], y1 = y68[i + step];
    if ((y0 - y) * (y1 - y) <= 0 && y0 != y1) return x68[i] + (y - y0) / (y1 - y0) * (x68[i + step] - x68[i]);
    if (std::fabs(y68[i + step] - y) < std::fabs(y68[nearest] - y)) nearest = i + step;
  }
  return x68[nearest];
}

}  // namespace

std::vector<MaskTemplate> read_mask_config(const std::string& cfg_path) {
  std::ifstream in(cfg_path);
  KD_CHECK(in, "cannot open mask config ", cfg_path);
  const fs::path dir = fs::path(cfg_path).parent_path();
  struct Section {
    std::string name, tmpl;
    int line = 0;
    std::map<std::string, std::pair<double, double>> pts;
  };
  std::vector<Section> sections;
  std::string raw;
  for (int ln = 1; std::getline(in, raw); ++ln) {
    std::string s = trim(raw);
    if (s.empty() || s[0] == ';' || s[0] == '#') continue;
    if (s[0] == '[') {
      KD_CHECK(s.back() == ']', cfg_path, ":", ln, ": malformed section header '", s, "'");
      sections.push_back({trim(s.substr(1, s.size() - 2)), "", ln, {}});
      continue;
    }
    KD_CHECK(!sections.empty(), cfg_path, ":", ln, ": key outside any [section]: '", s, "'");
    const auto colon = s.find(':');
    KD_CHECK(colon != std::string::npos, cfg_path, ":", ln, ": expected 'key: value', got '", s, "'");
    const std::string key = trim(s.substr(0, colon)), val = trim(s.substr(colon + 1));
    Section& sec = sections.back();
    if (key == "template") {
      sec.tmpl = val;
    } else if (key.size() == 6 && key.rfind("mask_", 0) == 0 && key[5] >= 'a' && key[5] <= 'f') {
      double x = 0, y = 0;
      char comma = 0, extra = 0;
      std::istringstream vs(val);
      KD_CHECK((vs >> x >> comma >> y) && comma == ',' && !(vs >> extra), cfg_path, ":", ln, ": [", sec.name,
               "] ", key, " must be 'x, y', got '", val, "'");
      sec.pts[key] = {x, y};
    } else {
      KD_FAIL(cfg_path, ":", ln, ": [", sec.name, "] unknown key '", key, "' (expected template, mask_a .. mask_f)");
    }
  }
  std::vector<MaskTemplate> out;
  for (auto& sec : sections) {
    if (sec.tmpl.empty()) {
      KD_CHECK(sec.pts.empty(), cfg_path, ":", sec.line, ": [", sec.name, "] has points but no template line");
      continue;
    }
    MaskTemplate t;
    t.name = sec.name;
    for (int k = 0; k < 6; ++k) {
      const std::string key = std::string("mask_") + char('a' + k);
      auto it = sec.pts.find(key);
      KD_CHECK(it != sec.pts.end(), cfg_path, ":", sec.line, ": [", sec.name, "] is missing ", key);
      t.pts.x[k] = it->second.first;
      t.pts.y[k] = it->second.second;
    }
    const fs::path rel(sec.tmpl);
    const fs::path tries[3] = {dir.parent_path() / rel, dir / rel, dir / "templates" / rel.filename()};
    for (auto& p : tries)
      if (fs::is_regular_file(p)) {
        t.path = p.string();
        break;
      }
    KD_CHECK(!t.path.empty(), cfg_path, ":", sec.line, ": [", sec.name, "] template ", sec.tmpl, " not found (tried ",
             tries[0].string(), ", ", tries[1].string(), ", ", tries[2].string(), ")");
    for (auto& o : out) KD_CHECK(o.name != t.name, cfg_path, ":", sec.line, ": section [", t.name, "] appears twice");
    out.push_back(std::move(t));
  }
  KD_CHECK(!out.empty(), cfg_path, ": no mask templates found");
  return out;
}

std::string default_mask_config() {
  if (const char* e = std::getenv("KDFACE_MASKS_CFG")) return e;
  return "../shared/data/masks/masks.cfg";
}

MaskPoints mask_points_from_68(const float* x68, const float* y68) {
  MaskPoints p;
  const double y_nose = y68[30], y_lip = y68[57];
  p.x[0] = jaw_x_at(x68, y68, 0, 8, y_nose);
  p.y[0] = y_nose;
  p.x[1] = x68[28];
  p.y[1] = y68[28];
  p.x[2] = jaw_x_at(x68, y68, 16, 8, y_nose);
  p.y[2] = y_nose;
  p.x[3] = jaw_x_at(x68, y68, 0, 8, y_lip);
  p.y[3] = y_lip;
  p.x[4] = x68[8];
  p.y[4] = y68[8];
  p.x[5] = jaw_x_at(x68, y68, 16, 8, y_lip);
  p.y[5] = y_lip;
  return p;
}

const MaskPoints& aligned_mean_mask_points() {
  // Measured, not designed: `kdface-data align --preset wild` on every 10th image of
  // ../shared/data/celeba/wild (630 images, 587 aligned), then `kdface-data mask-points` on
  // its landmarks.tsv (mean of mask_points_from_68 in the 112x112 frame). The jaw points'
  // x spread is about 9.5 px (head yaw), the rest 2-3.5 px. The chin lies below the frame:
  // the homography carries the mask's lower part past the edge, where it is clipped.
  static const MaskPoints p{{17.60, 55.78, 95.31, 26.80, 56.31, 86.31}, {73.25, 59.02, 73.25, 99.77, 119.02, 99.77}};
  return p;
}

Image load_mask_template(const MaskTemplate& t) {
  cv::Mat m = cv::imread(t.path, cv::IMREAD_UNCHANGED);
  KD_CHECK(!m.empty(), "mask template [", t.name, "]: cannot read ", t.path);
  KD_CHECK(m.depth() == CV_8U && m.channels() == 4, "mask template [", t.name, "]: ", t.path,
           " must be 8-bit RGBA, got ", m.channels(), " channels of depth ", m.depth());
  cv::Mat rgba;
  cv::cvtColor(m, rgba, cv::COLOR_BGRA2RGBA);
  Image img(rgba.cols, rgba.rows, 4);
  for (int y = 0; y < rgba.rows; ++y) std::copy(rgba.ptr<uint8_t>(y), rgba.ptr<uint8_t>(y) + rgba.cols * 4, img.row(y));
  return img;
}

struct MaskWarper::Levels {
  std::vector<cv::Mat> mats;  // CV_32FC4 premultiplied; mats[k+1] is mats[k] halved (INTER_AREA)
};

MaskWarper::MaskWarper(const Image& tmpl, const MaskTemplate& t) : t_(t), levels_(std::make_unique<Levels>()) {
  KD_CHECK(tmpl.c == 4 && !tmpl.empty(), "warp_mask: template [", t.name, "] must be RGBA");
  cv::Mat pm(tmpl.h, tmpl.w, CV_32FC4);
  for (int y = 0; y < tmpl.h; ++y) {
    const uint8_t* s = tmpl.row(y);
    float* d = pm.ptr<float>(y);
    for (int x = 0; x < tmpl.w; ++x) {
      const float a = s[4 * x + 3] * (1.f / 255.f);
      for (int c = 0; c < 3; ++c) d[4 * x + c] = s[4 * x + c] * a;
      d[4 * x + 3] = s[4 * x + 3];
    }
  }
  levels_->mats.push_back(pm);
  while (std::min(levels_->mats.back().cols, levels_->mats.back().rows) >= 64) {
    cv::Mat half;
    const cv::Mat& last = levels_->mats.back();
    cv::resize(last, half, cv::Size((last.cols + 1) / 2, (last.rows + 1) / 2), 0, 0, cv::INTER_AREA);
    levels_->mats.push_back(half);
  }
}

MaskWarper::~MaskWarper() = default;
MaskWarper::MaskWarper(MaskWarper&&) noexcept = default;

Image MaskWarper::warp(const MaskPoints& face, int out_w, int out_h) const {
  KD_CHECK(out_w > 0 && out_h > 0, "warp_mask: output size must be positive, got ", out_w, "x", out_h);
  // Shrinking 5-10x with one bilinear warp would alias (stripes, ragged edges): area-resize
  // to about twice the final scale first, then warp.
  const MaskTemplate& t = t_;
  const double span_t = std::hypot(t.pts.x[2] - t.pts.x[0], t.pts.y[2] - t.pts.y[0]) +
                        std::hypot(t.pts.x[4] - t.pts.x[1], t.pts.y[4] - t.pts.y[1]);
  const double span_f = std::hypot(face.x[2] - face.x[0], face.y[2] - face.y[0]) +
                        std::hypot(face.x[4] - face.x[1], face.y[4] - face.y[1]);
  KD_CHECK(span_t > 1 && span_f > 1, "warp_mask: degenerate points for template [", t.name, "]");
  const double pre = std::min(1.0, 2.0 * span_f / span_t);
  const cv::Mat& full = levels_->mats[0];
  size_t k = 0;  // the smallest level still at least `pre` of the full size
  while (k + 1 < levels_->mats.size() && double(levels_->mats[k + 1].cols) / full.cols >= pre) ++k;
  cv::Mat pm = levels_->mats[k];
  const int want_w = std::max(1, int(std::lround(full.cols * pre))), want_h = std::max(1, int(std::lround(full.rows * pre)));
  if (pre < 1.0 && (want_w < pm.cols || want_h < pm.rows)) {
    cv::Mat small;
    cv::resize(pm, small, cv::Size(want_w, want_h), 0, 0, cv::INTER_AREA);
    pm = small;
  }
  MaskPoints src = t.pts;
  const double sx = double(pm.cols) / full.cols, sy = double(pm.rows) / full.rows;
  for (int i = 0; i < 6; ++i) {  // pixel centres: (x + 0.5) scales
    src.x[i] = (src.x[i] + 0.5) * sx - 0.5;
    src.y[i] = (src.y[i] + 0.5) * sy - 0.5;
  }
  const Homography h = fit_homography(src.x, src.y, face.x, face.y, 6);
  cv::Mat hm(3, 3, CV_64F);
  for (int i = 0; i < 9; ++i) hm.at<double>(i / 3, i % 3) = h[i];
  cv::Mat warped;
  cv::warpPerspective(pm, warped, hm, cv::Size(out_w, out_h), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                      cv::Scalar(0, 0, 0, 0));
  Image out(out_w, out_h, 4);
  for (int y = 0; y < out_h; ++y) {
    const float* s = warped.ptr<float>(y);
    uint8_t* d = out.row(y);
    for (int x = 0; x < out_w; ++x) {
      const float a = std::clamp(s[4 * x + 3], 0.f, 255.f);
      const float inv = a > 0.5f ? 255.f / a : 0.f;
      for (int c = 0; c < 3; ++c) d[4 * x + c] = uint8_t(std::clamp(s[4 * x + c] * inv, 0.f, 255.f) + 0.5f);
      d[4 * x + 3] = uint8_t(a + 0.5f);
      if (d[4 * x + 3] == 0) d[4 * x] = d[4 * x + 1] = d[4 * x + 2] = 0;
    }
  }
  return out;
}

Image warp_mask(const Image& tmpl, const MaskTemplate& t, const MaskPoints& face, int out_w, int out_h) {
  return MaskWarper(tmpl, t).warp(face, out_w, out_h);
}

MaskBank build_mask_bank(const std::vector<MaskTemplate>& templates, int size) {
  KD_CHECK(size >= 16 && size <= 1024, "build_mask_bank: size must be 16..1024, got ", size);
  MaskPoints pts = aligned_mean_mask_points();
  const double s = size / 112.0;
  for (int k = 0; k < 6; ++k) pts.x[k] *= s, pts.y[k] *= s;
  MaskBank bank;
  bank.size = size;
  for (auto& t : templates) bank.add(t.name, warp_mask(load_mask_template(t), t, pts, size, size));
  return bank;
}

}  // namespace kd::data
