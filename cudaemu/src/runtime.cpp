// The CUDA runtime calls of the emulated device. Synchronous: a call returns when its work
// is done, so streams, events and synchronisation only keep CUDA's bookkeeping. Copies and
// sets are checked against the allocations they touch, and keep the record of which device
// bytes were ever written (memory.h).
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "cuda_runtime.h"
#include "engine/check.h"
#include "memory.h"
#include "sanitizer.h"

namespace {

constexpr size_t kTotalMemory = size_t(8) << 30;  // what the emulated device reports
thread_local cudaError_t last_error = cudaSuccess;
thread_local int current_device = 0;

cudaError_t fail(cudaError_t e) { return last_error = e; }

struct Event {
  std::chrono::steady_clock::time_point t;
  bool recorded = false;
};

// The device region [p, p + n) lies in, or an error naming the call.
kd::emu::mem::Region& device_range(const void* p, size_t n, const char* call, const char* side) {
  kd::emu::mem::Region* r = kd::emu::mem::find(p);
  if (!r)
    throw kd::Error(kd::str("cuda emulator: ", call, ": the ", side, " pointer ", p,
                            " is not device memory (not from cudaMalloc)"));
  const size_t off = size_t(static_cast<const char*>(p) - r->base);
  if (!r->live)
    throw kd::Error(kd::str("cuda emulator: ", call, ": the ", side, " pointer ", p,
                            " points into a device block that was freed (use after free)"));
  if (off + n > r->used)
    throw kd::Error(kd::str("cuda emulator: ", call, ": ", n, " bytes at offset ", off, " of a ", r->used,
                            "-byte device allocation run past its end (", side, ")"));
  return *r;
}

size_t offset(const kd::emu::mem::Region& r, const void* p) { return size_t(static_cast<const char*>(p) - r.base); }

bool is_device(const void* p) { return kd::emu::mem::find(p) != nullptr; }

// One row of a copy: checks both sides, moves the bytes and the written-record.
void copy_bytes(void* dst, const void* src, size_t n, cudaMemcpyKind k, const char* call) {
  if (n == 0) return;
  if (k == cudaMemcpyDefault)
    k = is_device(dst) ? (is_device(src) ? cudaMemcpyDeviceToDevice : cudaMemcpyHostToDevice)
                       : (is_device(src) ? cudaMemcpyDeviceToHost : cudaMemcpyHostToHost);
  using kd::emu::mem::Region;
  Region* sr = nullptr;
  Region* dr = nullptr;
  if (k == cudaMemcpyDeviceToHost || k == cudaMemcpyDeviceToDevice) sr = &device_range(src, n, call, "source");
  if (k == cudaMemcpyHostToDevice || k == cudaMemcpyDeviceToDevice) dr = &device_range(dst, n, call, "destination");
  if (k == cudaMemcpyDeviceToHost) kd::emu::mem::require_written(*sr, offset(*sr, src), n, call);
  if (k == cudaMemcpyHostToDevice && is_device(src))
    throw kd::Error(kd::str("cuda emulator: ", call, ": host-to-device copy from device memory ", src));
  if (k == cudaMemcpyDeviceToHost && is_device(dst))
    throw kd::Error(kd::str("cuda emulator: ", call, ": device-to-host copy into device memory ", dst));
  std::memmove(dst, src, n);
  if (dr && sr)
    kd::emu::mem::copy_written_state(*dr, offset(*dr, dst), *sr, offset(*sr, src), n, call);
  else if (dr)
    kd::emu::mem::set_written(*dr, offset(*dr, dst), n, call);
}

}  // namespace

