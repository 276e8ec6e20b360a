#include "tools/kdface-eval/run_evaluation.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "data/degrade.h"
#include "engine/check.h"
#include "engine/cuda.h"
#include "eval/report_files.h"
#include "eval/report_hash.h"
#include "tools/kdface-eval/backbone_checkpoint.h"
#include "eval/views/pair_faces.h"
#include "eval/views/score_views.h"

namespace kd::evaltool {

using nlohmann::json;

eval::EvalReport run_evaluation(const EvalOptions& o) {
  check_options(o);
  const data::DegradeSpec spec = degrade_spec(o);
  eval::PairFaces pf = eval::load_pair_faces(o.pairs, o.format, o.root, o.max_pairs, o.on_missing);
  const eval::PairSet ps = pf.pair_set();
  eval::require_scorable(pf);
  if (!pf.unscored.empty() && !o.quiet) {
    std::fprintf(stderr, "kdface-eval: warning: %zu of %lld pairs cannot be scored (%lld images missing, unreadable "
                 "or not aligned; first: %s); scoring the other %lld\n",
                 pf.unscored.size(), (long long)pf.selected_pairs, (long long)pf.unreadable_images,
                 pf.unscored[0].reason.c_str(), (long long)ps.size());
  }
  eval::ViewScoring vs;
  vs.spec = spec;
  vs.scales = o.scales;
  vs.scoring = o.scoring;
  vs.cross = o.cross;
  vs.adabn = o.adabn;
  vs.batch = o.batch;
  vs.seed = o.seed;

  eval::EvalReport r;
  r.date = eval::utc_timestamp();
  r.command_line = o.command_line;
  r.scoring = o.scoring;
  r.scales = o.scales;
  r.cross = o.cross;
  r.adabn = o.adabn;
  r.degrade = data::degrade_spec_to_json(spec);
  int64_t same = 0;
  for (bool s : ps.same) same += s;
  r.pairs = {{"file", o.pairs},
             {"format", o.format},
             {"root", o.root},
             {"sha256", eval::sha256_file(pf.hashed_file)},
             {"sha256_of", pf.hashed_file},
             {"pairs", ps.size()},
             {"same", same},
             {"different", ps.size() - same},
             {"folds", pf.list.folds},
             {"listed_pairs", pf.listed_pairs},
             {"max_pairs", o.max_pairs},
             {"selected_pairs", pf.selected_pairs},
             {"unscored_pairs", int64_t(pf.unscored.size())},
             {"unreadable_images", pf.unreadable_images},
             {"unscored_file", "unscored_pairs.tsv"},
             {"on_missing", o.on_missing},
             {"images", int64_t(pf.images.size())}};
  r.unscored = pf.unscored;
  r.views = {{"views", "per pair: image A, A flipped, image B, B flipped"},
             {"order", "flip, then degrade (scale > 1); x1 is the clean image"},
             {"degrade_seed", "mix64(mix64(seed, scale), image_index), shared by a view and its flip"},
             {"seed", o.seed},
             {"image_index", "order of first appearance among the scored pairs of the selected list"},
             {"cross", "side A clean (checkpoint BN statistics), side B degraded at the scale"},
             {"adabn", "BN statistics re-estimated per scale on the unflipped views of every image of the list"},
             {"normalisation", "(x - 127.5) / 127.5, RGB, NCHW"}};

  const int64_t n = int64_t(pf.images.size());
  for (size_t mi = 0; mi < o.models.size(); ++mi) {
    LoadedBackbone lb = load_backbone(o.models[mi]);
    lb.net->to(o.device == "cuda" ? cuda_device(0) : cpu());
    eval::ReportModel m;
    m.name = o.names.empty() ? default_model_name(o.models[mi]) : o.names[mi];
    for (auto& prev : r.models)
      if (prev.name == m.name) m.name += kd::str(" (", mi + 1, ")");
    m.checkpoint = lb.file;
    m.sha256 = eval::sha256_file(lb.file);
    m.bytes = int64_t(std::filesystem::file_size(lb.file));
    m.step = lb.step;
    m.parameters = lb.net->num_parameters();
    m.backbone = lb.net->config().to_json();
    m.run_config = lb.run_config;
    r.models.push_back(m);

    const int64_t total = vs.images_embedded(n);
    std::unique_ptr<Progress> prog;
    if (!o.quiet) prog = std::make_unique<Progress>("kdface-eval " + m.name, total, "img");
    const auto t0 = std::chrono::steady_clock::now();
    for (eval::ScaleScore& sc : eval::score_views(*lb.net, pf, vs, prog.get())) {
      eval::ReportEntry e;
      e.model = mi;
      e.scoring = sc.scoring;
      e.scale = sc.scale;
      e.result = std::move(sc.result);
      r.entries.push_back(std::move(e));
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (prog) prog->finish();
    r.timing[m.name] = {{"seconds", secs},
                        {"images", total},
                        {"images_per_second", secs > 0 ? double(total) / secs : 0.0},
                        {"batch", o.batch},
                        {"device", o.device}};
  }
  return r;
}

eval::EvalReport run_and_write(const EvalOptions& o) {
  KD_CHECK(!o.out.empty(), "--out DIR is required");
  eval::EvalReport r = run_evaluation(o);
  eval::write_report_files(o.out, r);
  return r;
}

}  // namespace kd::evaltool
