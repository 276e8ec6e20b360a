// conv2d through cuDNN's convolution API: the baseline the native kernels (conv2d_cuda.cu)
// are checked and timed against, selected at run time (conv2d_backend.h).
//
// Per device one cudnnHandle on the default stream (where every other kernel runs, so no
// synchronisation is needed). Per shape signature one ConvPlan: the tensor, filter and
// convolution descriptors, and for each direction (forward, data gradient, weight gradient)
// the algorithm and workspace size, chosen on the first call in that direction and kept.
//
// Algorithms come from the cudnnGet*Algorithm_v7 heuristics, not from cudnnFind*AlgorithmEx:
// Find times every candidate, so which one wins depends on timing noise and the choice (and
// with it the rounding) can differ between two runs of the same job, which breaks the
// bit-for-bit resume promise in docs/architecture.md; it also runs each convolution several
// times on scratch outputs at first use. The heuristic list is ordered by expected speed; we
// take the first entry that is supported, deterministic, within kMaxWorkspaceBytes, and
// (float32 without allow_tf32()) does not use the tensor cores. PyTorch's benchmark mode uses
// Find, so a kernel slower here than in ../shared/bench may still be one Find would skip.
//
// Math: float32 runs with CUDNN_FMA_MATH, not CUDNN_DEFAULT_MATH: on Ampere and later
// DEFAULT_MATH lets cuDNN round float32 to TF32 on the tensor cores, which misses the parity
// tolerance (1e-4 + 1e-3 |ref|). allow_tf32() (kernels/matmul/tf32.h, KDFACE_TF32=1) opts in:
// then DEFAULT_MATH, and each direction's descriptor takes the math type its algorithm asks
// for. float64 goes through cuDNN too (DOUBLE_CONFIG: double data, double compute).
//
// bf16 autocast (kernels/precision/autocast.h): the caller passes bf16-rounded float32 x, w
// and gy. A bf16 value is exact in TF32 (7 of its 10 mantissa bits), so the plan is built
// like the TF32 one (DEFAULT_MATH, each direction takes its algorithm's math type), but only
// algorithms that multiply the operands as given are accepted: FFT and Winograd transform
// them first, and TF32 would round the transformed values. The mode is part of the plan key.
//
// Workspaces are Tensor::empty on the device, so they come from the engine's caching
// allocator and go back to it when the call returns (stream order keeps that safe).
#include "kernels/conv2d/conv2d_cudnn.h"

#ifdef KDFACE_HAVE_CUDNN

#include <cudnn.h>

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/cuda/check_cuda.h"
#include "engine/cuda/device_handles.h"
#include "engine/tensor.h"
#include "kernels/conv2d/conv2d_cuda.h"
#include "kernels/matmul/tf32.h"