const char* cudaGetErrorName(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    case cudaErrorInvalidConfiguration: return "cudaErrorInvalidConfiguration";
    case cudaErrorInvalidDevicePointer: return "cudaErrorInvalidDevicePointer";
    case cudaErrorInvalidMemcpyDirection: return "cudaErrorInvalidMemcpyDirection";
    case cudaErrorInvalidResourceHandle: return "cudaErrorInvalidResourceHandle";
    case cudaErrorNotReady: return "cudaErrorNotReady";
    case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
    case cudaErrorNoDevice: return "cudaErrorNoDevice";
    case cudaErrorLaunchFailure: return "cudaErrorLaunchFailure";
  }
  return "cudaErrorUnknown";
}

const char* cudaGetErrorString(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    case cudaErrorInvalidDevicePointer: return "invalid device pointer";
    case cudaErrorInvalidMemcpyDirection: return "invalid copy direction for memcpy";
    case cudaErrorInvalidResourceHandle: return "invalid resource handle";
    case cudaErrorNotReady: return "device not ready";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
    case cudaErrorNoDevice: return "no CUDA-capable device is detected";
    case cudaErrorLaunchFailure: return "unspecified launch failure";
  }
  return "unknown error";
}

cudaError_t cudaGetLastError() {
  const cudaError_t e = last_error;
  last_error = cudaSuccess;
  return e;
}
cudaError_t cudaPeekAtLastError() { return last_error; }

cudaError_t cudaGetDeviceCount(int* n) {
  *n = 1;
  return cudaSuccess;
}
cudaError_t cudaGetDevice(int* d) {
  *d = current_device;
  return cudaSuccess;
}
cudaError_t cudaSetDevice(int d) {
  if (d != 0) return fail(cudaErrorInvalidDevice);
  current_device = d;
  return cudaSuccess;
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* p, int d) {
  if (d != 0) return fail(cudaErrorInvalidDevice);
  std::memset(p, 0, sizeof(*p));
  std::strncpy(p->name, "kdface emulated CUDA device (sm_90 limits, runs on the CPU)", sizeof(p->name) - 1);
  p->totalGlobalMem = kTotalMemory;
  p->sharedMemPerBlock = 48 * 1024;
  p->sharedMemPerBlockOptin = 227 * 1024;
  p->warpSize = 32;
  p->maxThreadsPerBlock = 1024;
  p->maxThreadsDim[0] = p->maxThreadsDim[1] = 1024;
  p->maxThreadsDim[2] = 64;
  p->maxGridSize[0] = 0x7fffffff;
  p->maxGridSize[1] = p->maxGridSize[2] = 65535;
  p->major = 9;
  p->minor = 0;
  p->multiProcessorCount = 1;
  p->l2CacheSize = 50 << 20;
  return cudaSuccess;
}

cudaError_t cudaDeviceGetAttribute(int* v, cudaDeviceAttr a, int d) {
  cudaDeviceProp p;
  if (cudaGetDeviceProperties(&p, d) != cudaSuccess) return last_error;
  switch (a) {
    case cudaDevAttrMaxThreadsPerBlock: *v = p.maxThreadsPerBlock; break;
    case cudaDevAttrMaxSharedMemoryPerBlock: *v = int(p.sharedMemPerBlock); break;
    case cudaDevAttrWarpSize: *v = p.warpSize; break;
    case cudaDevAttrMultiProcessorCount: *v = p.multiProcessorCount; break;
    case cudaDevAttrL2CacheSize: *v = p.l2CacheSize; break;
    case cudaDevAttrComputeCapabilityMajor: *v = p.major; break;
    case cudaDevAttrComputeCapabilityMinor: *v = p.minor; break;
    case cudaDevAttrMaxSharedMemoryPerBlockOptin: *v = int(p.sharedMemPerBlockOptin); break;
    default: return fail(cudaErrorInvalidValue);
  }
  return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }

cudaError_t cudaMalloc(void** p, size_t n) {
  *p = nullptr;
  if (n == 0) return cudaSuccess;
  if (kd::emu::mem::bytes_allocated() + n > kTotalMemory) return fail(cudaErrorMemoryAllocation);
  // 256-byte aligned as cudaMalloc's, and exactly n long, so ASan guards the end.
  void* m = nullptr;
  if (posix_memalign(&m, 256, n) != 0) return fail(cudaErrorMemoryAllocation);
  kd::emu::mem::add(m, n);
  *p = m;
  return cudaSuccess;
}

