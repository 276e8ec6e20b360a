#include "eval/report_json.h"

namespace kd::eval {

using nlohmann::json;

json report_to_json(const EvalReport& r) {
  json models = json::array();
  for (const ReportModel& m : r.models)
    models.push_back({{"name", m.name},
                      {"checkpoint", m.checkpoint},
                      {"sha256", m.sha256},
                      {"bytes", m.bytes},
                      {"step", m.step},
                      {"parameters", m.parameters},
                      {"backbone", m.backbone},
                      {"run_config", m.run_config}});
  json results = json::array();
  for (const ReportEntry& e : r.entries) {
    json j = to_json(e.result);
    j["model"] = r.models.at(e.model).name;
    j["model_index"] = e.model;
    j["scoring"] = e.scoring;
    j["scale"] = e.scale;
    results.push_back(std::move(j));
  }
  return {{"tool", "kdface-eval"},
          {"report_version", 1},
          {"date", r.date},
          {"command_line", r.command_line},
          {"pairs", r.pairs},
          {"protocol",
           {{"scoring", r.scoring},
            {"scales", r.scales},
            {"mode", r.cross ? "cross" : "both_degraded"},
            {"adabn", r.adabn},
            {"degrade", r.degrade},
            {"views", r.views}}},
          {"models", models},
          {"results", results},
          {"timing", r.timing}};
}

}  // namespace kd::eval
