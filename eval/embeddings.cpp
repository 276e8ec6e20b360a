#include "eval/embeddings.h"

#include <cmath>

#include "engine/check.h"

namespace kd::eval {

void check_embeddings(const Embeddings& e, int64_t n, const std::string& what,
                      const Embeddings* dim_like) {
  KD_CHECK(e.n == n, "verification: embeddings '", what, "' have ", e.n,
           " rows, expected one per pair (", n, ")");
  KD_CHECK(e.dim > 0, "verification: embeddings '", what, "' have dim ", e.dim,
           ", expected > 0");
  KD_CHECK(static_cast<int64_t>(e.v.size()) == e.n * e.dim, "verification: embeddings '", what,
           "' hold ", e.v.size(), " values, expected n*dim = ", e.n, "*", e.dim, " = ",
           e.n * e.dim);
  if (dim_like)
    KD_CHECK(e.dim == dim_like->dim, "verification: embeddings '", what, "' have dim ", e.dim,
             ", expected ", dim_like->dim, " like the other views");
  for (size_t i = 0; i < e.v.size(); ++i)
    KD_CHECK(std::isfinite(e.v[i]), "verification: embeddings '", what, "' row ",
             static_cast<int64_t>(i) / e.dim, " column ", static_cast<int64_t>(i) % e.dim,
             " is ", e.v[i], ", expected a finite value");
}

Features concat_views(const Embeddings& view, const Embeddings& flip) {
  Features f;
  f.n = view.n;
  f.dim = view.dim + flip.dim;
  f.v.resize(static_cast<size_t>(f.n * f.dim));
  for (int64_t i = 0; i < f.n; ++i) {
    double* out = f.row(i);  // (2*dim)
    for (int64_t j = 0; j < view.dim; ++j) out[j] = view.row(i)[j];
    for (int64_t j = 0; j < flip.dim; ++j) out[view.dim + j] = flip.row(i)[j];
  }
  return f;
}

Features sum_views(const Embeddings& view, const Embeddings& flip) {
  Features f;
  f.n = view.n;
  f.dim = view.dim;
  f.v.resize(static_cast<size_t>(f.n * f.dim));
  for (int64_t i = 0; i < f.n; ++i)
    for (int64_t j = 0; j < f.dim; ++j)
      f.row(i)[j] = static_cast<double>(view.row(i)[j]) + static_cast<double>(flip.row(i)[j]);
  return f;
}

void l2_normalise_rows(Features& f, const std::string& what) {
  for (int64_t i = 0; i < f.n; ++i) {
    double* r = f.row(i);
    double ss = 0;
    for (int64_t j = 0; j < f.dim; ++j) ss += r[j] * r[j];
    KD_CHECK(ss > 0, "verification: feature '", what, "' of pair ", i,
             " has zero norm, so it has no direction to compare");
    const double norm = std::sqrt(ss);
    for (int64_t j = 0; j < f.dim; ++j) r[j] /= norm;
  }
}

}  // namespace kd::eval
