#include "tools/kdface-data/image_folder_job.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "data/cv/imgio.h"
#include "data/jpeg_codec.h"
#include "engine/atomic_file.h"
#include "engine/check.h"

namespace fs = std::filesystem;

namespace kd::tools {
namespace {

std::string lower_ext(const fs::path& p) {
  std::string e = p.extension().string();
  for (auto& ch : e) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  return e;
}

}  // namespace

std::vector<std::string> list_images(const std::string& dir) {
  std::error_code ec;
  KD_CHECK(fs::is_directory(dir, ec), "--in ", dir, " is not a readable folder");
  std::vector<std::string> rel;
  fs::recursive_directory_iterator it(dir, ec), end;
  KD_CHECK(!ec, "cannot read folder ", dir, ": ", ec.message());
  for (; it != end; it.increment(ec)) {
    KD_CHECK(!ec, "error while walking ", dir, ": ", ec.message());
    if (!it->is_regular_file()) continue;
    const std::string e = lower_ext(it->path());
    if (e == ".jpg" || e == ".jpeg" || e == ".png" || e == ".bmp")
      rel.push_back(fs::relative(it->path(), dir).generic_string());
  }
  std::sort(rel.begin(), rel.end());
  KD_CHECK(!rel.empty(), "no jpg/jpeg/png/bmp images under ", dir);
  return rel;
}

kd::data::Image read_any_image(const std::string& path) {
  const std::string e = lower_ext(path);
  if (e == ".jpg" || e == ".jpeg") {
    const std::string bytes = kd::read_file(path);
    return kd::data::decode_jpeg(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), path);
  }
  return kd::data::read_image(path);
}

void write_any_image(const std::string& path, const kd::data::Image& img) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  const std::string e = lower_ext(path);
  if (e == ".jpg" || e == ".jpeg") {
    const auto bytes = kd::data::encode_jpeg(img, 95);
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    KD_CHECK(f.good(), "cannot write ", path);
    return;
  }
  kd::data::write_image(path, img);
}

uint64_t path_hash(const std::string& rel) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : rel) h = (h ^ c) * 1099511628211ULL;
  return h;
}

FolderJobStats run_folder_job(const std::string& in_dir, const std::string& out_dir,
                              const std::vector<std::string>& rel, int threads,
                              const std::function<void(const std::string&, const std::string&, const std::string&)>& job) {
  KD_CHECK(threads >= 1 && threads <= 256, "--threads must be 1..256, got ", threads);
  FolderJobStats st;
  std::atomic<size_t> next{0};
  std::atomic<int> done{0};
  std::mutex mu;
  const auto t0 = std::chrono::steady_clock::now();
  auto worker = [&] {
    for (size_t i; (i = next++) < rel.size();) {
      try {
        job(rel[i], (fs::path(in_dir) / rel[i]).string(), (fs::path(out_dir) / rel[i]).string());
        ++done;
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mu);
        st.failed.emplace_back(rel[i], e.what());
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  st.done = done;
  std::sort(st.failed.begin(), st.failed.end());
  return st;
}

std::string write_folder_report(const std::string& out_dir, const std::string& name, const FolderJobStats& st,
                                const std::string& what) {
  std::ostringstream summary;
  summary << what << ": " << st.done << " written, " << st.failed.size() << " failed, " << st.seconds << " s ("
          << (st.seconds > 0 ? st.done / st.seconds : 0.0) << " images/s)";
  std::ostringstream os;
  os << "# relative_path\treason\n";
  for (auto& [r, why] : st.failed) {
    std::string one = why;
    std::replace(one.begin(), one.end(), '\n', ' ');
    std::replace(one.begin(), one.end(), '\t', ' ');
    os << r << '\t' << one << '\n';
  }
  os << "# " << summary.str() << '\n';
  kd::write_file_atomic((fs::path(out_dir) / name).string(), os.str());
  return summary.str();
}

void write_contact_sheet(const std::string& out_dir, const std::vector<std::string>& rel, const std::string& path) {
  constexpr int kSide = 112, kGrid = 4;
  kd::data::Image sheet(kSide * kGrid, kSide * kGrid, 3);
  int n = 0;
  for (const auto& r : rel) {
    if (n == kGrid * kGrid) break;
    const fs::path p = fs::path(out_dir) / r;
    if (!fs::exists(p)) continue;
    const kd::data::Image f = read_any_image(p.string());
    KD_CHECK(f.w == kSide && f.h == kSide, "--contact-sheet needs 112x112 faces, ", p.string(), " is ", f.w, "x", f.h);
    const int ox = (n % kGrid) * kSide, oy = (n / kGrid) * kSide;
    for (int y = 0; y < kSide; ++y) std::copy(f.row(y), f.row(y) + kSide * 3, sheet.row(oy + y) + ox * 3);
    ++n;
  }
  KD_CHECK(n == kGrid * kGrid, "--contact-sheet needs 16 masked faces, only ", n, " were written");
  kd::data::write_image(path, sheet);
}

}  // namespace kd::tools
