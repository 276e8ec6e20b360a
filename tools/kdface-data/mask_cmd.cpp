// kdface-data mask / mask-bank / mask-points: masked-face synthesis over folders of faces,
// the pre-warped bank the loader uses, and the measurement behind the bank's face points.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <sstream>

#include "data/cv/imgio.h"
#include "data/cv/mask_template.h"
#include "data/landmarks68.h"
#include "data/mask_bank.h"
#include "engine/check.h"
#include "engine/rng.h"
#include "tools/kdface-data/command.h"
#include "tools/kdface-data/image_folder_job.h"

namespace fs = std::filesystem;
using namespace kd::data;

namespace {

const char* kMaskUsage =
    "kdface-data mask --in DIR --out DIR [--type surgical,N95,...|random] [--seed N] [--landmarks FILE]\n"
    "                 [--bank FILE] [--masks-cfg FILE] [--threads N] [--contact-sheet PNG]\n"
    "\n"
    "Puts a face mask on every jpg/jpeg/png/bmp under --in and writes it to the same relative path under --out.\n"
    "  --type T          comma-separated mask names (masks.cfg sections, e.g. surgical,N95,cloth_left) or\n"
    "                    'random' (default): every image gets one of them, chosen from --seed and its path\n"
    "  --seed N          default 0\n"
    "  --landmarks FILE  landmarks.tsv of `kdface-data align` (layout=dlib68): each mask is warped onto that\n"
    "                    face's own six points (any image size). Without it the faces must be aligned\n"
    "                    112x112 (or the bank's size) and the pre-warped bank is blended directly (fast path)\n"
    "  --bank FILE       pre-warped bank from `kdface-data mask-bank` (default: built from --masks-cfg)\n"
    "  --masks-cfg FILE  default $KDFACE_MASKS_CFG or ../shared/data/masks/masks.cfg\n"
    "  --threads N       worker threads (default 2)\n"
    "  --contact-sheet P also write the first 16 masked faces as a 4x4 grid PNG (faces must be 112x112)\n"
    "Writes <out>/mask_report.tsv (images that failed, with the reason). Exit 1 if any failed.";

const char* kBankUsage =
    "kdface-data mask-bank --out FILE [--masks-cfg FILE] [--size 112] [--preview PNG]\n"
    "\n"
    "Warps every template of masks.cfg onto the mean six face points of aligned faces and writes the bank\n"
    "(binary, format in data/mask_bank.h) that the loader and `mask` blend without OpenCV.\n"
    "  --preview PNG  also draw every mask over grey at 2x, the six anchor points in red (for checking)";

const char* kPointsUsage =
    "kdface-data mask-points --landmarks FILE\n"
    "\n"
    "Prints the mean (and standard deviation) of the six mask anchor points over every face of a\n"
    "landmarks.tsv (layout=dlib68) of `kdface-data align`: how aligned_mean_mask_points() was measured.";

std::vector<std::string> split_csv(const std::string& s) {
  std::vector<std::string> v;
  std::stringstream ss(s);
  for (std::string t; std::getline(ss, t, ',');)
    if (!t.empty()) v.push_back(t);
  return v;
}

int run_mask(const std::vector<std::string>& argv) {
  kd::tools::Args a(argv,
                    {"--in", "--out", "--type", "--seed", "--landmarks", "--bank", "--masks-cfg", "--threads",
                     "--contact-sheet"},
                    {});
  KD_CHECK(a.positional().empty(), "mask takes no positional arguments, got '", a.positional()[0], "'");
  const std::string in = a.get("--in"), out = a.get("--out");
  const uint64_t seed = uint64_t(a.get_int_or("--seed", 0));
  const int threads = a.get_int_or("--threads", 2);
  const std::string cfg = a.get_or("--masks-cfg", default_mask_config());
  const bool per_face = a.has("--landmarks");
  KD_CHECK(!(per_face && a.has("--bank")), "--bank is the aligned-face fast path; it cannot be combined with --landmarks");

  // Fast path: one bank. Slow path: the templates themselves, decoded once.
  MaskBank bank;
  std::vector<MaskTemplate> templates;
  std::vector<MaskWarper> warpers;
  std::map<std::string, Landmarks68> lms;
  std::vector<std::string> all_names;
  if (per_face) {
    lms = read_landmarks68(a.get("--landmarks"));
    templates = read_mask_config(cfg);
    for (auto& t : templates) {
      warpers.emplace_back(load_mask_template(t), t);
      all_names.push_back(t.name);
    }
  } else {
    bank = a.has("--bank") ? load_mask_bank(a.get("--bank")) : build_mask_bank(read_mask_config(cfg));
    for (auto& m : bank.masks) all_names.push_back(m.name);
  }
  std::vector<int> choice;  // indices into all_names
  const std::string type = a.get_or("--type", "random");
  if (type == "random") {
    for (size_t i = 0; i < all_names.size(); ++i) choice.push_back(int(i));
  } else {
    for (auto& name : split_csv(type)) {
      auto it = std::find(all_names.begin(), all_names.end(), name);
      std::string known;
      for (auto& k : all_names) known += " " + k;
      KD_CHECK(it != all_names.end(), "--type: no mask called '", name, "' (known:", known, ")");
      choice.push_back(int(it - all_names.begin()));
    }
    KD_CHECK(!choice.empty(), "--type is empty");
  }

  const auto rel = kd::tools::list_images(in);
  std::error_code ec;
  fs::create_directories(out, ec);
  KD_CHECK(fs::is_directory(out), "cannot create --out folder ", out);
  std::atomic<int64_t> mask_ns{0};
  const auto st = kd::tools::run_folder_job(
      in, out, rel, threads, [&](const std::string& r, const std::string& src, const std::string& dst) {
        Image face = kd::tools::read_any_image(src);
        const int pick = choice[kd::mix64(seed, kd::tools::path_hash(r)) % choice.size()];
        const auto t0 = std::chrono::steady_clock::now();
        if (per_face) {
          auto it = lms.find(r);
          KD_CHECK(it != lms.end(), "no landmarks for this image in ", a.get("--landmarks"));
          const MaskPoints pts = mask_points_from_68(it->second.x, it->second.y);
          const MaskEntry m =
              make_mask_entry(templates[pick].name, warpers[pick].warp(pts, face.w, face.h));
          apply_mask(face, m);
        } else {
          KD_CHECK(face.w == bank.size && face.h == bank.size, "image is ", face.w, "x", face.h, "; the bank path needs ",
                   bank.size, "x", bank.size, " aligned faces (or pass --landmarks)");
          apply_mask(face, bank.masks[pick]);
        }
        mask_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
        kd::tools::write_any_image(dst, face);
      });
  const std::string summary = kd::tools::write_folder_report(out, "mask_report.tsv", st, "mask (decode+mask+encode)");
  const double per = st.done ? mask_ns.load() * 1e-9 / st.done : 0;
  std::printf("%s\nmask only: %.1f us/face per thread (%.0f faces/s on %d threads); report in %s/mask_report.tsv\n",
              summary.c_str(), per * 1e6, per > 0 ? threads / per : 0.0, threads, out.c_str());
  if (a.has("--contact-sheet")) {
    kd::tools::write_contact_sheet(out, rel, a.get("--contact-sheet"));
    std::printf("wrote %s\n", a.get("--contact-sheet").c_str());
  }
  return st.failed.empty() ? 0 : 1;
}

int run_mask_bank(const std::vector<std::string>& argv) {
  kd::tools::Args a(argv, {"--out", "--masks-cfg", "--size", "--preview"}, {});
  KD_CHECK(a.positional().empty(), "mask-bank takes no positional arguments, got '", a.positional()[0], "'");
  const std::string cfg = a.get_or("--masks-cfg", default_mask_config());
  const MaskBank bank = build_mask_bank(read_mask_config(cfg), a.get_int_or("--size", 112));
  save_mask_bank(bank, a.get("--out"));
  std::printf("wrote %s: %zu masks of %dx%d from %s\n", a.get("--out").c_str(), bank.masks.size(), bank.size,
              bank.size, cfg.c_str());
  if (a.has("--preview")) {
    const int cols = 6, z = 2, side = bank.size * z;
    const int rows = int((bank.masks.size() + cols - 1) / cols);
    Image sheet(cols * side, rows * side, 3);
    std::fill(sheet.px.begin(), sheet.px.end(), uint8_t(128));
    const MaskPoints& mp = aligned_mean_mask_points();
    for (size_t i = 0; i < bank.masks.size(); ++i) {
      const Image& m = bank.masks[i].rgba;
      const int ox = int(i % cols) * side, oy = int(i / cols) * side;
      for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x) {
          const uint8_t* p = &m.px[(size_t(y / z) * m.w + x / z) * 4];
          for (int c = 0; c < 3; ++c) {
            uint8_t& d = sheet.at(ox + x, oy + y, c);
            d = uint8_t((p[c] * p[3] + d * (255 - p[3])) / 255);
          }
        }
      for (int k = 0; k < 6; ++k)
        for (int dy = -2; dy <= 2; ++dy)
          for (int dx = -2; dx <= 2; ++dx) {
            const int x = int(mp.x[k] * bank.size / 112.0 * z) + dx, y = int(mp.y[k] * bank.size / 112.0 * z) + dy;
            if (x < 0 || y < 0 || x >= side || y >= side) continue;
            sheet.at(ox + x, oy + y, 0) = 255;
            sheet.at(ox + x, oy + y, 1) = sheet.at(ox + x, oy + y, 2) = 0;
          }
    }
    write_image(a.get("--preview"), sheet);
    std::printf("wrote %s\n", a.get("--preview").c_str());
  }
  return 0;
}

