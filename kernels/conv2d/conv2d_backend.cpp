// Run-time choice of the CUDA convolution backend (see conv2d_backend.h).
#include "kernels/conv2d/conv2d_backend.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

#include "engine/check.h"

namespace kd {
namespace {

constexpr int kUnset = -1;

// kUnset until the first use or a set_conv_backend(); then the ConvBackend as an int. An
// atomic rather than a once-flag so that reset_conv_backend() can re-arm it for the tests; two
// threads racing on the first read parse the same variable and store the same value.
std::atomic<int> g_backend{kUnset};

}  // namespace

ConvBackend parse_conv_backend(const char* value) {
  if (!value || !*value || std::strcmp(value, "native") == 0) return ConvBackend::Native;
  if (std::strcmp(value, "cudnn") == 0) return ConvBackend::Cudnn;
  KD_FAIL("KDFACE_CONV must be 'native' or 'cudnn' (or unset, meaning native), got '", value, "'");
}

void set_conv_backend(ConvBackend b) { g_backend.store(int(b)); }

ConvBackend conv_backend() {
  int v = g_backend.load();
  if (v == kUnset) {
    // A bad value throws here and stays unset, so every later convolution reports it too.
    v = int(parse_conv_backend(std::getenv("KDFACE_CONV")));
    int expected = kUnset;
    if (!g_backend.compare_exchange_strong(expected, v)) v = expected;  // a set_conv_backend() won
  }
  return ConvBackend(v);
}

void reset_conv_backend() { g_backend.store(kUnset); }

const char* conv_backend_name(ConvBackend b) { return b == ConvBackend::Cudnn ? "cudnn" : "native"; }

bool conv_cudnn_built() {
#ifdef KDFACE_HAVE_CUDNN
  return true;
#else
  return false;
#endif
}

ConvBackend conv_backend_for(Device device) {
  if (!device.is_cuda()) return ConvBackend::Native;
  const ConvBackend b = conv_backend();
  KD_CHECK(b != ConvBackend::Cudnn || conv_cudnn_built(),
           "conv2d: the cudnn convolution backend is selected (KDFACE_CONV or set_conv_backend) but kdface was "
           "built without cuDNN; reconfigure with -DKDFACE_CUDNN=ON (and CUDNN_ROOT=<prefix> if it is not found) "
           "or select native");
  return b;
}

}  // namespace kd
