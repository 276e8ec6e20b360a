// kdface-data align: detect, landmark and align every image under a folder to the ArcFace
// template, keeping the folder layout (identity folders survive), with a landmarks file for
// the mask synthesis and a report that says, for every input, whether and how it was aligned.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "data/align_report.h"
#include "data/cv/align.h"
#include "data/cv/imgio.h"
#include "engine/atomic_file.h"
#include "engine/check.h"
#include "engine/progress.h"
#include "tools/kdface-data/command.h"

namespace fs = std::filesystem;
using namespace kd::data;

namespace {

const char* kUsage =
    "kdface-data align --in DIR --out DIR [--size 112] [--preset wild|celeba-aligned] [--threads N] [--list FILE]\n"
    "                  [--cascades on|off] [--on-miss skip|center] [--center-box CX,CY,S] [--pad F]\n"
    "\n"
    "Aligns every jpg/jpeg/png/bmp under --in (recursively, sorted) to the ArcFace template and writes\n"
    "<out>/<relative path>.jpg (JPEG quality 95; sub-folders kept).\n"
    "  --size N      output side in pixels (default 112; the 112 template is scaled)\n"
    "  --preset P    wild: dlib HOG detector + 68 landmarks, largest face (default)\n"
    "                celeba-aligned: CelebA's aligned crops (178x218 or scaled, e.g. 89x109), fixed\n"
    "                landmarks, no detection\n"
    "  --threads N   worker threads (default: all cores)\n"
    "  --list FILE   align only the images listed in FILE (first column, relative to --in; '#' lines\n"
    "                and blank lines skipped), e.g. identities_wild.txt\n"
    "wild preset only:\n"
    "  --cascades on|off   when dlib finds no face, try OpenCV's profile cascade (image and mirror) and\n"
    "                      frontal cascade, and align the largest box by scale + translation (default on)\n"
    "  --on-miss skip|center  no face at all: report it (skip, default) or align --center-box as if dlib\n"
    "                      had found that box (center; for pre-cropped sets)\n"
    "  --center-box CX,CY,S  the square of side S x the shorter side centred at (CX x width, CY x height)\n"
    "                      (default 0.5,0.5,0.6; `kdface-data box-calibrate` measures a set's own)\n"
    "  --pad F             detect on the image padded by F x longer side per side, borders replicated\n"
    "                      (tight crops; default 0)\n"
    "Writes <out>/landmarks.tsv (landmarks of the landmark-aligned faces in the aligned frame, format in\n"
    "docs/data.md) and <out>/align_report.tsv (every input: status aligned|center|skipped, method, box,\n"
    "reason; and a summary line). Exit 0 when the run completed, even if some images had no face.";

bool is_image_ext(const fs::path& p) {
  std::string e = p.extension().string();
  for (auto& ch : e) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  return e == ".jpg" || e == ".jpeg" || e == ".png" || e == ".bmp";
}

std::vector<std::string> walk_images(const fs::path& in, const fs::path& out) {
  std::vector<std::string> rel;
  std::error_code ec;
  fs::recursive_directory_iterator it(in, fs::directory_options::follow_directory_symlink, ec), end;
  KD_CHECK(!ec, "cannot read input folder ", in.string(), ": ", ec.message());
  for (; it != end; it.increment(ec)) {
    KD_CHECK(!ec, "error while walking ", in.string(), ": ", ec.message());
    // Skip the output folder when it lies inside the input, so a re-run does not align its
    // own outputs.
    if (it->is_directory() && fs::weakly_canonical(it->path()) == out) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && is_image_ext(it->path())) rel.push_back(fs::relative(it->path(), in).generic_string());
  }
  std::sort(rel.begin(), rel.end());
  return rel;
}

