#include "tools/kdface-embed/embed_run.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "engine/check.h"
#include "engine/parallel.h"
#include "engine/progress.h"
#include "eval/report_hash.h"
#include "tools/face_input/face_loader.h"
#include "tools/kdface-data/image_folder_job.h"
#include "tools/kdface-eval/backbone_checkpoint.h"

namespace fs = std::filesystem;

namespace kd::embedtool {
namespace {

std::vector<std::string> read_list(const std::string& file, const std::string& base) {
  std::ifstream f(file);
  KD_CHECK(f.good(), "--list ", file, ": cannot open it");
  std::vector<std::string> out;
  std::string line;
  while (std::getline(f, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    out.push_back(base.empty() || fs::path(line).is_absolute() ? line : (fs::path(base) / line).string());
  }
  KD_CHECK(!out.empty(), "--list ", file, ": lists no images");
  return out;
}

struct Loaded {
  std::optional<faceinput::Face> face;
  std::string error;
};

// Loads paths[begin, end) on `threads` threads, each with its own loader.
std::vector<Loaded> load_chunk(const std::vector<std::string>& paths, size_t begin, size_t end,
                               std::vector<faceinput::FaceLoader>& loaders) {
  std::vector<Loaded> out(end - begin);
  std::atomic<size_t> next{begin};
  auto work = [&](size_t t) {
    for (size_t i; (i = next++) < end;) {
      try {
        out[i - begin].face = loaders[t].load(paths[i]);
      } catch (const std::exception& e) {
        out[i - begin].error = e.what();
      }
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < loaders.size(); ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  return out;
}

}  // namespace

std::vector<std::string> collect_inputs(const EmbedOptions& o) {
  const int sources = int(!o.images.empty()) + int(!o.list.empty()) + int(!o.in_dir.empty() && o.list.empty());
  KD_CHECK(sources == 1, "give the images one way: as arguments, with --in DIR, or with --list FILE (paths "
                         "relative to --in when both are given)");
  if (!o.images.empty()) return o.images;
  if (!o.list.empty()) return read_list(o.list, o.in_dir);
  std::vector<std::string> rel = tools::list_images(o.in_dir);
  for (auto& r : rel) r = (fs::path(o.in_dir) / r).string();
  return rel;
}

EmbedSummary run_embed(const EmbedOptions& o) {
  check_output_name(o.out);
  KD_CHECK(o.batch > 0 && o.batch <= 4096, "--batch: expected 1..4096, got ", o.batch);
  KD_CHECK(o.device == "cpu" || o.device == "cuda", "--device: expected cpu or cuda, got '", o.device, "'");
  const int threads = o.threads > 0 ? o.threads : int(std::max(1u, std::thread::hardware_concurrency()));
  KD_CHECK(threads <= 256, "--threads: expected 1..256, got ", threads);
  set_num_threads(threads);
  const std::vector<std::string> paths = collect_inputs(o);

  auto lb = evaltool::load_backbone(o.model);
  lb.net->to(o.device == "cuda" ? cuda_device(0) : cpu());
  std::vector<faceinput::FaceLoader> loaders;
  loaders.reserve(size_t(threads));
  loaders.emplace_back(o.aligned);
  for (int t = 1; t < threads; ++t) loaders.emplace_back(loaders.front());

  EmbedSummary s;
  s.inputs = int64_t(paths.size());
  std::vector<float> v;
  const auto start = std::chrono::steady_clock::now();
  std::optional<Progress> progress;
  if (!o.quiet) progress.emplace("embed", s.inputs, "img");
  const size_t chunk = size_t(std::max<int64_t>(256, 4 * o.batch));
  for (size_t b = 0; b < paths.size(); b += chunk) {
    const size_t e = std::min(paths.size(), b + chunk);
    std::vector<Loaded> loaded = load_chunk(paths, b, e, loaders);
    std::vector<data::Image> faces;
    for (size_t i = b; i < e; ++i) {
      Loaded& l = loaded[i - b];
      KD_CHECK(!o.fail_on_error || l.face, l.error, " (--on-error fail: nothing was written)");
      IndexRow row;
      row.path = paths[i];
      if (l.face) {
        row.row = s.embedded++;
        row.alignment = l.face->method;
        faces.push_back(std::move(l.face->image));
      } else {
        row.reason = l.error;
      }
      s.index.push_back(std::move(row));
    }
    if (!faces.empty()) {
      int64_t dim = 0;
      std::vector<float> f = faceinput::face_features(*lb.net, faces, o.feature, o.batch, &dim);
      s.dim = dim;
      v.insert(v.end(), f.begin(), f.end());
    }
    if (progress) progress->update(int64_t(e), std::to_string(s.inputs - s.embedded) + " failed");
  }
  if (progress) progress->finish();
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  write_embeddings(o.out, v, s.embedded, s.dim,
                   {{"tool", "kdface-embed"},
                    {"model", lb.file},
                    {"model_sha256", eval::sha256_file(lb.file)},
                    {"feature", faceinput::feature_name(o.feature)},
                    {"aligned_input", o.aligned ? "true" : "false"},
                    {"index", fs::path(index_path_for(o.out)).filename().string()}},
                   s.index);
  return s;
}

}  // namespace kd::embedtool