cudaError_t cudaFree(void* p) {
  if (!p) return cudaSuccess;
  kd::emu::mem::Region* r = kd::emu::mem::find(p);
  if (!r || r->base != p) return fail(cudaErrorInvalidDevicePointer);
  kd::emu::unpoison(p, r->size);
  kd::emu::mem::remove(p);
  std::free(p);
  return cudaSuccess;
}

cudaError_t cudaMemGetInfo(size_t* free_bytes, size_t* total_bytes) {
  *total_bytes = kTotalMemory;
  *free_bytes = kTotalMemory - kd::emu::mem::bytes_allocated();
  return cudaSuccess;
}

cudaError_t cudaMemset(void* p, int v, size_t n) {
  if (n == 0) return cudaSuccess;
  kd::emu::mem::Region& r = device_range(p, n, "cudaMemset", "destination");
  std::memset(p, v, n);
  kd::emu::mem::set_written(r, offset(r, p), n, "cudaMemset");
  return cudaSuccess;
}
cudaError_t cudaMemsetAsync(void* p, int v, size_t n, cudaStream_t) { return cudaMemset(p, v, n); }

cudaError_t cudaMemcpy(void* dst, const void* src, size_t n, cudaMemcpyKind k) {
  copy_bytes(dst, src, n, k, "cudaMemcpy");
  return cudaSuccess;
}
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t n, cudaMemcpyKind k, cudaStream_t) {
  copy_bytes(dst, src, n, k, "cudaMemcpyAsync");
  return cudaSuccess;
}

cudaError_t cudaMemcpy2D(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width, size_t height,
                         cudaMemcpyKind k) {
  if (width > dpitch || width > spitch) return fail(cudaErrorInvalidValue);
  for (size_t r = 0; r < height; ++r)
    copy_bytes(static_cast<char*>(dst) + r * dpitch, static_cast<const char*>(src) + r * spitch, width, k,
               "cudaMemcpy2D");
  return cudaSuccess;
}
cudaError_t cudaMemcpy2DAsync(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width, size_t height,
                              cudaMemcpyKind k, cudaStream_t) {
  return cudaMemcpy2D(dst, dpitch, src, spitch, width, height, k);
}

cudaError_t cudaEventCreate(cudaEvent_t* e) {
  *e = reinterpret_cast<cudaEvent_t>(new Event);
  return cudaSuccess;
}
cudaError_t cudaEventDestroy(cudaEvent_t e) {
  delete reinterpret_cast<Event*>(e);
  return cudaSuccess;
}
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t) {
  if (!e) return fail(cudaErrorInvalidResourceHandle);
  auto* ev = reinterpret_cast<Event*>(e);
  ev->t = std::chrono::steady_clock::now();
  ev->recorded = true;
  return cudaSuccess;
}
cudaError_t cudaEventSynchronize(cudaEvent_t e) { return e ? cudaSuccess : fail(cudaErrorInvalidResourceHandle); }
// The host time the emulation took: says nothing about a GPU's speed.
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t a, cudaEvent_t b) {
  auto* x = reinterpret_cast<Event*>(a);
  auto* y = reinterpret_cast<Event*>(b);
  if (!x || !y || !x->recorded || !y->recorded) return fail(cudaErrorInvalidResourceHandle);
  *ms = std::chrono::duration<float, std::milli>(y->t - x->t).count();
  return cudaSuccess;
}

cudaError_t cudaFuncGetAttributes(cudaFuncAttributes* a, const void*) {
  a->sharedSizeBytes = 0;
  a->maxThreadsPerBlock = 1024;
  a->maxDynamicSharedSizeBytes = 48 * 1024;
  return cudaSuccess;
}
