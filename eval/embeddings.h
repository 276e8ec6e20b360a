#pragma once
// Embeddings as the model hands them over (float32, one row per pair side) and the float64
// feature rows the protocols build from them. The protocols compute in float64 throughout so
// that thresholds and tie decisions do not depend on summation order in float32.
#include <cstdint>
#include <string>
#include <vector>

namespace kd::eval {

struct Embeddings {
  int64_t n = 0, dim = 0;
  std::vector<float> v;  // (n, dim) row-major
  const float* row(int64_t i) const { return v.data() + i * dim; }
};

struct Features {
  int64_t n = 0, dim = 0;
  std::vector<double> v;  // (n, dim) row-major
  double* row(int64_t i) { return v.data() + i * dim; }
  const double* row(int64_t i) const { return v.data() + i * dim; }
};

// Throws unless e has n rows of dim > 0 columns, v holds n*dim values, every value is finite,
// and (when dim_like is given) e.dim == dim_like->dim. `what` names the set in messages
// ("side A", "side B flipped", ...).
void check_embeddings(const Embeddings& e, int64_t n, const std::string& what,
                      const Embeddings* dim_like = nullptr);

// [view | flip] per row: (n, 2*dim). A-SKD's feature.
Features concat_views(const Embeddings& view, const Embeddings& flip);

// view + flip per row: (n, dim). insightface's feature (before normalisation).
Features sum_views(const Embeddings& view, const Embeddings& flip);

// Divides every row by its L2 norm. A zero row has no direction: throws, naming `what` and
// the row, instead of producing NaN scores (numpy) or a silent zero vector (sklearn).
void l2_normalise_rows(Features& f, const std::string& what);

}  // namespace kd::eval
