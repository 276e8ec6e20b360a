#include "data/cv/align.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "data/cv/imgio.h"
#include "engine/check.h"

namespace kd::data {

AlignPreset parse_align_preset(const std::string& name) {
  if (name == "wild") return AlignPreset::Wild;
  if (name == "celeba-aligned") return AlignPreset::CelebaAligned;
  KD_FAIL("unknown alignment preset '", name, "'; expected wild or celeba-aligned");
}

const char* align_preset_name(AlignPreset p) { return p == AlignPreset::Wild ? "wild" : "celeba-aligned"; }

OnMiss parse_on_miss(const std::string& name) {
  if (name == "skip") return OnMiss::Skip;
  if (name == "center") return OnMiss::Center;
  KD_FAIL("unknown --on-miss policy '", name, "'; expected skip or center");
}

const char* on_miss_name(OnMiss m) { return m == OnMiss::Skip ? "skip" : "center"; }

const char* align_method_name(AlignMethod m) {
  switch (m) {
    case AlignMethod::None: return "-";
    case AlignMethod::Dlib68: return "dlib68";
    case AlignMethod::ProfileBox: return "profile-box";
    case AlignMethod::FrontalBox: return "frontal-box";
    case AlignMethod::Center: return "center";
    case AlignMethod::CelebaFixed: return "celeba-fixed";
  }
  return "?";
}

const char* align_status_name(const AlignResult& r) {
  if (!r.ok) return "skipped";
  return r.method == AlignMethod::Center ? "center" : "aligned";
}

Landmarks5 five_from_68(const float* x68, const float* y68) {
  Landmarks5 f;
  auto mean = [&](int first, int& slot) {
    double sx = 0, sy = 0;
    for (int i = first; i < first + 6; ++i) {
      sx += x68[i];
      sy += y68[i];
    }
    f.x[slot] = float(sx / 6);
    f.y[slot] = float(sy / 6);
  };
  int le = 0, re = 1;
  mean(36, le);
  mean(42, re);
  const int single[3] = {30, 48, 54};
  for (int k = 0; k < 3; ++k) {
    f.x[2 + k] = x68[single[k]];
    f.y[2 + k] = y68[single[k]];
  }
  return f;
}

const Landmarks5& celeba_aligned_mean_landmarks() {
  // 178x218 frame, order: left eye, right eye, nose, left mouth, right mouth (image left first).
  // Means of our own dlib 5 points (five_from_68) over 1,938 of CelebA's aligned crops, so the
  // celeba-aligned preset lands the same facial points on the template as the wild preset.
  // CelebA's annotated means (list_landmarks_align_celeba) are within 2 px of these; the
  // numbers and their source are in docs/data.md "Alignment".
  static const Landmarks5 m{{69.2f, 107.7f, 87.9f, 71.2f, 105.8f}, {112.4f, 112.5f, 134.5f, 153.0f, 153.1f}};
  return m;
}

Landmarks5 celeba_aligned_landmarks_for(int w, int h) {
  KD_CHECK(w > 0 && h > 0, "CelebA aligned crop: empty image ", w, "x", h);
  double s = w / 178.0;
  KD_CHECK(std::fabs(h - 218.0 * s) <= 1.0 + 1e-9, "image is ", w, "x", h,
           ", not a CelebA aligned crop (178x218 or a scaled copy such as 89x109)");
  const Landmarks5& m = celeba_aligned_mean_landmarks();
  Landmarks5 out;
  for (int i = 0; i < 5; ++i) {
    // Pixel centres at integers: a resize by s maps x to (x + 0.5) * s - 0.5.
    out.x[i] = float((m.x[i] + 0.5) * s - 0.5);
    out.y[i] = float((m.y[i] + 0.5) * (h / 218.0) - 0.5);
  }
  return out;
}

Image warp_similarity(const Image& src, const Similarity& to_out, int size) {
  KD_CHECK(size >= 8, "warp_similarity: output size must be at least 8, got ", size);
  cv::Mat in = to_bgr_mat(src);
  double m[6];
  to_out.to_affine(m);
  cv::Mat M(2, 3, CV_64F, m);
  cv::Mat out;
  cv::warpAffine(in, out, M, cv::Size(size, size), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  return from_bgr_mat(out);
}

namespace {

void fill_result(AlignResult& r, const Image& img, const Landmarks5& src5, const float* xs, const float* ys, int n,
                 int size) {
  r.to_aligned = fit_similarity(src5, arcface_template(size));
  r.face = warp_similarity(img, r.to_aligned, size);
  r.five = r.to_aligned.apply(src5);
  r.x.resize(n);
  r.y.resize(n);
  for (int i = 0; i < n; ++i) {
    double ox, oy;
    r.to_aligned.apply(xs[i], ys[i], ox, oy);
    r.x[i] = float(ox);
    r.y[i] = float(oy);
  }
  r.ok = true;
}

// Box-aligned faces have no landmarks worth keeping: only the transform and the crop.
void fill_box_result(AlignResult& r, const Image& img, const FaceBox& box, const Similarity& t, AlignMethod m,
                     int size) {
  r.to_aligned = t;
  r.face = warp_similarity(img, t, size);
  r.box = box;
  r.has_box = true;
  r.method = m;
  r.ok = true;
}

Image pad_replicate(const Image& img, int pad) {
  // Channel order does not matter for a border copy, so the RGB buffer is wrapped as is.
  const cv::Mat in(img.h, img.w, CV_8UC(img.c), const_cast<uint8_t*>(img.px.data()));
  cv::Mat out;
  cv::copyMakeBorder(in, out, pad, pad, pad, pad, cv::BORDER_REPLICATE);
  Image r(out.cols, out.rows, img.c);
  for (int y = 0; y < out.rows; ++y) std::copy(out.ptr<uint8_t>(y), out.ptr<uint8_t>(y) + size_t(out.cols) * img.c, r.row(y));
  return r;
}

FaceBox shifted(FaceBox b, float d) {
  b.left -= d;
  b.right -= d;
  b.top -= d;
  b.bottom -= d;
  return b;
}

}  // namespace

AlignResult align_image(const Image& img, const AlignOptions& opt, const FaceDetector* det,
                        const CascadeDetector* cascades) {
  KD_CHECK(opt.size >= 8, "alignment output size must be at least 8, got ", opt.size);
  AlignResult r;
  if (opt.preset == AlignPreset::CelebaAligned) {
    Landmarks5 src;
    try {
      src = celeba_aligned_landmarks_for(img.w, img.h);
    } catch (const Error& e) {
      r.reason = std::string("wrong size for celeba-aligned: ") + e.what();
      return r;
    }
    fill_result(r, img, src, src.x, src.y, 5, opt.size);
    r.method = AlignMethod::CelebaFixed;
    return r;
  }
  KD_CHECK(det, "align_image: the wild preset needs a FaceDetector");
  KD_CHECK(!opt.cascades || cascades, "align_image: cascades are on but no CascadeDetector was given");
  KD_CHECK(opt.pad >= 0 && opt.pad <= 1, "alignment padding must be in [0, 1], got ", opt.pad);
  const int pad = int(std::lround(opt.pad * std::max(img.w, img.h)));
  Image padded;
  if (pad > 0) padded = pad_replicate(img, pad);
  const Image& search = pad > 0 ? padded : img;

  if (std::optional<Face68> face = det->detect_largest(search)) {
    for (int i = 0; i < 68; ++i) {
      face->x[i] -= float(pad);
      face->y[i] -= float(pad);
    }
    fill_result(r, img, five_from_68(face->x, face->y), face->x, face->y, 68, opt.size);
    r.method = AlignMethod::Dlib68;
    r.box = shifted(FaceBox{face->left, face->top, face->right, face->bottom}, float(pad));
    r.has_box = true;
    if (face->upsampled) r.reason = "found on the 2x upsampled image";
    return r;
  }
  if (opt.cascades) {
    if (std::optional<CascadeFace> c = cascades->detect_largest(search)) {
      const FaceBox box = shifted(c->box, float(pad));
      const bool profile = c->kind == CascadeKind::Profile;
      const BoxGeometry& g = profile                                 ? profile_box_geometry()
                             : c->kind == CascadeKind::FrontalDefault ? frontal_default_box_geometry()
                                                                      : frontal_box_geometry();
      fill_box_result(r, img, box, similarity_from_box(box, g, opt.size, c->mirrored),
                      profile ? AlignMethod::ProfileBox : AlignMethod::FrontalBox, opt.size);
      r.reason = kd::str("no dlib face; ", cascade_kind_name(c->kind), " cascade",
                         c->mirrored ? " on the mirrored image" : "", ", ", c->neighbours, " neighbours");
      return r;
    }
  }
  if (opt.on_miss == OnMiss::Center) {
    const FaceBox box = centre_box(img.w, img.h, opt.center);
    fill_box_result(r, img, box, similarity_from_box(box, dlib_box_geometry(), opt.size), AlignMethod::Center,
                    opt.size);
    r.reason = "no face found; centre crop";
    return r;
  }
  r.reason = "no face found";
  return r;
}

AlignResult align_file(const std::string& path, const AlignOptions& opt, const FaceDetector* det,
                       const CascadeDetector* cascades) {
  Image img;
  try {
    img = read_image(path);
  } catch (const Error& e) {
    AlignResult r;
    r.reason = std::string("unreadable file: ") + e.what();
    return r;
  }
  return align_image(img, opt, det, cascades);
}

}  // namespace kd::data
