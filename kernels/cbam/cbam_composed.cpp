#include "kernels/activation/activation.h"
#include "kernels/cbam/cbam.h"
#include "kernels/conv2d/conv2d.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/pool/pool.h"
#include "kernels/shape/shape_ops.h"

namespace kd {

CbamOut cbam_composed(const Tensor& x, const Tensor& fc1, const Tensor& fc2, const Tensor& spatial) {
  check_dim(x, 4, "cbam_composed: x");
  const int64_t c = x.size(1);
  check_dim(fc1, 4, "cbam_composed: fc1");
  const int64_t hidden = fc1.size(0);
  check_shape(fc1, {hidden, c, 1, 1}, "cbam_composed: fc1");
  check_shape(fc2, {c, hidden, 1, 1}, "cbam_composed: fc2");
  check_dim(spatial, 4, "cbam_composed: spatial");
  const int64_t k = spatial.size(2);
  check_shape(spatial, {1, 2, k, k}, "cbam_composed: spatial");
  KD_CHECK(k % 2 == 1, "cbam_composed: spatial kernel must be odd-sized, got ", k);

  auto mlp = [&](const Tensor& v) { return conv2d(relu(conv2d(v, fc1, Tensor(), {})), fc2, Tensor(), {}); };
  CbamOut out;
  out.ca = sigmoid(add(mlp(global_avg_pool(x)), mlp(global_max_pool(x))));  // (N, C, 1, 1)
  Tensor xc = mul(x, out.ca);
  Tensor pooled = concat({channel_mean(xc), channel_max(xc)}, 1);  // (N, 2, H, W)
  out.sa = sigmoid(conv2d(pooled, spatial, Tensor(), {1, int(k / 2), 1}));  // (N, 1, H, W)
  out.y = mul(xc, out.sa);
  return out;
}

}  // namespace kd
