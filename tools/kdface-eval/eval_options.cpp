#include "tools/kdface-eval/eval_options.h"

#include <set>

#include "engine/check.h"
#include "engine/cuda.h"

namespace kd::evaltool {

data::DegradeSpec degrade_spec(const EvalOptions& o) {
  if (!o.degrade.empty() && o.degrade[0] == '{') {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(o.degrade);
    } catch (const std::exception& e) {
      KD_FAIL("--degrade: not valid JSON (", e.what(), "): ", o.degrade);
    }
    return data::degrade_spec_from_json(j, "--degrade");
  }
  KD_CHECK(o.degrade == "paper" || o.degrade == "askd", "--degrade: expected paper, askd or a JSON degradation spec ",
           "such as a config's data.degrade, got '", o.degrade, "'");
  return data::degrade_spec_from_json(nlohmann::json{{"protocol", o.degrade}}, "--degrade");
}

void check_options(const EvalOptions& o) {
  KD_CHECK(!o.models.empty(), "--model CKPT is required (a checkpoint file or a run folder; repeat for more models)");
  KD_CHECK(o.names.empty() || o.names.size() == o.models.size(), "--name: got ", o.names.size(), " names for ",
           o.models.size(), " models (give one --name per --model, in the same order, or none)");
  KD_CHECK(!o.pairs.empty(), "--pairs FILE is required");
  KD_CHECK(!o.scales.empty(), "--scales: expected a list such as 1,2,4,8");
  std::set<int> seen;
  for (int s : o.scales) {
    KD_CHECK(s == 1 || s == 2 || s == 4 || s == 8, "--scales: expected values in {1, 2, 4, 8}, got ", s);
    KD_CHECK(seen.insert(s).second, "--scales: ", s, " is listed twice");
  }
  KD_CHECK(!o.scoring.empty(), "--scoring: expected askd, insightface or askd,insightface");
  std::set<std::string> sp;
  for (auto& s : o.scoring) {
    KD_CHECK(s == "askd" || s == "insightface", "--scoring: expected askd or insightface, got '", s, "'");
    KD_CHECK(sp.insert(s).second, "--scoring: '", s, "' is listed twice");
  }
  degrade_spec(o);
  KD_CHECK(o.batch >= 2, "--batch: expected >= 2 (AdaBN needs two images per batch), got ", o.batch);
  KD_CHECK(o.on_missing == "skip" || o.on_missing == "fail", "--on-missing: expected skip or fail, got '",
           o.on_missing, "'");
  KD_CHECK(o.max_pairs >= 0, "--max-pairs: expected >= 0, got ", o.max_pairs);
  KD_CHECK(o.device == "cpu" || o.device == "cuda", "--device: expected cpu or cuda, got '", o.device, "'");
  KD_CHECK(o.device == "cpu" || cuda::available(), "--device cuda: ", cuda::unavailable_reason(), "; use --device cpu");
}

}  // namespace kd::evaltool