#define KD_CUDNN_CHECK(expr)                                                                      \
  do {                                                                                            \
    cudnnStatus_t kd_st_ = (expr);                                                                \
    if (kd_st_ != CUDNN_STATUS_SUCCESS)                                                           \
      ::kd::throw_error(__FILE__, __LINE__, ::kd::str(#expr, ": ", cudnnGetErrorString(kd_st_))); \
  } while (0)

namespace kd {
namespace {

// A workspace larger than this rules the algorithm out (FFT variants can ask for gigabytes;
// the implicit-GEMM family that suits grouped 3x3 convolutions needs little or none).
constexpr size_t kMaxWorkspaceBytes = size_t(512) << 20;

// The handle of the current device, created on first use and kept for the process
// (destroying it at exit races the CUDA runtime's own teardown, as with cublas_handle();
// engine/cuda/device_handles.h).
cudnnHandle_t cudnn_handle() {
  static auto* handles = new cuda::PerDeviceHandles<cudnnHandle_t>;  // leaked on purpose
  return handles->get([] {
    cudnnHandle_t created = nullptr;
    KD_CUDNN_CHECK(cudnnCreate(&created));
    KD_CUDNN_CHECK(cudnnSetStream(created, nullptr));  // the default stream, as every kernel
    return created;
  });
}

// kDescriptorsOnly: the bias gradient needs the y and bias descriptors and no algorithm.
enum Direction { kDescriptorsOnly = -1, kForward = 0, kBackwardData = 1, kBackwardFilter = 2 };
const char* direction_name(int dir) {
  return dir == kForward ? "forward" : dir == kBackwardData ? "data gradient" : "weight gradient";
}

struct Algo {
  bool chosen = false;
  int algo = 0;  // cudnnConvolution{Fwd,BwdData,BwdFilter}Algo_t of its direction
  size_t workspace = 0;
};

// Descriptors and chosen algorithms of one shape signature. Never destroyed: a process sees
// a handful of shapes, and they live as long as the handle.
struct ConvPlan {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr, bias = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  // One convolution descriptor per direction: with TF32 allowed each takes the math type of
  // its own algorithm.
  cudnnConvolutionDescriptor_t conv[3] = {nullptr, nullptr, nullptr};
  Algo algo[3];
};

// device, dtype, N, C, H, W, O, kh, kw, stride, pad, groups, math mode (Mode)
using PlanKey = std::array<int64_t, 13>;

template <class T>
cudnnDataType_t cudnn_type() {
  return sizeof(T) == sizeof(double) ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT;
}

// kFp32: float32 or float64 as given; kTf32: allow_tf32(); kBf16: bf16-rounded float32 operands.
enum Mode { kFp32 = 0, kTf32 = 1, kBf16 = 2 };

bool tensor_math_ok(cudnnMathType_t m, bool tf32) {
  return tf32 || (m != CUDNN_TENSOR_OP_MATH && m != CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION);
}

// Whether an algorithm multiplies the operands as given (bf16 mode: no FFT or Winograd).
bool untransformed(cudnnConvolutionFwdAlgo_t a) {
  return a == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM || a == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM ||
         a == CUDNN_CONVOLUTION_FWD_ALGO_GEMM || a == CUDNN_CONVOLUTION_FWD_ALGO_DIRECT;
}
bool untransformed(cudnnConvolutionBwdDataAlgo_t a) {
  return a == CUDNN_CONVOLUTION_BWD_DATA_ALGO_0 || a == CUDNN_CONVOLUTION_BWD_DATA_ALGO_1;
}
bool untransformed(cudnnConvolutionBwdFilterAlgo_t a) {
  return a == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0 || a == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1 ||
         a == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_3;
}

std::string shape_of(const Conv2dDims& d) {
  return str("x (", d.N, ", ", d.C, ", ", d.H, ", ", d.W, "), weight (", d.O, ", ", d.Cg(), ", ", d.kh, ", ", d.kw,
             "), stride ", d.stride, ", padding ", d.pad, ", groups ", d.groups);
}

// The index of the first usable entry of a heuristic list (Perf: one of the *AlgoPerf_t).
template <class Perf>
size_t pick(const std::vector<Perf>& perf, int returned, bool fp32, Mode mode, const Conv2dDims& d, int dir) {
  const bool tf32 = mode != kFp32;
  std::string seen;
  for (int i = 0; i < returned; ++i) {
    const Perf& p = perf[size_t(i)];
    seen += str(" [algo ", int(p.algo), ": ", cudnnGetErrorString(p.status), ", ",
                p.determinism == CUDNN_DETERMINISTIC ? "deterministic" : "non-deterministic", ", math ",
                int(p.mathType), ", ", p.memory, " B]");
    if (p.status != CUDNN_STATUS_SUCCESS || p.determinism != CUDNN_DETERMINISTIC) continue;
    if (fp32 && !tensor_math_ok(p.mathType, tf32)) continue;
    if (p.memory > kMaxWorkspaceBytes) continue;
    // ALLOW_CONVERSION may convert float32 to fp16, whose range does not hold every bf16 value.
    if (mode == kBf16 && (!untransformed(p.algo) || p.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION)) continue;
    return size_t(i);
  }
  KD_FAIL("conv2d (cuDNN): no deterministic ", fp32 ? "float32" : "float64", " ", direction_name(dir),
          " algorithm", fp32 && !tf32 ? " without TF32" : "",
          mode == kBf16 ? " without FFT, Winograd or fp16 conversion (bf16 autocast)" : "", " within ",
          kMaxWorkspaceBytes >> 20,
          " MiB of workspace for ", shape_of(d), "; cuDNN offered:", seen.empty() ? " nothing" : seen,
          ". Select the native backend (KDFACE_CONV=native) for this shape");
}

// The chosen entry as an Algo; with TF32 allowed the direction's descriptor takes its math type.
template <class Perf>
Algo take(const Perf& perf, cudnnConvolutionDescriptor_t conv, bool tf32) {
  if (tf32) KD_CUDNN_CHECK(cudnnSetConvolutionMathType(conv, perf.mathType));
  return Algo{true, int(perf.algo), 0};
}

void check_int_range(const Conv2dDims& d) {
  // The 4-D descriptors take int sizes and strides.
  const int64_t lim = 0x7fffffff;
  KD_CHECK(d.N * d.C * d.H * d.W <= lim && d.N * d.O * d.Ho * d.Wo <= lim && d.O * d.Cg() * d.kh * d.kw <= lim,
           "conv2d (cuDNN): tensors of more than 2^31 - 1 elements do not fit cuDNN's 4-D descriptors (",
           shape_of(d), "); select the native backend (KDFACE_CONV=native)");
}

template <class T>
ConvPlan* make_plan(const Conv2dDims& d, bool tf32) {
  check_int_range(d);
  const cudnnDataType_t t = cudnn_type<T>();
  auto* p = new ConvPlan;
  KD_CUDNN_CHECK(cudnnCreateTensorDescriptor(&p->x));
  KD_CUDNN_CHECK(cudnnCreateTensorDescriptor(&p->y));
  KD_CUDNN_CHECK(cudnnCreateTensorDescriptor(&p->bias));
  KD_CUDNN_CHECK(cudnnCreateFilterDescriptor(&p->w));
  KD_CUDNN_CHECK(cudnnSetTensor4dDescriptor(p->x, CUDNN_TENSOR_NCHW, t, int(d.N), int(d.C), int(d.H), int(d.W)));
  KD_CUDNN_CHECK(cudnnSetTensor4dDescriptor(p->y, CUDNN_TENSOR_NCHW, t, int(d.N), int(d.O), int(d.Ho), int(d.Wo)));
  KD_CUDNN_CHECK(cudnnSetTensor4dDescriptor(p->bias, CUDNN_TENSOR_NCHW, t, 1, int(d.O), 1, 1));
  KD_CUDNN_CHECK(cudnnSetFilter4dDescriptor(p->w, t, CUDNN_TENSOR_NCHW, int(d.O), int(d.Cg()), int(d.kh), int(d.kw)));
  // float32: FMA_MATH keeps cuDNN off TF32 (see the top of the file); float64 has no
  // reduced-precision mode, DEFAULT_MATH lets it use the FP64 tensor cores (full IEEE double).
  const cudnnMathType_t math = (t == CUDNN_DATA_FLOAT && !tf32) ? CUDNN_FMA_MATH : CUDNN_DEFAULT_MATH;
  for (auto& c : p->conv) {
    KD_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&c));
    // Cross-correlation: PyTorch's (and our CPU kernel's) convolution does not flip the kernel.
    KD_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(c, int(d.pad), int(d.pad), int(d.stride), int(d.stride), 1, 1,
                                                   CUDNN_CROSS_CORRELATION, t));
    KD_CUDNN_CHECK(cudnnSetConvolutionGroupCount(c, int(d.groups)));
    KD_CUDNN_CHECK(cudnnSetConvolutionMathType(c, math));
  }
  int n = 0, o = 0, ho = 0, wo = 0;
  KD_CUDNN_CHECK(cudnnGetConvolution2dForwardOutputDim(p->conv[kForward], p->x, p->w, &n, &o, &ho, &wo));
  KD_CHECK(n == d.N && o == d.O && ho == d.Ho && wo == d.Wo, "conv2d (cuDNN): cuDNN computes output (", n, ", ", o,
           ", ", ho, ", ", wo, ") for ", shape_of(d), ", the op expects (", d.N, ", ", d.O, ", ", d.Ho, ", ", d.Wo,
           ")");
  return p;
}

void choose(cudnnHandle_t h, ConvPlan& p, int dir, bool fp32, Mode mode, const Conv2dDims& d) {
  const bool tf32 = mode != kFp32;
  Algo a;
  int max_count = 0, returned = 0;
  if (dir == kForward) {
    KD_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithmMaxCount(h, &max_count));
    std::vector<cudnnConvolutionFwdAlgoPerf_t> perf(size_t(max_count > 0 ? max_count : 1));
    KD_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(h, p.x, p.w, p.conv[dir], p.y, int(perf.size()), &returned,
                                                          perf.data()));
    a = take(perf[pick(perf, returned, fp32, mode, d, dir)], p.conv[dir], tf32);
    KD_CUDNN_CHECK(cudnnGetConvolutionForwardWorkspaceSize(h, p.x, p.w, p.conv[dir], p.y,
                                                           cudnnConvolutionFwdAlgo_t(a.algo), &a.workspace));
  } else if (dir == kBackwardData) {
    KD_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithmMaxCount(h, &max_count));
    std::vector<cudnnConvolutionBwdDataAlgoPerf_t> perf(size_t(max_count > 0 ? max_count : 1));
    KD_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(h, p.w, p.y, p.conv[dir], p.x, int(perf.size()),
                                                               &returned, perf.data()));
    a = take(perf[pick(perf, returned, fp32, mode, d, dir)], p.conv[dir], tf32);
    KD_CUDNN_CHECK(cudnnGetConvolutionBackwardDataWorkspaceSize(h, p.w, p.y, p.conv[dir], p.x,
                                                                cudnnConvolutionBwdDataAlgo_t(a.algo), &a.workspace));
  } else {
    KD_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(h, &max_count));
    std::vector<cudnnConvolutionBwdFilterAlgoPerf_t> perf(size_t(max_count > 0 ? max_count : 1));
    KD_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, p.x, p.y, p.conv[dir], p.w, int(perf.size()),
                                                                 &returned, perf.data()));
    a = take(perf[pick(perf, returned, fp32, mode, d, dir)], p.conv[dir], tf32);
    KD_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterWorkspaceSize(
        h, p.x, p.y, p.conv[dir], p.w, cudnnConvolutionBwdFilterAlgo_t(a.algo), &a.workspace));
  }
  p.algo[dir] = a;
}

