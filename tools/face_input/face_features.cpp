#include "tools/face_input/face_features.h"

#include <algorithm>
#include <cmath>

#include "data/face_tensor.h"
#include "data/shard.h"
#include "engine/autograd.h"
#include "engine/check.h"

namespace kd::faceinput {

Feature parse_feature(const std::string& name) {
  if (name == "raw") return Feature::Raw;
  if (name == "flip-sum") return Feature::FlipSum;
  KD_FAIL("--feature: expected raw or flip-sum, got '", name, "'");
}

const char* feature_name(Feature f) { return f == Feature::Raw ? "raw" : "flip-sum"; }

std::vector<float> face_features(models::ResNeXtCBAM& net, const std::vector<data::Image>& faces, Feature kind,
                                 int64_t batch, int64_t* dim) {
  constexpr int64_t S = data::kFaceSize, P = 3 * S * S;
  KD_CHECK(batch > 0, "--batch: expected > 0, got ", batch);
  const int64_t n = int64_t(faces.size()), views = kind == Feature::FlipSum ? 2 : 1;
  net.eval();
  autograd::NoGradGuard ng;
  const Device dev = net.parameters().front().device();
  std::vector<float> out;
  int64_t d = 0;
  for (int64_t s = 0; s < n; s += batch) {
    const int64_t b = std::min(batch, n - s);
    // Views of one batch: [faces | mirrored faces] when flip-sum.
    Tensor x = Tensor::empty({b * views, 3, S, S});
    for (int64_t i = 0; i < b; ++i) {
      const data::Image& f = faces[size_t(s + i)];
      KD_CHECK(f.w == S && f.h == S && f.c == 3, "face_features: face ", s + i, " is ", f.w, "x", f.h, "x", f.c,
               ", expected ", S, "x", S, "x3");
      data::image_to_chw(f, 127.5f, 127.5f, false, x.data<float>() + i * P);
      if (views == 2) data::image_to_chw(f, 127.5f, 127.5f, true, x.data<float>() + (b + i) * P);
    }
    Tensor emb = net.forward(x.to(dev)).embedding.to(cpu());
    KD_CHECK(emb.dim() == 2 && emb.shape()[0] == b * views, "face_features: the backbone returned ", emb.dim(),
             "-d embeddings for ", b * views, " faces");
    d = emb.shape()[1];
    if (out.empty()) out.reserve(size_t(n * d));
    const float* pe = emb.data<float>();
    for (int64_t i = 0; i < b; ++i) {
      if (views == 1) {
        out.insert(out.end(), pe + i * d, pe + (i + 1) * d);
        continue;
      }
      double norm = 0;
      std::vector<double> sum(static_cast<size_t>(d));
      for (int64_t j = 0; j < d; ++j) {
        sum[size_t(j)] = double(pe[i * d + j]) + double(pe[(b + i) * d + j]);
        norm += sum[size_t(j)] * sum[size_t(j)];
      }
      KD_CHECK(norm > 0 && std::isfinite(norm), "face_features: face ", s + i,
               " has an embedding without direction (zero or not finite)");
      for (int64_t j = 0; j < d; ++j) out.push_back(float(sum[size_t(j)] / std::sqrt(norm)));
    }
  }
  if (dim) *dim = d;
  return out;
}

double cosine(const float* a, const float* b, int64_t dim) {
  double s = 0, na = 0, nb = 0;
  for (int64_t j = 0; j < dim; ++j) {
    s += double(a[j]) * double(b[j]);
    na += double(a[j]) * double(a[j]);
    nb += double(b[j]) * double(b[j]);
  }
  KD_CHECK(na > 0 && nb > 0, "cosine: a feature of zero length");
  return s / std::sqrt(na * nb);
}

}  // namespace kd::faceinput
