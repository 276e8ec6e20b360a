// kdface-data pack: a folder of aligned 112x112 faces -> a shard set (docs/data.md,
// "Shards, pair lists and the loader"). JPEGs of the right size are stored byte for byte;
// other formats are decoded (OpenCV) and re-encoded at --quality.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "data/align_report.h"
#include "data/cv/imgio.h"
#include "data/identity_list.h"
#include "data/jpeg_codec.h"
#include "data/shard.h"
#include "engine/atomic_file.h"
#include "engine/check.h"
#include "engine/progress.h"
#include "tools/kdface-data/command.h"

namespace fs = std::filesystem;
using namespace kd::data;

namespace {

const char* kUsage =
    "kdface-data pack --in DIR --out DIR [--list FILE] [--shard-size 2000] [--threads N] [--quality 95]\n"
    "                 [--skip-missing]\n"
    "\n"
    "Packs aligned 112x112 faces into a shard set: <out>/shard-00000.kdshard ... and <out>/index.json.\n"
    "  --in DIR        aligned faces: identity folders DIR/<identity>/<image>, or a flat folder with --list\n"
    "  --list FILE     `file identity` lines (e.g. ../shared/data/celeba/identities_wild.txt); files resolve\n"
    "                  against --in. kdface-data align writes every output as .jpg, so a listed x.png is\n"
    "                  found as x.jpg. Listed files that align reported as skipped (DIR/align_report.tsv, or\n"
    "                  DIR/<folder>/align_report.tsv for a file under <folder>, so a pool of align runs packs\n"
    "                  as one) are skipped and counted; any other missing file is an error unless --skip-missing.\n"
    "  --shard-size N  records per shard (default 2000)\n"
    "  --threads N     reader/verifier threads (default 2); the output does not depend on it\n"
    "  --quality Q     JPEG quality for images that must be re-encoded (non-JPEG input; default 95)\n"
    "Labels are 0..K-1 in sorted identity order (numeric for digit names); index.json keeps the mapping.\n"
    "Every image is decoded once to check it is 112x112 (error naming the file otherwise).";

bool is_jpeg(const std::string& b) {
  return b.size() > 3 && uint8_t(b[0]) == 0xFF && uint8_t(b[1]) == 0xD8 && uint8_t(b[2]) == 0xFF;
}

// Bytes to store for one file: the JPEG itself when it already is a 112x112 JPEG.
std::vector<uint8_t> record_bytes(const fs::path& file, int quality, bool& reencoded) {
  reencoded = false;
  std::string raw = kd::read_file(file.string());
  if (is_jpeg(raw)) {
    Image img = decode_jpeg(reinterpret_cast<const uint8_t*>(raw.data()), raw.size(), file.string());
    KD_CHECK(img.w == kFaceSize && img.h == kFaceSize, file.string(), ": image is ", img.w, "x", img.h,
             ", expected ", kFaceSize, "x", kFaceSize, " (pack takes aligned faces: run kdface-data align first)");
    return std::vector<uint8_t>(raw.begin(), raw.end());
  }
  Image img = read_image(file.string());
  KD_CHECK(img.w == kFaceSize && img.h == kFaceSize, file.string(), ": image is ", img.w, "x", img.h, ", expected ",
           kFaceSize, "x", kFaceSize, " (pack takes aligned faces: run kdface-data align first)");
  reencoded = true;
  return encode_jpeg(img, quality);
}

int run_pack(const std::vector<std::string>& argv) {
  kd::tools::Args args(argv, {"--in", "--out", "--list", "--shard-size", "--threads", "--quality"},
                       {"--skip-missing"});
  KD_CHECK(args.positional().empty(), "pack takes no positional arguments, got '", args.positional()[0], "'");
  const fs::path in = args.get("--in"), out = args.get("--out");
  const int shard_size = args.get_int_or("--shard-size", 2000);
  const int threads = args.get_int_or("--threads", 2);
  const int quality = args.get_int_or("--quality", 95);
  KD_CHECK(shard_size >= 1, "--shard-size must be >= 1, got ", shard_size);
  KD_CHECK(threads >= 1 && threads <= 256, "--threads must be 1..256, got ", threads);
  KD_CHECK(quality >= 1 && quality <= 100, "--quality must be 1..100, got ", quality);
  KD_CHECK(fs::is_directory(in), "--in '", in.string(), "' is not a folder");

  IdentityList list = args.has("--list") ? read_identity_list(args.get("--list")) : scan_identity_folders(in.string());
  std::vector<std::string> skipped_unaligned, skipped_missing;
  if (args.has("--list")) {
    AlignReports reports(in.string());
    std::vector<LabeledFile> kept;
    for (auto& f : list.files) {
      fs::path p = in / f.path;
      if (!fs::exists(p)) {
        fs::path as_jpg = fs::path(f.path).replace_extension(".jpg");
        std::string report;
        const AlignReportRow* row = reports.find(f.path, &report);
        if (fs::exists(in / as_jpg)) {
          f.path = as_jpg.generic_string();
        } else if (row && row->status == "skipped") {
          skipped_unaligned.push_back(f.path);
          continue;
        } else {
          KD_CHECK(!row, "'", f.path, "' from ", list.source, " is missing from ", in.string(), " although ", report,
                   " says it was written (status ", row->status, "); was the output folder changed after align?");
          KD_CHECK(args.flag("--skip-missing"), "'", f.path, "' from ", list.source, " is not in ", in.string(),
                   " (nor as ", as_jpg.string(), ", nor listed in an align_report.tsv); use --skip-missing to skip it");
          skipped_missing.push_back(f.path);
          continue;
        }
      }
      kept.push_back(f);
    }
    list.files = std::move(kept);
    KD_CHECK(!list.files.empty(), "none of the files of ", list.source, " is in ", in.string());
    assign_labels(list);  // identities whose every image was skipped drop out; labels stay dense
  }

  nlohmann::json source = {{"tool", "kdface-data pack"},
                           {"in", fs::absolute(in).lexically_normal().string()},
                           {"list", args.get_or("--list", "")},
                           {"skipped_not_aligned", skipped_unaligned.size()},
                           {"skipped_missing", skipped_missing.size()}};
  ShardSetWriter writer(out.string(), shard_size, list.identities, source);
  const size_t n = list.files.size();
  kd::Progress progress("pack", int64_t(n), "img");
  uint64_t bytes_total = 0, reencoded = 0;

  // Chunks are read and checked in parallel, then written in list order, so the shards are
  // identical whatever --threads is.
  const size_t chunk = 512;
  std::vector<std::vector<uint8_t>> bytes(chunk);
  std::vector<char> was_reencoded(chunk);
  for (size_t start = 0; start < n; start += chunk) {
    const size_t count = std::min(chunk, n - start);
    std::atomic<size_t> next{0};
    std::string error;
    std::mutex mu;
    auto work = [&] {
      for (size_t i; (i = next.fetch_add(1)) < count;) {
        try {
          bool re = false;
          bytes[i] = record_bytes(in / list.files[start + i].path, quality, re);
          was_reencoded[i] = re;
        } catch (const std::exception& e) {
          std::lock_guard<std::mutex> lock(mu);
          if (error.empty()) error = e.what();
          next = count;
        }
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < std::min<int>(threads, int(count)); ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    if (!error.empty()) throw kd::Error(error);  // already says where
    for (size_t i = 0; i < count; ++i) {
      const LabeledFile& f = list.files[start + i];
      reencoded += was_reencoded[i] ? 1 : 0;
      bytes_total += bytes[i].size();
      writer.add(bytes[i], f.label, f.path);
    }
    progress.update(int64_t(start + count));
  }
  ShardSetInfo info = writer.finish();
  progress.finish();
  std::printf("packed %lld images of %lld identities into %zu shards in %s (%.1f MB, %.1f KB/image)\n",
              (long long)info.records, (long long)info.classes, info.shard_files.size(), out.c_str(),
              double(bytes_total) / 1e6, double(bytes_total) / 1e3 / double(std::max<int64_t>(info.records, 1)));
  std::printf("re-encoded (not JPEG) %llu; skipped: %zu not aligned (align_report.tsv), %zu missing; %.1f img/s\n",
              (unsigned long long)reencoded, skipped_unaligned.size(), skipped_missing.size(), progress.rate());
  for (size_t i = 0; i < std::min<size_t>(5, skipped_missing.size()); ++i)
    std::printf("  missing: %s\n", skipped_missing[i].c_str());
  return 0;
}

}  // namespace

KD_DATA_COMMAND(pack, "pack aligned faces into a shard set for training", kUsage, run_pack);
