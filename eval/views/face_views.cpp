#include "eval/views/face_views.h"

#include <algorithm>

#include "data/face_tensor.h"
#include "data/shard.h"
#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/rng.h"
#include "models/adaptive_bn.h"
#include "models/conv_bn.h"
#include "eval/views/parallel_checked.h"

namespace kd::eval {

namespace {

constexpr int64_t S = data::kFaceSize;

// Views [start, start + b) of images into a (b, 3, S, S) batch.
Tensor view_batch(const std::vector<data::Image>& images, int64_t start, int64_t b, bool flip,
                  const data::DegradeSpec& spec, int scale, uint64_t seed) {
  Tensor x = Tensor::empty({b, 3, S, S});
  float* px = x.data<float>();
  parallel_checked(b, [&](int64_t i) {
    face_view(images[size_t(start + i)], flip, spec, scale, degrade_seed(seed, scale, start + i), px + i * 3 * S * S);
  });
  return x;
}

}  // namespace

uint64_t degrade_seed(uint64_t seed, int scale, int64_t index) {
  return mix64(mix64(seed, uint64_t(scale)), uint64_t(index));
}

void face_view(const data::Image& src, bool flip, const data::DegradeSpec& spec, int scale, uint64_t seed,
               float* dst) {
  KD_CHECK(src.w == S && src.h == S && src.c == 3, "face_view: expected a ", S, "x", S, " RGB face, got ", src.w, "x",
           src.h, "x", src.c);
  if (scale == 1) {
    // Mirroring a clean image is exact, so image_to_chw's flip gives the same pixels.
    data::image_to_chw(src, 127.5f, 127.5f, flip, dst);
    return;
  }
  data::Image d;
  if (flip) {
    data::degrade(data::mirrored(src), spec, scale, seed, d);
  } else {
    data::degrade(src, spec, scale, seed, d);
  }
  data::image_to_chw(d, 127.5f, 127.5f, false, dst);
}

Embeddings embed_views(models::ResNeXtCBAM& net, const std::vector<data::Image>& images,
                             const data::DegradeSpec& spec, int scale, bool flip, uint64_t seed, int64_t batch,
                             Progress* progress) {
  KD_CHECK(batch > 0, "--batch: expected > 0, got ", batch);
  const int64_t n = int64_t(images.size());
  Embeddings e;
  e.n = n;
  net.eval();
  autograd::NoGradGuard ng;
  models::FoldCacheScope folded;  // the weights stay as they are until every view is embedded
  const Device dev = net.parameters().front().device();  // views are built on the host
  for (int64_t s = 0; s < n; s += batch) {
    const int64_t b = std::min(batch, n - s);
    Tensor emb = net.forward(view_batch(images, s, b, flip, spec, scale, seed).to(dev)).embedding.to(cpu());  // (b, emb)
    KD_CHECK(emb.dim() == 2 && emb.shape()[0] == b, "backbone returned an embedding of the wrong shape");
    if (e.v.empty()) {
      e.dim = emb.shape()[1];
      e.v.reserve(size_t(n * e.dim));
    }
    const float* pe = emb.data<float>();
    e.v.insert(e.v.end(), pe, pe + b * e.dim);
    if (progress) progress->add(b);
  }
  return e;
}

std::map<std::string, Tensor> adabn_for_scale(models::ResNeXtCBAM& net, const std::vector<data::Image>& images,
                                              const data::DegradeSpec& spec, int scale, uint64_t seed, int64_t batch,
                                              Progress* progress) {
  std::map<std::string, Tensor> saved;
  for (auto& [k, v] : net.named_buffers()) saved[k] = v.clone();
  const int64_t n = int64_t(images.size());
  const Device dev = net.parameters().front().device();  // views are built on the host
  int64_t next = 0;
  models::adaptive_bn(
      net,
      [&](Tensor& x) {
        if (next >= n) return false;
        const int64_t b = std::min(batch, n - next);
        // Training-mode BatchNorm1d cannot normalise a single embedding (zero variance).
        if (b < 2 && next > 0) return false;
        x = view_batch(images, next, b, false, spec, scale, seed).to(dev);
        next += b;
        if (progress) progress->add(b);
        return true;
      },
      (n + batch - 1) / batch);
  net.eval();
  return saved;
}

void restore_buffers(models::ResNeXtCBAM& net, const std::map<std::string, Tensor>& saved) {
  for (auto& [k, v] : net.named_buffers()) {
    auto it = saved.find(k);
    KD_CHECK(it != saved.end(), "restore_buffers: no saved value for buffer '", k, "'");
    v.copy_from(it->second);
  }
}

}  // namespace kd::eval
