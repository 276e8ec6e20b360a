// kdface-export's ONNX model run by OpenCV's DNN module (a second runtime, not ours) gives
// kdface's embeddings of 100 real aligned faces within 1e-4 (relative to the largest value),
// for every model shipped in pretrained/ or, when set, $KDFACE_ONNX_TEST_MODEL. The ONNX
// Runtime check of the same export is scripts/onnx_parity.py.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <opencv2/dnn.hpp>

#include "data/cv/align.h"
#include "data/cv/imgio.h"
#include "tests/support/shared_dir.h"
#include "tests/support/temp_dir.h"
#include "tools/face_input/face_features.h"
#include "tools/kdface-eval/backbone_checkpoint.h"
#include "tools/kdface-export/export_onnx.h"

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

std::vector<std::string> models_to_check() {
  std::vector<std::string> out;
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
  const auto models = models_to_check();
  REQUIRE_FALSE(models.empty());  // the shipped models are in the repository
  const std::vector<data::Image> faces = real_faces(dir, 100);
  REQUIRE(faces.size() == 100);
  std::vector<cv::Mat> bgr;
  for (const auto& f : faces) bgr.push_back(data::to_bgr_mat(f));
  // RGB, (x - 127.5) / 127.5: the normalisation the export's metadata states.
  const cv::Mat blob = cv::dnn::blobFromImages(bgr, 1.0 / 127.5, cv::Size(112, 112), cv::Scalar(127.5, 127.5, 127.5),
                                               /*swapRB=*/true, /*crop=*/false);
  kdtest::TempDir d("onnx_dnn");
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
