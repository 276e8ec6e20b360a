// kdface-data box-calibrate: where each detector's face box lands in the 112x112 template,
// measured on faces that dlib's landmarks align. These means are the box geometries of
// data/box_alignment.cpp, which align faces found by a box alone (docs/data.md, "Faces
// without landmarks").
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "data/cv/align.h"
#include "data/cv/imgio.h"
#include "engine/check.h"
#include "engine/progress.h"
#include "tools/kdface-data/command.h"
#include "tools/kdface-data/image_folder_job.h"

namespace fs = std::filesystem;
using namespace kd::data;

namespace {

const char* kUsage =
    "kdface-data box-calibrate --in DIR [--every K] [--threads N] [--min-iou 0.3]\n"
    "\n"
    "For every K-th image under --in (sorted; default every image): dlib's face and 68 landmarks, the\n"
    "5-point similarity onto the template (as `align --preset wild` does), and the largest box of each\n"
    "cascade that overlaps dlib's box (IoU >= --min-iou). Prints, per detector, the mean and std of the\n"
    "box centre and side mapped through that similarity: the box geometries in data/box_alignment.cpp.\n"
    "Profile boxes found on the mirrored image are mirrored back into the frame of the direct ones\n"
    "(cx -> 111 - cx), and both directions are also printed on their own.\n"
    "For pre-cropped sets it also prints the median dlib box relative to the image (the --center-box\n"
    "of `align --on-miss center`) and how far from the template's eyes three alignments put the eyes\n"
    "that dlib found: landmarks (the reference), dlib's own box, and that fixed median box.";

struct Acc {
  double n = 0, s[3] = {}, s2[3] = {};
  void add(double cx, double cy, double side) {
    const double v[3] = {cx, cy, side};
    n += 1;
    for (int k = 0; k < 3; ++k) s[k] += v[k], s2[k] += v[k] * v[k];
  }
  void print(const char* name) const {
    if (n == 0) {
      std::printf("  %-28s      0 faces\n", name);
      return;
    }
    double m[3], sd[3];
    for (int k = 0; k < 3; ++k) m[k] = s[k] / n, sd[k] = std::sqrt(std::max(0.0, s2[k] / n - m[k] * m[k]));
    std::printf("  %-28s %6.0f faces  cx %6.2f (%4.2f)  cy %6.2f (%4.2f)  side %6.2f (%4.2f)\n", name, n, m[0], sd[0],
                m[1], sd[1], m[2], sd[2]);
  }
};

// One dlib face: its box relative to the image (as --center-box reads it) and its eyes.
struct Found {
  double cx, cy, side;  // fractions: (centre + 0.5) / w, (centre + 0.5) / h, side / min(w, h)
  FaceBox box;
  int w, h;
  Landmarks5 five;
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(q * double(v.size())))];
}

// Mean distance of the two eyes from the template's after alignment t.
double eye_error(const Similarity& t, const Landmarks5& five) {
  const Landmarks5& tpl = arcface_template(112);
  double e = 0;
  for (int k = 0; k < 2; ++k) {
    double x, y;
    t.apply(five.x[k], five.y[k], x, y);
    e += std::hypot(x - tpl.x[k], y - tpl.y[k]) / 2;
  }
  return e;
}

void print_errors(const char* name, const std::vector<double>& err) {
  std::printf("  %-36s median %5.2f px, 90th percentile %5.2f px\n", name, median(err), quantile(err, 0.9));
}

// The box's centre and side in the aligned frame.
void map_box(const Similarity& t, const FaceBox& b, double& cx, double& cy, double& side) {
  t.apply(b.centre_x(), b.centre_y(), cx, cy);
  side = std::sqrt(b.area()) * t.scale();
}

std::optional<CascadeFace> best_overlap(const std::vector<CascadeFace>& faces, const FaceBox& ref, bool mirrored,
                                        double min_iou) {
  for (const CascadeFace& f : faces)  // largest first
    if (f.mirrored == mirrored && box_iou(f.box, ref) >= min_iou) return f;
  return std::nullopt;
}