std::vector<std::string> read_list(const std::string& file) {
  std::ifstream f(file);
  KD_CHECK(f.good(), "cannot open --list file ", file);
  std::vector<std::string> rel;
  std::map<std::string, int> seen;
  std::string line;
  for (int n = 1; std::getline(f, line); ++n) {
    std::istringstream ss(line);
    std::string first;
    if (!(ss >> first) || first[0] == '#') continue;
    // Outputs go to <out>/<path>: an absolute path or '..' would write outside --out.
    fs::path p(first);
    bool escapes = p.is_absolute() || std::any_of(p.begin(), p.end(), [](const fs::path& c) { return c == ".."; });
    KD_CHECK(!escapes, "--list file ", file, " line ", n, ": '", first,
             "' must be a path relative to --in without '..'");
    auto [it, fresh] = seen.emplace(first, n);
    KD_CHECK(fresh, "--list file ", file, " line ", n, ": '", first, "' already listed on line ", it->second);
    rel.push_back(first);
  }
  KD_CHECK(!rel.empty(), "--list file ", file, " lists no images");
  return rel;
}

// A reason or path must not break the tab-separated report.
std::string one_field(std::string s) {
  for (auto& ch : s)
    if (ch == '\t' || ch == '\n' || ch == '\r') ch = ' ';
  return s;
}

struct Outcome {
  bool ok = false;
  AlignMethod method = AlignMethod::None;
  std::string status = "skipped";
  std::string out_rel;      // output path relative to --out
  std::string reason;       // why not aligned, or a note on how it was
  std::string box;          // source-pixel face box, "l,t,r,b", or ""
  std::vector<float> x, y;  // aligned-frame landmarks (landmark methods only)
};

std::string box_field(const AlignResult& r) {
  if (!r.has_box) return "";
  char b[96];
  std::snprintf(b, sizeof b, "%.1f,%.1f,%.1f,%.1f", r.box.left, r.box.top, r.box.right, r.box.bottom);
  return b;
}

std::string landmarks_tsv(const std::vector<Outcome>& res, AlignPreset preset, int size) {
  std::ostringstream os;
  if (preset == AlignPreset::Wild) {
    os << "# kdface-data align landmarks layout=dlib68 size=" << size << " preset=wild\n"
       << "# relative_path\tx0\ty0\t...\tx67\ty67  (iBUG 68-point order, aligned-image pixels)\n";
  } else {
    os << "# kdface-data align landmarks layout=five size=" << size << " preset=celeba-aligned\n"
       << "# relative_path\tleft_eye_x\tleft_eye_y\tright_eye_x\tright_eye_y\tnose_x\tnose_y\t"
          "left_mouth_x\tleft_mouth_y\tright_mouth_x\tright_mouth_y  (aligned-image pixels)\n";
  }
  char buf[32];
  for (auto& r : res) {
    if (!r.ok || r.x.empty()) continue;  // box- and centre-aligned faces have no landmarks
    os << one_field(r.out_rel);
    for (size_t i = 0; i < r.x.size(); ++i) {
      std::snprintf(buf, sizeof buf, "\t%.2f\t%.2f", r.x[i], r.y[i]);
      os << buf;
    }
    os << '\n';
  }
  return os.str();
}

double get_double(const kd::tools::Args& args, const char* opt, double fallback) {
  if (!args.has(opt)) return fallback;
  const std::string v = args.get(opt);
  try {
    size_t used = 0;
    const double x = std::stod(v, &used);
    if (used == v.size()) return x;
  } catch (const std::exception&) {
  }
  KD_FAIL("option ", opt, " expects a number, got '", v, "'");
}

CenterBox parse_center_box(const std::string& v) {
  CenterBox c;
  char tail = 0;
  KD_CHECK(std::sscanf(v.c_str(), "%lf,%lf,%lf%c", &c.cx, &c.cy, &c.side, &tail) == 3,
           "--center-box expects CX,CY,S (three numbers, e.g. 0.5,0.5,0.6), got '", v, "'");
  KD_CHECK(c.cx >= 0 && c.cx <= 1 && c.cy >= 0 && c.cy <= 1 && c.side > 0 && c.side <= 4,
           "--center-box: CX and CY must be in [0, 1] and S in (0, 4], got '", v, "'");
  return c;
}

