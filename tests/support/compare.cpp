#include "tests/support/compare.h"

#include <cmath>
#include <sstream>

namespace kdtest {

std::vector<double> as_doubles(const kd::Tensor& t) {
  kd::Tensor h = t.device().is_cpu() ? t : t.to(kd::cpu());
  if (h.dtype() == kd::DType::I64) {
    auto v = h.to_vector<int64_t>();
    return {v.begin(), v.end()};
  }
  return h.to(kd::DType::F64).to_vector<double>();
}

std::string compare(const kd::Tensor& actual, const kd::Tensor& expected, Tolerance tol, const std::string& what) {
  std::ostringstream os;
  if (!actual.defined()) return what + ": actual tensor is undefined";
  // A 0-d tensor and a one-element tensor hold the same value; fixtures store scalars as 0-d.
  bool scalar_like = actual.numel() == 1 && expected.numel() == 1;
  if (!scalar_like && actual.shape() != expected.shape())
    return what + ": shape " + kd::shape_str(actual.shape()) + " != expected " + kd::shape_str(expected.shape());
  auto a = as_doubles(actual), b = as_doubles(expected);
  int64_t bad = 0;
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    double err = std::fabs(a[i] - b[i]);
    bool ok = err <= tol.atol + tol.rtol * std::fabs(b[i]) && std::isfinite(a[i]);
    if (ok) continue;
    if (bad < 5) os << "\n  [" << i << "] got " << a[i] << " expected " << b[i] << " (|diff| " << err << ")";
    ++bad;
    worst = std::max(worst, std::isfinite(err) ? err : INFINITY);
  }
  if (!bad) return "";
  std::ostringstream head;
  head << what << ": " << bad << " of " << a.size() << " elements differ beyond " << tol.atol << " + " << tol.rtol
       << "*|ref| (worst |diff| " << worst << ")" << os.str();
  return head.str();
}

}  // namespace kdtest