int run_mask_points(const std::vector<std::string>& argv) {
  kd::tools::Args a(argv, {"--landmarks"}, {});
  const auto lms = read_landmarks68(a.get("--landmarks"));
  double s[12] = {}, s2[12] = {};
  for (auto& [r, l] : lms) {
    const MaskPoints p = mask_points_from_68(l.x, l.y);
    for (int k = 0; k < 6; ++k) {
      s[2 * k] += p.x[k], s2[2 * k] += p.x[k] * p.x[k];
      s[2 * k + 1] += p.y[k], s2[2 * k + 1] += p.y[k] * p.y[k];
    }
  }
  const double n = double(lms.size());
  std::printf("mean six mask points over %zu faces (x, y; std in brackets):\n", lms.size());
  for (int k = 0; k < 6; ++k) {
    const double mx = s[2 * k] / n, my = s[2 * k + 1] / n;
    std::printf("  mask_%c  %7.2f %7.2f   (%.2f, %.2f)\n", 'a' + k, mx, my, std::sqrt(std::max(0.0, s2[2 * k] / n - mx * mx)),
                std::sqrt(std::max(0.0, s2[2 * k + 1] / n - my * my)));
  }
  return 0;
}

}  // namespace

static kd::tools::RegisterCommand kd_reg_mask("mask", {"put face masks on a folder of faces", kMaskUsage, run_mask});
static kd::tools::RegisterCommand kd_reg_mask_bank("mask-bank", {"write the pre-warped mask bank the loader blends",
                                                                  kBankUsage, run_mask_bank});
static kd::tools::RegisterCommand kd_reg_mask_points("mask-points", {"measure the mean mask anchor points of aligned faces",
                                                                      kPointsUsage, run_mask_points});
