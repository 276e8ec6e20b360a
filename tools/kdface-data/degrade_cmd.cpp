// kdface-data degrade: writes degraded copies of a folder of faces, so people can look at
// what the loader's low-quality side is.
#include <cstdio>
#include <filesystem>
#include <string>

#include "data/degrade.h"
#include "engine/check.h"
#include "engine/rng.h"
#include "tools/kdface-data/command.h"
#include "tools/kdface-data/image_folder_job.h"

namespace {

const char* kUsage =
    "kdface-data degrade --in DIR --out DIR --protocol paper|askd|none --scale S [--seed N]\n"
    "                    [--blur-sigma X] [--jpeg Q] [--noise X] [--motion L] [--threads N]\n"
    "\n"
    "Degrades every jpg/jpeg/png/bmp under --in (normally aligned 112x112 faces) and writes it to the\n"
    "same relative path under --out (same size as the input). The maths is in docs/data.md, 'Degradation'.\n"
    "  --protocol P    paper: Gaussian blur, bicubic down by S and back up; askd: A-SKD's nearest down/up\n"
    "                  + 5x5 Gaussian (sigma 0.1, 2.0); none: no resampling (needs --scale 1)\n"
    "  --scale S       1, 2, 4 or 8 (1 = the extras only)\n"
    "  --seed N        seed of the extras' randomness (default 0); each image uses seed ^ hash(path)\n"
    "  --blur-sigma X  paper's Gaussian sigma (default 1.0; 0 = no blur)\n"
    "  --jpeg Q        re-compress at JPEG quality Q after degradation (default 0 = off)\n"
    "  --noise X       additive Gaussian noise, std in grey levels (default 0)\n"
    "  --motion L      motion blur of L pixels at a seeded random angle (default 0 = off)\n"
    "  --threads N     worker threads (default 2)\n"
    "  --contact-sheet P  also write the first 16 outputs as a 4x4 grid PNG (faces must be 112x112)\n"
    "Writes <out>/degrade_report.tsv (images that failed, with the reason). Exit 1 if any failed.";

double parse_double(const kd::tools::Args& a, const std::string& opt, double fallback) {
  if (!a.has(opt)) return fallback;
  const std::string v = a.get(opt);
  try {
    size_t used = 0;
    const double d = std::stod(v, &used);
    if (used == v.size()) return d;
  } catch (...) {
  }
  KD_FAIL("option ", opt, " expects a number, got '", v, "'");
}

int run_degrade(const std::vector<std::string>& argv) {
  kd::tools::Args a(argv,
                    {"--in", "--out", "--protocol", "--scale", "--seed", "--blur-sigma", "--jpeg", "--noise",
                     "--motion", "--threads", "--contact-sheet"},
                    {});
  KD_CHECK(a.positional().empty(), "degrade takes no positional arguments, got '", a.positional()[0], "'");
  const std::string in = a.get("--in"), out = a.get("--out");
  // Through the JSON parser so the command line and configs share one set of checks.
  nlohmann::json j = {{"protocol", a.get("--protocol")},
                      {"blur_sigma", parse_double(a, "--blur-sigma", kd::data::DegradeSpec{}.blur_sigma)},
                      {"jpeg_quality", a.get_int_or("--jpeg", 0)},
                      {"noise_std", parse_double(a, "--noise", 0.0)},
                      {"motion_length", a.get_int_or("--motion", 0)}};
  const kd::data::DegradeSpec spec = kd::data::degrade_spec_from_json(j, "kdface-data degrade options");
  const int scale = a.get_int_or("--scale", 0);
  KD_CHECK(scale == 1 || scale == 2 || scale == 4 || scale == 8, "--scale must be 1, 2, 4 or 8, got ", scale);
  KD_CHECK(spec.protocol != "none" || scale == 1, "--protocol none needs --scale 1, got ", scale);
  const uint64_t seed = uint64_t(a.get_int_or("--seed", 0));
  const int threads = a.get_int_or("--threads", 2);

  const auto rel = kd::tools::list_images(in);
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  KD_CHECK(std::filesystem::is_directory(out), "cannot create --out folder ", out);
  const auto st = kd::tools::run_folder_job(in, out, rel, threads,
                                            [&](const std::string& r, const std::string& src, const std::string& dst) {
                                              const kd::data::Image hr = kd::tools::read_any_image(src);
                                              kd::data::Image lr;
                                              kd::data::degrade(hr, spec, scale, seed ^ kd::tools::path_hash(r), lr);
                                              kd::tools::write_any_image(dst, lr);
                                            });
  const std::string summary = kd::tools::write_folder_report(out, "degrade_report.tsv", st, "degrade");
  std::printf("%s\nspec %s scale %d; report in %s/degrade_report.tsv\n", summary.c_str(),
              kd::data::degrade_spec_to_json(spec).dump().c_str(), scale, out.c_str());
  if (a.has("--contact-sheet")) {
    kd::tools::write_contact_sheet(out, rel, a.get("--contact-sheet"));
    std::printf("wrote %s\n", a.get("--contact-sheet").c_str());
  }
  return st.failed.empty() ? 0 : 1;
}

}  // namespace

KD_DATA_COMMAND(degrade, "write degraded copies of a folder of faces (paper / askd protocols, extras)", kUsage,
                run_degrade);
