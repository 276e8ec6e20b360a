// kdface-export's ONNX model run by OpenCV's DNN module (a second runtime, not ours) gives
// kdface's embeddings of 100 real aligned faces within 1e-4 (relative to the largest value):
// for two small models with random weights and BatchNorm statistics (both heads, input_pool
// 1 and 2), every model shipped in pretrained/ and, when set, $KDFACE_ONNX_TEST_MODEL. The
// ONNX Runtime check of the same export is scripts/onnx_parity.py.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <opencv2/dnn.hpp>

#include "data/cv/align.h"
#include "data/cv/imgio.h"
#include "engine/checkpoint.h"
#include "engine/rng.h"
#include "tests/support/shared_dir.h"
#include "tests/support/temp_dir.h"
#include "tools/face_input/face_features.h"
#include "tools/kdface-eval/backbone_checkpoint.h"
#include "tools/kdface-export/export_onnx.h"
#include "tests/support/student_checkpoint.h"

namespace fs = std::filesystem;
using namespace kd;

namespace {

// The first n images of CelebA's aligned set, through the celeba-aligned preset.
std::vector<data::Image> real_faces(const fs::path& dir, size_t n) {
  std::ifstream list(dir.parent_path() / "identities_aligned.txt");
  std::vector<data::Image> faces;
  std::string line;
  data::AlignOptions opt;
  opt.preset = data::AlignPreset::CelebaAligned;
  while (faces.size() < n && std::getline(list, line)) {
    std::istringstream ss(line);
    std::string file;
    ss >> file;
    data::AlignResult r = data::align_file((dir / file).string(), opt, nullptr);
    REQUIRE(r.ok);
    faces.push_back(std::move(r.face));
  }
  return faces;
}

// Whether k belongs to a BatchNorm (it has running statistics beside it).
bool sd_has(const models::ResNeXtCBAM& net, const std::string& k) {
  const std::string base = k.substr(0, k.rfind('.'));
  return net.state_dict().count(base + ".running_var") > 0;
}

// A checkpoint whose BatchNorms are far from identity, so a wrong fold shows.
std::string random_model(const std::string& dir, const nlohmann::json& cfg, uint64_t seed) {
  models::ResNeXtCBAM net(models::ResNeXtConfig::from_json(cfg, "test"), seed);
  Generator g(seed + 1);
  Checkpoint ck = kdtest::student_checkpoint(net, cfg);
  for (auto& kv : net.state_dict()) {
    // Not a structured binding: clang 14 (build-san) cannot capture one in a lambda.
    const std::string& k = kv.first;
    const Tensor& v = kv.second;
    Tensor t = v;
    const auto ends = [&](const char* s) { return k.size() > strlen(s) && k.compare(k.size() - strlen(s), strlen(s), s) == 0; };
    const bool bn = sd_has(net, k);
    if (bn && ends("running_var")) t = Tensor::uniform(v.shape(), g, 0.5, 2.0);
    if (bn && (ends("running_mean") || ends(".bias"))) t = Tensor::randn(v.shape(), g, DType::F32, 0.2);
    if (bn && ends(".weight")) t = Tensor::uniform(v.shape(), g, 0.5, 1.5);
    ck.model["backbone." + k] = t;
  }
  const std::string path = dir + "/random_" + std::to_string(seed) + ".safetensors";
  save_checkpoint(path, ck);
  return path;
}

std::vector<std::string> models_to_check(const std::string& dir) {
  std::vector<std::string> out = {
      random_model(dir, {{"preset", "tiny"}, {"depths", {1, 2, 1, 1}}, {"input_pool", 2}}, 3),
      random_model(dir, {{"preset", "tiny"}, {"depths", {1, 1, 1, 1}}, {"head", "flatten"}, {"emb", 64}}, 4)};
  if (const char* m = std::getenv("KDFACE_ONNX_TEST_MODEL"); m && *m) out.push_back(m);
  for (const char* stem : {"pool_teacher", "pool_student_basic", "pool_student_full"}) {
    const fs::path p = fs::path(KDFACE_SOURCE_DIR) / "pretrained" / (std::string(stem) + ".safetensors");
    if (fs::exists(p)) out.push_back(p.string());
  }
  return out;
}

}  // namespace

TEST_CASE("OpenCV DNN runs kdface-export's ONNX model to kdface's embeddings", "[onnx]") {
  const fs::path dir = kdtest::shared_dir() / "data/celeba/aligned";
  if (!fs::exists(dir)) {
    WARN("KDFACE-SKIP: " << dir << " not found (the shared face data)");
    return;
  }
  kdtest::TempDir d("onnx_dnn");
  const auto models = models_to_check(d.p);
  const std::vector<data::Image> faces = real_faces(dir, 100);
  REQUIRE(faces.size() == 100);
  std::vector<cv::Mat> bgr;
  for (const auto& f : faces) bgr.push_back(data::to_bgr_mat(f));
  // RGB, (x - 127.5) / 127.5: the normalisation the export's metadata states.
  const cv::Mat blob = cv::dnn::blobFromImages(bgr, 1.0 / 127.5, cv::Size(112, 112), cv::Scalar(127.5, 127.5, 127.5),
                                               /*swapRB=*/true, /*crop=*/false);
  for (const std::string& m : models) {
    INFO(m);
    auto lb = evaltool::load_backbone(m);
    const std::string onnx = d.p + "/model.onnx";
    exporttool::export_onnx(*lb.net, lb.run_config["student"]["model"], lb.file, onnx);
    int64_t dim = 0;
    const std::vector<float> want = faceinput::face_features(*lb.net, faces, faceinput::Feature::Raw, 50, &dim);

    cv::dnn::Net net = cv::dnn::readNetFromONNX(onnx);
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    net.setInput(blob, "input");
    cv::Mat got = net.forward("embedding");
    REQUIRE(got.total() == want.size());
    double max_diff = 0, max_val = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      max_diff = std::max(max_diff, std::abs(double(got.ptr<float>()[i]) - want[i]));
      max_val = std::max(max_val, std::abs(double(want[i])));
    }
    WARN(fs::path(m).filename().string() << ": OpenCV DNN vs kdface, 100 faces x " << dim << ": max |diff| " << max_diff
                                         << " (" << max_diff / max_val << " of the largest value)");
    CHECK(max_diff / max_val <= 1e-4);
  }
}
