#include "tools/kdface-bench/kernel_cases.h"

#include "kernels/cbam/cbam.h"
#include "kernels/conv2d/conv2d.h"
#include "kernels/conv2d/conv2d_backend.h"
#include "kernels/margin/margin_ce.h"
#include "kernels/matmul/matmul.h"
#include "kernels/normalize/l2_normalize.h"
#include "losses/kd_losses.h"

namespace kd::bench {
namespace {


void add_gconv(std::vector<KernelCase>& out, int64_t batch, int64_t c, int64_t h, int stride, double t_fwd,
               double t_fb) {
  const int64_t groups = 32, cpg = c / groups, ho = (h + 2 - 3) / stride + 1;
  KernelCase k;
  k.group = "gconv";
  k.name = "gconv3x3_c" + std::to_string(c) + "_h" + std::to_string(h) + "_s" + std::to_string(stride);
  k.shape = {{"n", batch}, {"c", c}, {"h", h}, {"groups", groups}, {"stride", stride}};
  k.make_inputs = [=](int64_t n, Generator& g) {
    return std::vector<Tensor>{Tensor::randn({n, c, h, h}, g), Tensor::randn({c, cpg, 3, 3}, g, DType::F32, 0.2)};
  };
  k.forward = [=](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{conv2d(in[0], in[1], Tensor(), {stride, 1, int(groups)})};
  };
  k.timed_batch = batch;
  auto flops = [=](int64_t n) { return 2.0 * double(n) * double(c) * double(ho * ho) * double(cpg) * 9.0; };
  auto bytes = [=](int64_t n) { return 4.0 * double(n) * double(c) * double(h * h + ho * ho); };
  k.fwd_flops = flops;
  k.fwd_bytes = bytes;
  k.fwdbwd_flops = [=](int64_t n) { return 3.0 * flops(n); };
  k.fwdbwd_bytes = [=](int64_t n) { return 3.0 * bytes(n); };  // fwd, data grad, weight grad each read/write once
  k.torch_fwd_ms = t_fwd;
  k.torch_fwdbwd_ms = t_fb;
  if (conv_cudnn_built())
    k.select_baseline = [](bool on) { set_conv_backend(on ? ConvBackend::Cudnn : ConvBackend::Native); };
  out.push_back(k);
}

void add_cbam(std::vector<KernelCase>& out, int64_t batch, int64_t c, int64_t h, double t_fwd, double t_fb) {
  const int64_t hidden = std::max<int64_t>(c / 16, 8);
  KernelCase k;
  k.group = "cbam";
  k.name = "cbam_c" + std::to_string(c) + "_h" + std::to_string(h);
  k.shape = {{"n", batch}, {"c", c}, {"h", h}, {"hidden", hidden}};
  k.make_inputs = [=](int64_t n, Generator& g) {
    return std::vector<Tensor>{Tensor::randn({n, c, h, h}, g), Tensor::randn({hidden, c, 1, 1}, g, DType::F32, 0.1),
                               Tensor::randn({c, hidden, 1, 1}, g, DType::F32, 0.1),
                               Tensor::randn({1, 2, 7, 7}, g, DType::F32, 0.1)};
  };
  k.forward = [](const std::vector<Tensor>& in) {
    CbamOut o = cbam(in[0], in[1], in[2], in[3]);
    return std::vector<Tensor>{o.y, o.ca, o.sa};
  };
  k.timed_batch = batch;
  // PyTorch's "effective" figure: read x once, write y once.
  auto bytes = [=](int64_t n) { return 2.0 * 4.0 * double(n * c * h * h); };
  k.fwd_flops = [](int64_t) { return 0.0; };
  k.fwdbwd_flops = k.fwd_flops;
  k.fwd_bytes = bytes;
  k.fwdbwd_bytes = [=](int64_t n) { return 2.5 * bytes(n); };  // + read x, gy, write gx
  k.torch_fwd_ms = t_fwd;
  k.torch_fwdbwd_ms = t_fb;
  out.push_back(k);
}

}  // namespace

Tensor random_labels(int64_t n, int64_t classes, Generator& g) {
  std::vector<int64_t> y(static_cast<size_t>(n));
  for (auto& v : y) v = int64_t(g.next_u64() % uint64_t(classes));
  return Tensor::from<int64_t>(y, {n});
}

std::vector<KernelCase> kernel_cases(int64_t batch, int64_t classes) {
  std::vector<KernelCase> out;
  // REFERENCE_MODELS.md, PyTorch eager fp32 (fwd, fwd+bwd in ms).
  add_gconv(out, batch, 64, 56, 1, 0.47, 2.24);
  add_gconv(out, batch, 128, 28, 1, 0.20, 1.15);
  add_gconv(out, batch, 256, 14, 1, 0.11, 0.39);
  add_gconv(out, batch, 512, 7, 1, 0.070, 0.32);
  add_gconv(out, batch, 128, 56, 2, 0.31, 1.43);
  add_cbam(out, batch, 256, 28, 0.89, 2.74);
  add_cbam(out, batch, 1024, 7, 0.62, 1.38);

  KernelCase kd;
  kd.group = "kd";
  kd.name = "kd_softmax_T4";
  kd.shape = {{"n", batch}, {"classes", classes}, {"T", 4.0}};
  kd.make_inputs = [=](int64_t n, Generator& g) {
    return std::vector<Tensor>{Tensor::randn({n, classes}, g), Tensor::randn({n, classes}, g)};
  };
  kd.no_grad = {1};
  kd.forward = [](const std::vector<Tensor>& in) { return std::vector<Tensor>{losses::kd_logit(in[0], in[1], 4.0)}; };
  kd.timed_batch = batch;
  kd.fwd_flops = [](int64_t) { return 0.0; };
  kd.fwdbwd_flops = kd.fwd_flops;
  kd.fwd_bytes = [=](int64_t n) { return 2.0 * 4.0 * double(n * classes); };
  kd.fwdbwd_bytes = [=](int64_t n) { return 5.0 * 4.0 * double(n * classes); };
  kd.torch_fwd_ms = 0.13;
  kd.torch_fwdbwd_ms = 0.37;
  out.push_back(kd);

  // ArcFace + cross-entropy from embeddings: normalise, cosine GEMM, margin, CE.
  KernelCase af;
  af.group = "arcface";
  af.name = "arcface_ce_emb512";
  af.shape = {{"n", batch}, {"emb", 512}, {"classes", classes}};
  af.make_inputs = [=](int64_t n, Generator& g) {
    return std::vector<Tensor>{Tensor::randn({n, 512}, g), Tensor::randn({classes, 512}, g, DType::F32, 0.01),
                               random_labels(n, classes, g)};
  };
  af.forward = [](const std::vector<Tensor>& in) {
    // What models::MarginHead::loss runs, on an external weight.
    Tensor cos = linear(l2_normalize(in[0]), l2_normalize(in[1]), Tensor());
    return std::vector<Tensor>{margin_cross_entropy(cos, in[2], {MarginKind::ArcFace, 64.0, 0.5})};
  };
  af.timed_batch = batch;
  af.fwd_flops = [=](int64_t n) { return 2.0 * double(n) * 512.0 * double(classes); };
  af.fwdbwd_flops = [=](int64_t n) { return 3.0 * 2.0 * double(n) * 512.0 * double(classes); };
  af.fwd_bytes = [=](int64_t n) { return 4.0 * (512.0 * double(classes) + 2.0 * double(n * classes)); };
  af.fwdbwd_bytes = [=](int64_t n) { return 4.0 * (3.0 * 512.0 * double(classes) + 5.0 * double(n * classes)); };
  af.torch_fwd_ms = 0.28;
  af.torch_fwdbwd_ms = 3.29;
  out.push_back(af);
  return out;
}

}  // namespace kd::bench