// What one call needs, copied out under the lock so the call itself runs without it.
struct Ready {
  cudnnHandle_t handle;
  const ConvPlan* plan;
  Algo algo;
};

template <class T>
Ready ready(const Conv2dDims& d, int dir, bool bf16_operands) {
  cudnnHandle_t h = cudnn_handle();
  int dev = 0;
  KD_CUDA_CHECK(cudaGetDevice(&dev));
  const bool fp32 = cudnn_type<T>() == CUDNN_DATA_FLOAT;
  const Mode mode = !fp32 ? kFp32 : bf16_operands ? kBf16 : allow_tf32() ? kTf32 : kFp32;
  const bool tf32 = mode != kFp32;
  const PlanKey key{dev, fp32 ? 0 : 1, d.N, d.C, d.H, d.W, d.O, d.kh, d.kw, d.stride, d.pad, d.groups, int64_t(mode)};
  static std::mutex mu;
  static auto* plans = new std::map<PlanKey, ConvPlan*>;  // leaked: see ConvPlan
  std::lock_guard<std::mutex> lock(mu);
  ConvPlan*& p = (*plans)[key];
  if (!p) p = make_plan<T>(d, tf32);
  if (dir == kDescriptorsOnly) return Ready{h, p, Algo{}};
  if (!p->algo[dir].chosen) choose(h, *p, dir, fp32, mode, d);
  return Ready{h, p, p->algo[dir]};
}

