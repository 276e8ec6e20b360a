// The fused CBAM op through its public API, all three outputs checked (the harness weights
// y, ca and sa with random R_k, so gradients arrive on all three at once). Inputs are randn:
// max-pool ties (which make finite differences ill-defined) are left to test_cbam_fused.
// The shapes cover the CUDA kernels' edges: pixel tiles that straddle two images (N*S not a
// multiple of 32), H*W a multiple of 4 (the vectorised pooling path) and not, channel counts
// that are not a multiple of the channel-group count, a 1x1 map and a 3x3 spatial kernel.
#include "kernels/cbam/cbam.h"
#include "tests/support/op_case.h"

using namespace kd;
using kdtest::OpCase;

namespace {

OpCase cbam_case(const char* name, int64_t n, int64_t c, int64_t h, int64_t w, int64_t hidden, int64_t k,
                 bool composed = false) {
  return OpCase{composed ? "cbam_composed" : "cbam", name,
                [=](Generator& g, DType t) {
                  return std::vector<Tensor>{Tensor::randn({n, c, h, w}, g, t),
                                             Tensor::randn({hidden, c, 1, 1}, g, t, 0.3),
                                             Tensor::randn({c, hidden, 1, 1}, g, t, 0.3),
                                             Tensor::randn({1, 2, k, k}, g, t, 0.3)};
                },
                [composed](const std::vector<Tensor>& in) {
                  CbamOut o = composed ? cbam_composed(in[0], in[1], in[2], in[3]) : cbam(in[0], in[1], in[2], in[3]);
                  return std::vector<Tensor>{o.y, o.ca, o.sa};
                },
                {}};
}

}  // namespace

KD_OP_CASES({
    cbam_case("cbam/n2_c16_h5_hidden8", 2, 16, 5, 5, 8, 7),
    cbam_case("cbam/n2_c32_h7_hidden8", 2, 32, 7, 7, 8, 7),
    cbam_case("cbam/n2_c8_h4_w6_hidden8", 2, 8, 4, 6, 8, 7),       // H != W, H*W % 4 == 0
    cbam_case("cbam/n3_c16_h1_hidden8", 3, 16, 1, 1, 8, 7),        // 1x1 map: only the centre tap
    cbam_case("cbam/n2_c16_h6_k3_hidden8", 2, 16, 6, 6, 8, 3),     // 3x3 spatial kernel
    cbam_case("cbam/n1_c72_h12_w9_hidden4", 1, 72, 12, 9, 4, 7),   // C not a multiple of 8
    cbam_case("cbam_composed/n2_c16_h5_hidden8", 2, 16, 5, 5, 8, 7, true),  // the oracle itself
});
