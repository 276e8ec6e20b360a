#include "tools/face_input/face_features.h"

#include <cmath>

#include "engine/check.h"
#include "eval/views/face_views.h"

namespace kd::faceinput {

Feature parse_feature(const std::string& name) {
  if (name == "raw") return Feature::Raw;
  if (name == "flip-sum") return Feature::FlipSum;
  KD_FAIL("--feature: expected raw or flip-sum, got '", name, "'");
}

const char* feature_name(Feature f) { return f == Feature::Raw ? "raw" : "flip-sum"; }

std::vector<float> face_features(models::ResNeXtCBAM& net, const std::vector<data::Image>& faces, Feature kind,
                                 int64_t batch, int64_t* dim) {
  // kdface-eval's views at scale 1: the clean face and its mirror image, batch by batch.
  const data::DegradeSpec clean;
  eval::Embeddings view = eval::embed_views(net, faces, clean, 1, false, 0, batch, nullptr);
  if (dim) *dim = view.dim;
  if (kind == Feature::Raw) return std::move(view.v);
  const eval::Embeddings flip = eval::embed_views(net, faces, clean, 1, true, 0, batch, nullptr);
  std::vector<float> out(view.v.size());
  for (int64_t i = 0; i < view.n; ++i) {
    double norm = 0;
    std::vector<double> sum(static_cast<size_t>(view.dim));
    for (int64_t j = 0; j < view.dim; ++j) {
      sum[size_t(j)] = double(view.row(i)[j]) + double(flip.row(i)[j]);
      norm += sum[size_t(j)] * sum[size_t(j)];
    }
    KD_CHECK(norm > 0 && std::isfinite(norm), "face_features: face ", i,
             " has an embedding without direction (zero or not finite)");
    for (int64_t j = 0; j < view.dim; ++j) out[size_t(i * view.dim + j)] = float(sum[size_t(j)] / std::sqrt(norm));
  }
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
