#include "tools/kdface-verify/pair_verify.h"

#include <cmath>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "data/cv/align.h"
#include "data/cv/cascade_detect.h"
#include "data/cv/face_detect.h"
#include "data/cv/imgio.h"
#include "data/face_tensor.h"
#include "data/shard.h"
#include "engine/atomic_file.h"
#include "engine/autograd.h"
#include "engine/check.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace kd::verifytool {

Face load_face(const std::string& path, bool aligned) {
  KD_CHECK(fs::exists(path), path, ": no such file");
  Face f;
  if (aligned) {
    f.image = data::read_image(path);
    KD_CHECK(f.image.w == data::kFaceSize && f.image.h == data::kFaceSize, path, ": --aligned expects a ",
             data::kFaceSize, "x", data::kFaceSize, " aligned face, got ", f.image.w, "x", f.image.h,
             " (leave --aligned out to detect and align it)");
    f.method = "given";
    return f;
  }
  data::AlignOptions opt;
  opt.cascades = true;
  static const data::FaceDetector det;
  static const data::CascadeDetector cascades;
  data::AlignResult r = data::align_file(path, opt, &det, &cascades);
  KD_CHECK(r.ok, path, ": ", r.reason);
  f.image = std::move(r.face);
  f.method = data::align_method_name(r.method);
  return f;
}

std::vector<float> pair_feature(models::ResNeXtCBAM& net, const data::Image& face) {
  constexpr int64_t S = data::kFaceSize;
  KD_CHECK(face.w == S && face.h == S && face.c == 3, "pair_feature: expected a ", S, "x", S, " RGB face");
  Tensor x = Tensor::empty({2, 3, S, S});
  data::image_to_chw(face, 127.5f, 127.5f, false, x.data<float>());
  data::image_to_chw(face, 127.5f, 127.5f, true, x.data<float>() + 3 * S * S);
  net.eval();
  autograd::NoGradGuard ng;
  Tensor emb = net.forward(x.to(net.parameters().front().device())).embedding.to(cpu());
  const int64_t d = emb.shape()[1];
  const float* p = emb.data<float>();
  std::vector<double> sum(static_cast<size_t>(d));
  double norm = 0;
  for (int64_t j = 0; j < d; ++j) {
    sum[size_t(j)] = double(p[j]) + double(p[d + j]);
    norm += sum[size_t(j)] * sum[size_t(j)];
  }
  KD_CHECK(norm > 0 && std::isfinite(norm), "pair_feature: the embedding has no direction (zero or not finite)");
  std::vector<float> out(static_cast<size_t>(d));
  for (int64_t j = 0; j < d; ++j) out[size_t(j)] = float(sum[size_t(j)] / std::sqrt(norm));
  return out;
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  KD_CHECK(a.size() == b.size(), "cosine: features of different length");
  double s = 0;
  for (size_t j = 0; j < a.size(); ++j) s += double(a[j]) * double(b[j]);
  return s;
}

std::optional<Threshold> manifest_threshold(const std::string& model_file, int scale) {
  if (fs::is_directory(model_file)) return std::nullopt;
  const std::string mpath = fs::path(model_file).replace_extension(".json").string();
  if (!fs::exists(mpath)) return std::nullopt;
  json m;
  try {
    m = json::parse(read_file(mpath));
  } catch (const json::exception& e) {
    KD_FAIL(mpath, ": not valid JSON (expected the model's kdface-release manifest): ", e.what());
  }
  if (!m.contains("results") || !m["results"].is_object()) return std::nullopt;
  const std::string key = std::to_string(scale);
  for (const char* proto : {"paper", "askd"}) {
    const json& res = m["results"];
    if (!res.contains(proto) || !res[proto].contains("insightface") || !res[proto]["insightface"].contains(key))
      continue;
    const json& e = res[proto]["insightface"][key];
    KD_CHECK(e.contains("threshold") && e["threshold"].is_number() && e.value("score", "") == "squared_l2", mpath,
             ": results.", proto, ".insightface.", key, " needs a numeric squared-L2 \"threshold\"");
    Threshold t;
    t.similarity = 1.0 - e["threshold"].get<double>() / 2.0;
    char acc[64];
    std::snprintf(acc, sizeof acc, "%.2f %%", 100.0 * e.value("mean", 0.0));
    const int64_t pairs = res[proto].contains("pairs") ? res[proto]["pairs"].value("scored", int64_t(0)) : 0;
    t.source = mpath + ": the best-accuracy threshold on " + std::to_string(pairs) + " pairs (insightface scoring, x" +
               key + ", " + acc + ")";
    return t;
  }
  return std::nullopt;
}

}  // namespace kd::verifytool
