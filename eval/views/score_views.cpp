#include "eval/views/score_views.h"

#include "engine/check.h"

namespace kd::eval {

namespace {

// Rows of `all` (one per unique image) arranged per pair side.
Embeddings side(const Embeddings& all, const std::vector<int64_t>& index) {
  Embeddings e;
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
  Embeddings view, flip;
};

}  // namespace

int64_t ViewScoring::images_embedded(int64_t n) const {
  const int64_t passes = 2 * int64_t(scales.size() + (cross ? 1 : 0));
  return n * passes + (adabn ? n * int64_t(scales.size()) : 0);
}

std::vector<ScaleScore> score_views(models::ResNeXtCBAM& net, const PairFaces& pf, const ViewScoring& o,
                                    Progress* progress) {
  for (const std::string& sp : o.scoring)
    KD_CHECK(sp == "askd" || sp == "insightface", "scoring: expected askd or insightface, got '", sp, "'");
  const PairSet ps = pf.pair_set();
  VerificationOptions vo;
  vo.n_folds = pf.list.folds;
  auto embed = [&](int scale) {
    ViewPair vp;
    vp.view = embed_views(net, pf.images, o.spec, scale, false, o.seed, o.batch, progress);
    vp.flip = embed_views(net, pf.images, o.spec, scale, true, o.seed, o.batch, progress);
    return vp;
  };
  ViewPair clean;
  if (o.cross) clean = embed(1);
  std::vector<ScaleScore> out;
  for (int scale : o.scales) {
    ViewPair deg;
    if (o.adabn) {
      auto saved = adabn_for_scale(net, pf.images, o.spec, scale, o.seed, o.batch, progress);
      deg = embed(scale);
      restore_buffers(net, saved);
    } else if (o.cross && scale == 1) {
      deg = clean;
    } else {
      deg = embed(scale);
    }
    const ViewPair& a_src = o.cross ? clean : deg;
    const Embeddings a = side(a_src.view, pf.a), a_flip = side(a_src.flip, pf.a);
    const Embeddings b = side(deg.view, pf.b), b_flip = side(deg.flip, pf.b);
    for (const std::string& sp : o.scoring) {
      ScaleScore s;
      s.scale = scale;
      s.scoring = sp;
      s.result = sp == "askd" ? score_askd(ps, a, a_flip, b, b_flip, vo) : score_insightface(ps, a, a_flip, b, b_flip, vo);
      out.push_back(std::move(s));
    }
  }
  net.eval();
  return out;
}

}  // namespace kd::eval