// A scratch buffer of at least `bytes` on the current device, from the caching allocator.
Tensor workspace(size_t bytes) {
  if (bytes == 0) return Tensor();
  int dev = 0;
  KD_CUDA_CHECK(cudaGetDevice(&dev));
  return Tensor::empty({int64_t((bytes + sizeof(double) - 1) / sizeof(double))}, DType::F64, cuda_device(dev));
}

void* ptr(const Tensor& t) { return t.defined() ? t.raw_data() : nullptr; }

// cuDNN refuses descriptors with a zero size; the native kernels already define those cases
// (an empty output, zero gradients, bias-only outputs when there are no input channels or the
// input is 0 high or wide and only padding is seen: x (1, 1, 0, 0), 1x1 kernel, padding 1).
bool degenerate(const Conv2dDims& d) { return d.N == 0 || d.C == 0 || d.O == 0 || d.H == 0 || d.W == 0; }

}  // namespace

template <class T>
void conv2d_forward_cudnn(const Conv2dDims& d, const T* x, const T* w, const T* bias, T* y, bool bf16_operands) {
  if (degenerate(d)) return conv2d_forward_cuda<T>(d, x, w, bias, y);
  const Ready r = ready<T>(d, kForward, bf16_operands);
  const ConvPlan& p = *r.plan;
  // alpha/beta are host scalars of the compute type (double for DOUBLE_CONFIG). beta = 0:
  // cuDNN does not read y then, so the NaN poison of the parity tests cannot leak in.
  const T one = T(1), zero = T(0);
  Tensor ws = workspace(r.algo.workspace);
  KD_CUDNN_CHECK(cudnnConvolutionForward(r.handle, &one, p.x, x, p.w, w, p.conv[kForward],
                                         cudnnConvolutionFwdAlgo_t(r.algo.algo), ptr(ws), r.algo.workspace, &zero,
                                         p.y, y));
  // The same bias semantics as the native path: y[n, o, :, :] += bias[o].
  if (bias) KD_CUDNN_CHECK(cudnnAddTensor(r.handle, &one, p.bias, bias, &one, p.y, y));
}