int run_box_calibrate(const std::vector<std::string>& argv) {
  kd::tools::Args args(argv, {"--in", "--every", "--threads", "--min-iou"}, {});
  KD_CHECK(args.positional().empty(), "box-calibrate takes no positional arguments, got '", args.positional()[0], "'");
  const std::string in = args.get("--in");
  const int every = args.get_int_or("--every", 1);
  const int threads = args.get_int_or("--threads", int(std::max(1u, std::thread::hardware_concurrency())));
  KD_CHECK(every >= 1, "--every must be >= 1, got ", every);
  KD_CHECK(threads >= 1 && threads <= 256, "--threads must be 1..256, got ", threads);
  const double min_iou = std::stod(args.get_or("--min-iou", "0.3"));
  std::vector<std::string> all = kd::tools::list_images(in), rel;
  for (size_t i = 0; i < all.size(); i += size_t(every)) rel.push_back(all[i]);

  FaceDetector first;
  std::vector<std::optional<FaceDetector>> dets(threads);
  std::vector<std::optional<CascadeDetector>> cdets(threads);
  for (int t = 0; t < threads; ++t) {
    dets[t].emplace(first);
    cdets[t].emplace();
  }
  Acc dlib, frontal, frontal_default, profile, profile_direct, profile_mirrored;
  std::vector<Found> found_faces;
  std::mutex mu;
  std::atomic<size_t> next{0};
  int64_t done = 0, with_face = 0, unreadable = 0;
  kd::Progress progress("box-calibrate", int64_t(rel.size()), "img");
  auto worker = [&](int t) {
    for (size_t i; (i = next++) < rel.size();) {
      Image img;
      try {
        img = read_image((fs::path(in) / rel[i]).string());
      } catch (const kd::Error&) {
        std::lock_guard<std::mutex> lock(mu);
        ++unreadable, ++done;
        continue;
      }
      const std::optional<Face68> face = dets[t]->detect_largest(img);
      double cx[5] = {}, cy[5] = {}, side[5] = {};
      bool have[5] = {};
      if (face) {
        const Similarity s = fit_similarity(five_from_68(face->x, face->y), arcface_template(112));
        const FaceBox ref{face->left, face->top, face->right, face->bottom};
        map_box(s, ref, cx[0], cy[0], side[0]);
        have[0] = true;
        const std::vector<CascadeFace> fr = cdets[t]->detect(img, CascadeKind::Frontal);
        const std::vector<CascadeFace> pr = cdets[t]->detect(img, CascadeKind::Profile);
        const std::vector<CascadeFace> fd = cdets[t]->detect(img, CascadeKind::FrontalDefault);
        const std::optional<CascadeFace> found[4] = {
            best_overlap(fr, ref, false, min_iou), best_overlap(pr, ref, false, min_iou),
            best_overlap(pr, ref, true, min_iou), best_overlap(fd, ref, false, min_iou)};
        for (int k = 0; k < 4; ++k)
          if (found[k]) {
            map_box(s, found[k]->box, cx[k + 1], cy[k + 1], side[k + 1]);
            have[k + 1] = true;
          }
      }
      std::lock_guard<std::mutex> lock(mu);
      ++done;
      if (face) {
        ++with_face;
        const FaceBox b{face->left, face->top, face->right, face->bottom};
        found_faces.push_back(Found{(b.centre_x() + 0.5) / img.w, (b.centre_y() + 0.5) / img.h,
                                    std::sqrt(b.area()) / std::min(img.w, img.h), b, img.w, img.h,
                                    five_from_68(face->x, face->y)});
      }
      if (have[0]) dlib.add(cx[0], cy[0], side[0]);
      if (have[1]) frontal.add(cx[1], cy[1], side[1]);
      if (have[2]) {
        profile_direct.add(cx[2], cy[2], side[2]);
        profile.add(cx[2], cy[2], side[2]);
      }
      if (have[3]) {
        profile_mirrored.add(cx[3], cy[3], side[3]);
        profile.add(111.0 - cx[3], cy[3], side[3]);
      }
      if (have[4]) frontal_default.add(cx[4], cy[4], side[4]);
      progress.update(done);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker, t);
  for (auto& th : pool) th.join();
  progress.finish();
  std::printf("%zu images, %lld with a dlib face, %lld unreadable; box centre and side in the 112x112 template "
              "(std in brackets):\n",
              rel.size(), (long long)with_face, (long long)unreadable);
  dlib.print("dlib HOG box");
  frontal.print("frontal cascade (alt2)");
  frontal_default.print("frontal cascade (default)");
  profile.print("profile cascade (canonical)");
  profile_direct.print("  profile, direct");
  profile_mirrored.print("  profile, mirrored image");

  std::vector<double> cx, cy, side;
  for (const Found& f : found_faces) cx.push_back(f.cx), cy.push_back(f.cy), side.push_back(f.side);
  const double mcx = median(cx), mcy = median(cy), mside = median(side);
  std::printf("median dlib box relative to the image: --center-box %.2f,%.2f,%.2f (cx, cy, side)\n", mcx, mcy, mside);
  std::vector<double> e_landmarks, e_own_box, e_fixed;
  for (const Found& f : found_faces) {
    e_landmarks.push_back(eye_error(fit_similarity(f.five, arcface_template(112)), f.five));
    e_own_box.push_back(eye_error(similarity_from_box(f.box, dlib_box_geometry(), 112), f.five));
    e_fixed.push_back(eye_error(similarity_from_box(centre_box(f.w, f.h, CenterBox{mcx, mcy, mside}), dlib_box_geometry(), 112),
                                f.five));
  }
  std::printf("eye distance from the template's eyes on those %zu faces, by alignment:\n", found_faces.size());
  print_errors("5-point landmark fit (align)", e_landmarks);
  print_errors("dlib's box, box geometry", e_own_box);
  print_errors("fixed median box (--on-miss center)", e_fixed);
  return 0;
}

}  // namespace

static kd::tools::RegisterCommand kd_reg_box_calibrate(
    "box-calibrate", {"measure where each detector's face box lands in the template", kUsage, run_box_calibrate});