int run_align(const std::vector<std::string>& argv) {
  kd::tools::Args args(argv,
                       {"--in", "--out", "--size", "--preset", "--threads", "--list", "--cascades", "--on-miss",
                        "--center-box", "--pad"},
                       {});
  KD_CHECK(args.positional().empty(), "align takes no positional arguments, got '", args.positional()[0], "'");
  fs::path in = args.get("--in"), out_arg = args.get("--out");
  AlignOptions opt;
  opt.size = args.get_int_or("--size", 112);
  KD_CHECK(opt.size >= 16 && opt.size <= 1024, "--size must be 16..1024, got ", opt.size);
  opt.preset = parse_align_preset(args.get_or("--preset", "wild"));
  for (const char* o : {"--cascades", "--on-miss", "--center-box", "--pad"})
    KD_CHECK(opt.preset == AlignPreset::Wild || !args.has(o), o,
             " applies to the wild preset only (celeba-aligned does no detection)");
  const std::string cascades = args.get_or("--cascades", "on");
  KD_CHECK(cascades == "on" || cascades == "off", "--cascades: expected on or off, got '", cascades, "'");
  opt.cascades = opt.preset == AlignPreset::Wild && cascades == "on";
  opt.on_miss = parse_on_miss(args.get_or("--on-miss", "skip"));
  if (args.has("--center-box")) opt.center = parse_center_box(args.get("--center-box"));
  opt.pad = get_double(args, "--pad", 0.0);
  KD_CHECK(opt.pad >= 0 && opt.pad <= 1, "--pad must be in [0, 1], got ", opt.pad);
  int hw = int(std::max(1u, std::thread::hardware_concurrency()));
  int threads = args.get_int_or("--threads", hw);
  KD_CHECK(threads >= 1 && threads <= 256, "--threads must be 1..256, got ", threads);

  std::error_code ec;
  KD_CHECK(fs::is_directory(in, ec), "--in ", in.string(), " is not a readable folder");
  in = fs::canonical(in);
  fs::path out = fs::weakly_canonical(out_arg);
  KD_CHECK(out != in, "--out must differ from --in (", in.string(), ")");
  // The input is listed before the output folder exists, so bad input leaves nothing behind.
  std::vector<std::string> rel = args.has("--list") ? read_list(args.get("--list")) : walk_images(in, out);
  KD_CHECK(!rel.empty(), "no jpg/jpeg/png/bmp images under ", in.string());
  const size_t n = rel.size();
  fs::create_directories(out, ec);
  KD_CHECK(fs::is_directory(out), "cannot create --out folder ", out.string(), ec ? ": " + ec.message() : "");

  // Output names, folders and collisions (a.png and a.jpg both become a.jpg) before any work.
  std::vector<Outcome> res(n);
  std::map<std::string, std::string> owner;
  std::set<fs::path> dirs;
  for (size_t i = 0; i < n; ++i) {
    res[i].out_rel = fs::path(rel[i]).replace_extension(".jpg").generic_string();
    auto [it, fresh] = owner.emplace(res[i].out_rel, rel[i]);
    if (!fresh) res[i].reason = "output name " + res[i].out_rel + " already used by " + it->second;
    dirs.insert((out / res[i].out_rel).parent_path());
  }
  for (auto& d : dirs) {
    fs::create_directories(d, ec);
    KD_CHECK(fs::is_directory(d), "cannot create output folder ", d.string(), ec ? ": " + ec.message() : "");
  }

  // One detector per thread (dlib's detector keeps scratch state); the ~100 MB model is read
  // once and copied, before the clock starts so the rate is the alignment's.
  std::vector<std::optional<FaceDetector>> dets(threads);
  std::vector<std::optional<CascadeDetector>> cdets(threads);
  if (opt.preset == AlignPreset::Wild) {
    dets[0].emplace();
    for (int t = 1; t < threads; ++t) dets[t].emplace(*dets[0]);
  }
  if (opt.cascades)
    for (int t = 0; t < threads; ++t) cdets[t].emplace();

  kd::Progress progress("align", int64_t(n), "img");
  std::mutex mu;
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  std::string fatal;
  int64_t done = 0, failed = 0;
  auto worker = [&](int t) {
    try {
      for (size_t i; !stop && (i = next++) < n;) {
        Outcome& o = res[i];
        bool ok = false;
        if (o.reason.empty()) {
          AlignResult r = align_file((in / rel[i]).string(), opt, dets[t] ? &*dets[t] : nullptr,
                                     cdets[t] ? &*cdets[t] : nullptr);
          o.method = r.method;
          o.status = align_status_name(r);
          o.reason = r.reason;
          o.box = box_field(r);
          if (r.ok) {
            write_image((out / o.out_rel).string(), r.face, 95);
            o.x = std::move(r.x);
            o.y = std::move(r.y);
            o.ok = ok = true;
          }
        }
        std::lock_guard<std::mutex> lock(mu);
        ++done;
        if (!ok) ++failed;
        progress.update(done, "not aligned " + std::to_string(failed));
      }
    } catch (const std::exception& e) {
      // Write failures and the like are not per-image outcomes: stop everything.
      std::lock_guard<std::mutex> lock(mu);
      if (fatal.empty()) fatal = e.what();
      stop = true;
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker, t);
  for (auto& t : pool) t.join();
  KD_CHECK(fatal.empty(), fatal);
  progress.finish("not aligned " + std::to_string(failed));

  // "aligned" counts every face written, centre crops included; the methods split it.
  std::map<AlignMethod, int64_t> by_method;
  for (auto& o : res)
    if (o.ok) ++by_method[o.method];
  int64_t aligned = int64_t(n) - failed;
  double secs = progress.elapsed(), rate = secs > 0 ? double(n) / secs : 0.0;
  std::string methods;
  for (auto& [m, count] : by_method) methods += kd::str(methods.empty() ? "" : ", ", align_method_name(m), " ", count);
  char summary[512];
  std::snprintf(summary, sizeof summary,
                "aligned %lld of %zu (%.1f%%; %s), skipped %lld, %.2f img/s, %d threads, %.1f s, preset %s",
                (long long)aligned, n, 100.0 * double(aligned) / double(n), methods.empty() ? "none" : methods.c_str(),
                (long long)failed, rate, threads, secs, align_preset_name(opt.preset));

  std::ostringstream report;
  report << kAlignReportMagic << " layout=status size=" << opt.size << " preset=" << align_preset_name(opt.preset);
  if (opt.preset == AlignPreset::Wild)
    report << " cascades=" << (opt.cascades ? "on" : "off") << " on-miss=" << on_miss_name(opt.on_miss)
           << " center-box=" << opt.center.cx << "," << opt.center.cy << "," << opt.center.side << " pad=" << opt.pad;
  report << '\n' << kAlignReportColumns << '\n';
  for (size_t i = 0; i < n; ++i)
    report << align_report_line({rel[i], res[i].status, align_method_name(res[i].method), res[i].box, res[i].reason});
  report << "# summary: " << summary << '\n';
  kd::write_file_atomic((out / "landmarks.tsv").string(), landmarks_tsv(res, opt.preset, opt.size));
  kd::write_file_atomic((out / "align_report.tsv").string(), report.str());
  std::printf("%s\nwrote %s/landmarks.tsv and %s/align_report.tsv\n", summary, out.c_str(), out.c_str());
  return 0;
}

}  // namespace

KD_DATA_COMMAND(align, "detect, landmark and align face images to the ArcFace template", kUsage, run_align);
