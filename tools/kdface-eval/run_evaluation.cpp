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
#include "tools/kdface-eval/pair_faces.h"
#include "tools/kdface-eval/view_embedder.h"

namespace kd::evaltool {

using nlohmann::json;

namespace {

// Rows of `all` (one per unique image) arranged per pair side.
eval::Embeddings side(const eval::Embeddings& all, const std::vector<int64_t>& index) {
  eval::Embeddings e;
  e.n = int64_t(index.size());
  e.dim = all.dim;
  e.v.reserve(size_t(e.n * e.dim));
  for (int64_t i : index) {
    const float* r = all.row(i);
    e.v.insert(e.v.end(), r, r + all.dim);
  }
  return e;
}

struct ViewPair {
  eval::Embeddings view, flip;
};

}  // namespace

eval::EvalReport run_evaluation(const EvalOptions& o) {
  check_options(o);
  const data::DegradeSpec spec = data::degrade_spec_from_json(json{{"protocol", o.degrade}}, "--degrade");
  PairFaces pf = load_pair_faces(o.pairs, o.format, o.root, o.max_pairs, o.on_missing);
  const eval::PairSet ps = pf.pair_set();
  if (!pf.unscored.empty()) {
    // The protocols need every fold and both classes; say why when skipping emptied one.
    std::vector<int64_t> per_fold(size_t(std::max(pf.list.folds, 0)), 0);
    int64_t same_left = 0;
    for (size_t i = 0; i < ps.fold.size(); ++i) {
      if (ps.fold[i] >= 0 && size_t(ps.fold[i]) < per_fold.size()) ++per_fold[size_t(ps.fold[i])];
      same_left += ps.same[i];
    }
    for (size_t k = 0; k < per_fold.size(); ++k)
      KD_CHECK(per_fold[k] > 0, "fold ", k, " has no pair left to score after skipping ", pf.unscored.size(),
               " unscored pairs (first: ", pf.unscored[0].reason, ")");
    KD_CHECK(same_left > 0 && same_left < ps.size(), "after skipping ", pf.unscored.size(),
             " unscored pairs only one class is left (", same_left, " same of ", ps.size(), ")");
    if (!o.quiet)
      std::fprintf(stderr, "kdface-eval: warning: %zu of %lld pairs cannot be scored (%lld images missing, unreadable "
                   "or not aligned; first: %s); scoring the other %lld\n",
                   pf.unscored.size(), (long long)pf.selected_pairs, (long long)pf.unreadable_images,
                   pf.unscored[0].reason.c_str(), (long long)ps.size());
  }
  eval::VerificationOptions vo;
  vo.n_folds = pf.list.folds;

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
  const bool need_clean = o.cross;
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

    const int64_t passes = 2 * int64_t(o.scales.size() + (need_clean ? 1 : 0));
    const int64_t total = n * passes + (o.adabn ? n * int64_t(o.scales.size()) : 0);
    std::unique_ptr<Progress> prog;
    if (!o.quiet) prog = std::make_unique<Progress>("kdface-eval " + m.name, total, "img");
    const auto t0 = std::chrono::steady_clock::now();
    auto embed = [&](int scale) {
      ViewPair vp;
      vp.view = embed_views(*lb.net, pf.images, spec, scale, false, o.seed, o.batch, prog.get());
      vp.flip = embed_views(*lb.net, pf.images, spec, scale, true, o.seed, o.batch, prog.get());
      return vp;
    };
    ViewPair clean;
    if (need_clean) clean = embed(1);
    for (int scale : o.scales) {
      ViewPair deg;
      if (o.adabn) {
        auto saved = adabn_for_scale(*lb.net, pf.images, spec, scale, o.seed, o.batch, prog.get());
        deg = embed(scale);
        restore_buffers(*lb.net, saved);
      } else if (need_clean && scale == 1) {
        deg = clean;
      } else {
        deg = embed(scale);
      }
      const ViewPair& a_src = o.cross ? clean : deg;
      const eval::Embeddings a = side(a_src.view, pf.a), a_flip = side(a_src.flip, pf.a);
      const eval::Embeddings b = side(deg.view, pf.b), b_flip = side(deg.flip, pf.b);
      for (const std::string& sp : o.scoring) {
        eval::ReportEntry e;
        e.model = mi;
        e.scoring = sp;
        e.scale = scale;
        e.result = sp == "askd" ? eval::score_askd(ps, a, a_flip, b, b_flip, vo)
                                : eval::score_insightface(ps, a, a_flip, b, b_flip, vo);
        r.entries.push_back(std::move(e));
      }
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
