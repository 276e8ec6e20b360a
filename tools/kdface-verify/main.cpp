// kdface-verify: are two photos the same person? Aligns both faces, embeds them with a
// kdface model and compares the similarity with a threshold (given, or the model's manifest).
#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/check.h"
#include "tools/cli/args.h"
#include "tools/cli/omp_wait_policy.h"
#include "tools/kdface-eval/backbone_checkpoint.h"
#include "tools/face_input/face_features.h"
#include "tools/face_input/face_loader.h"
#include "tools/kdface-verify/verify_threshold.h"

namespace {

const char* kUsage =
    "usage: kdface-verify --model CKPT [--threshold T | --report REPORT.json [--report-model NAME]] [--aligned]\n"
    "                     [--json] A.jpg B.jpg\n"
    "\n"
    "  --model CKPT     a shipped model (pretrained/*.safetensors), checkpoint or run folder\n"
    "  --threshold T    same person iff similarity > T (cosine, -1..1); default: the threshold in\n"
    "                   the model's manifest (CKPT with .json), measured on the validation pairs\n"
    "  --report R       take it from a kdface-eval report.json with insightface scoring (x1)\n"
    "  --report-model N the model's --name in that report (needed when it scored several)\n"
    "  --aligned        the images are already aligned 112x112 faces (no detection)\n"
    "  --json           one JSON object instead of text\n"
    "Exit status: 0 when both faces were compared (same or not), 1 on an error.\n";

double parse_threshold(const std::string& v) {
  size_t used = 0;
  double t = 0;
  try {
    t = std::stod(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  KD_CHECK(used == v.size() && !v.empty() && t >= -1 && t <= 1, "--threshold: expected a cosine similarity in [-1, 1], got '",
           v, "'");
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  kd::cli::ensure_passive_omp_wait(argv);
  const kd::tools::ToolSpec spec{"kdface-verify", kUsage, {"--model", "--threshold", "--report", "--report-model"},
                                 {"--aligned", "--json"}};
  return kd::tools::run_tool(spec, argc, argv, [](const kd::tools::Args& args) {
    const std::string model = args.get("--model");
    std::optional<double> threshold;
    if (args.has("--threshold")) threshold = parse_threshold(args.get("--threshold"));
    const std::string report = args.get_or("--report", ""), report_model = args.get_or("--report-model", "");
    const bool aligned = args.flag("--aligned"), as_json = args.flag("--json");
    const std::vector<std::string>& images = args.positional();
    KD_CHECK(images.size() == 2, "expected two images, got ", images.size(), "\n", kUsage);

    KD_CHECK(!(threshold && !report.empty()), "give --threshold or --report, not both");
    KD_CHECK(report_model.empty() || !report.empty(), "--report-model needs --report");
    kd::verifytool::Threshold t;
    if (threshold) {
      t = {*threshold, "--threshold"};
    } else if (!report.empty()) {
      t = kd::verifytool::report_threshold(report, report_model);
    } else {
      auto from = kd::verifytool::manifest_threshold(model);
      KD_CHECK(from.has_value(), model,
               ": no threshold: give --threshold, or a shipped model whose manifest has insightface results "
               "(kdface-release --attach)");
      t = *from;
    }
    const kd::faceinput::FaceLoader loader(aligned);
    const auto a = loader.load(images[0]);
    const auto b = loader.load(images[1]);
    auto lb = kd::evaltool::load_backbone(model);
    int64_t dim = 0;
    const auto f = kd::faceinput::face_features(*lb.net, {a.image, b.image}, kd::faceinput::Feature::FlipSum, 2, &dim);
    const double s = kd::faceinput::cosine(f.data(), f.data() + dim, dim);
    const bool same = s > t.similarity;
    if (as_json) {
      nlohmann::json j = {{"a", images[0]},           {"b", images[1]},          {"a_alignment", a.method},
                          {"b_alignment", b.method},  {"similarity", s},         {"threshold", t.similarity},
                          {"threshold_source", t.source}, {"same", same},      {"model", lb.file}};
      std::printf("%s\n", j.dump(2).c_str());
    } else {
      std::printf("%s: aligned (%s)\n%s: aligned (%s)\n", images[0].c_str(), a.method.c_str(), images[1].c_str(),
                  b.method.c_str());
      std::printf("similarity %.4f\nthreshold  %.4f  (%s)\n%s\n", s, t.similarity, t.source.c_str(),
                  same ? "same person" : "different people");
    }
    return 0;
  });
}
