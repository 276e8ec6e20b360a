#include "train/evaluate.h"

#include <map>

#include "data/degrade.h"
#include "data/face_tensor.h"
#include "data/jpeg_codec.h"
#include "data/pairs.h"
#include "data/shard.h"
#include "engine/atomic_file.h"
#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/parallel.h"
#include "engine/rng.h"
#include "eval/verification.h"
#include "models/adaptive_bn.h"

namespace kd::train {

using nlohmann::json;

namespace {

// The pairs to score: all, or with eval.max_pairs the first max/folds pairs of every fold,
// so a quick evaluation keeps all ten folds.
data::PairList select_pairs(const TrainConfig& cfg) {
  data::PairList all = cfg.eval_format == "lfw" ? data::read_lfw_pairs(cfg.eval_pairs) : data::read_pairs_tsv(cfg.eval_pairs);
  if (cfg.eval_max_pairs <= 0 || int64_t(all.pairs.size()) <= cfg.eval_max_pairs) return all;
  int64_t per_fold = std::max<int64_t>(1, cfg.eval_max_pairs / std::max(1, all.folds));
  std::map<int, int64_t> taken;
  data::PairList out;
  out.folds = all.folds;
  out.source = all.source;
  // Same and different pairs alternate blocks within a fold; take both kinds evenly.
  std::map<std::pair<int, bool>, int64_t> kind;
  for (auto& p : all.pairs) {
    if (kind[{p.fold, p.same}] >= (per_fold + 1) / 2) continue;
    ++kind[{p.fold, p.same}];
    out.pairs.push_back(p);
  }
  return out;
}

}  // namespace

json evaluate_pairs(const TrainConfig& cfg, StudentNet& student, data::Loader& /*train_loader*/, int64_t epoch) {
  data::PairList pl = select_pairs(cfg);
  // Unique images, decoded once.
  std::map<std::string, int64_t> index;
  std::vector<std::string> files;
  for (auto& p : pl.pairs)
    for (const std::string* f : {&p.a, &p.b})
      if (!index.count(*f)) {
        index[*f] = int64_t(files.size());
        files.push_back(*f);
      }
  std::vector<data::Image> images(files.size());
  parallel_for(int64_t(files.size()), [&](int64_t i) {
    std::string path = cfg.eval_root + "/" + files[size_t(i)];
    std::string bytes = read_file(path);
    images[size_t(i)] = data::decode_jpeg(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), path);
    KD_CHECK(images[size_t(i)].w == data::kFaceSize && images[size_t(i)].h == data::kFaceSize, path, ": expected an aligned ",
             data::kFaceSize, "x", data::kFaceSize, " face, got ", images[size_t(i)].w, "x", images[size_t(i)].h,
             " (align it with kdface-data align)");
  });
  data::DegradeSpec spec = data::degrade_spec_from_json(cfg.degrade, "data.degrade");
  const int64_t n = int64_t(files.size()), B = cfg.eval_batch, S = data::kFaceSize;

  // Embeddings of every image (flip = 0/1, degraded after flipping as A-SKD does), batched.
  // Batches are built on the host; the student may live on the GPU.
  const Device dev = student.parameters().front().device();
  auto embed_all = [&](int scale, bool flip) {
    eval::Embeddings e;
    std::vector<float> out;
    for (int64_t s = 0; s < n; s += B) {
      int64_t b = std::min(B, n - s);
      Tensor x = Tensor::empty({b, 3, S, S});
      float* px = x.data<float>();
      parallel_for(b, [&](int64_t i) {
        const data::Image& src = images[size_t(s + i)];
        data::Image v = flip ? data::mirrored(src) : src;
        if (scale > 1) {
          data::Image d;
          data::degrade(v, spec, scale, mix64(0xe7a1ULL + uint64_t(scale), uint64_t(s + i)), d);
          v = std::move(d);
        }
        data::image_to_chw(v, 127.5f, 127.5f, false, px + i * 3 * S * S);
      });
      autograd::NoGradGuard ng;
      Tensor emb = student.backbone->forward(x.to(dev)).embedding.to(cpu());  // to() is free on the same device
      e.dim = emb.shape()[1];
      const float* pe = emb.data<float>();
      out.insert(out.end(), pe, pe + b * e.dim);
    }
    e.n = n;
    e.v = std::move(out);
    return e;
  };
  auto side = [&](const eval::Embeddings& all, bool a_side) {
    eval::Embeddings e;
    e.n = int64_t(pl.pairs.size());
    e.dim = all.dim;
    e.v.reserve(size_t(e.n * e.dim));
    for (auto& p : pl.pairs) {
      const float* r = all.row(index[a_side ? p.a : p.b]);
      e.v.insert(e.v.end(), r, r + all.dim);
    }
    return e;
  };

  eval::PairSet ps;
  for (auto& p : pl.pairs) {
    ps.fold.push_back(p.fold);
    ps.same.push_back(p.same);
  }
  eval::VerificationOptions vo;
  vo.n_folds = pl.folds;

  json per_scale = json::object();
  double acc_sum = 0;
  std::string summary;
  student.eval();
  for (int scale : cfg.eval_scales) {
    std::map<std::string, Tensor> saved;
    if (cfg.eval_adabn) {
      for (auto& [k, v] : student.backbone->named_buffers()) saved[k] = v.clone();
      int64_t next = 0;
      models::adaptive_bn(
          *student.backbone,
          [&](Tensor& batch) {
            if (next >= n) return false;
            int64_t b = std::min(B, n - next);
            batch = Tensor::empty({b, 3, S, S});
            for (int64_t i = 0; i < b; ++i) {
              data::Image d;
              data::degrade(images[size_t(next + i)], spec, scale, mix64(0xada0ULL + uint64_t(scale), uint64_t(next + i)), d);
              data::image_to_chw(d, 127.5f, 127.5f, false, batch.data<float>() + i * 3 * S * S);
            }
            next += b;
            return true;
          },
          (n + B - 1) / B);
      student.eval();
    }
    eval::Embeddings v0 = embed_all(scale, false), v1 = embed_all(scale, true);
    eval::VerificationResult r = eval::score_askd(ps, side(v0, true), side(v1, true), side(v0, false), side(v1, false), vo);
    if (cfg.eval_adabn) {
      for (auto& [k, v] : student.backbone->named_buffers()) v.copy_from(saved.at(k));
    }
    json jr = eval::to_json(r);
    jr.erase("roc");
    per_scale[std::to_string(scale)] = jr;
    acc_sum += r.mean;
    summary += kd::str(summary.empty() ? "" : ", ", "x", scale, " ", 100.0 * r.mean, "% +- ", 100.0 * r.std);
  }
  double acc = acc_sum / double(cfg.eval_scales.size());
  return {{"accuracy", acc},
          {"pairs", int64_t(pl.pairs.size())},
          {"protocol", "askd"},
          {"adabn", cfg.eval_adabn},
          {"scales", per_scale},
          {"summary", kd::str("epoch ", epoch, " verification (askd, ", pl.pairs.size(), " pairs", cfg.eval_adabn ? ", AdaBN" : "",
                              "): ", summary)}};
}

}  // namespace kd::train