template <class T>
void conv2d_backward_cudnn(const Conv2dDims& d, const T* x, const T* w, const T* gy, T* dx, T* dw, T* dbias,
                           bool bf16_operands) {
  if (degenerate(d)) return conv2d_backward_cuda<T>(d, x, w, gy, dx, dw, dbias);
  const T one = T(1), zero = T(0);
  if (dbias) {
    const Ready r = ready<T>(d, kDescriptorsOnly, bf16_operands);
    KD_CUDNN_CHECK(cudnnConvolutionBackwardBias(r.handle, &one, r.plan->y, gy, &zero, r.plan->bias, dbias));
  }
  if (dx) {
    const Ready r = ready<T>(d, kBackwardData, bf16_operands);
    const ConvPlan& p = *r.plan;
    Tensor ws = workspace(r.algo.workspace);
    KD_CUDNN_CHECK(cudnnConvolutionBackwardData(r.handle, &one, p.w, w, p.y, gy, p.conv[kBackwardData],
                                                cudnnConvolutionBwdDataAlgo_t(r.algo.algo), ptr(ws),
                                                r.algo.workspace, &zero, p.x, dx));
  }
  if (dw) {
    const Ready r = ready<T>(d, kBackwardFilter, bf16_operands);
    const ConvPlan& p = *r.plan;
    Tensor ws = workspace(r.algo.workspace);
    KD_CUDNN_CHECK(cudnnConvolutionBackwardFilter(r.handle, &one, p.x, x, p.y, gy, p.conv[kBackwardFilter],
                                                  cudnnConvolutionBwdFilterAlgo_t(r.algo.algo), ptr(ws),
                                                  r.algo.workspace, &zero, p.w, dw));
  }
}

KD_CONV2D_CUDNN_INSTANCES(float)
KD_CONV2D_CUDNN_INSTANCES(double)

}  // namespace kd

#endif  // KDFACE_HAVE_CUDNN
