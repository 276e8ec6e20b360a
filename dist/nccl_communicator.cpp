// The GPU world: NCCL collectives between one process per GPU, bootstrapped through MPI (rank 0
// makes the NCCL id, MPI broadcasts it). Sums run on a communication stream that waits for the
// default stream's work so far (an event), so a gradient bucket reduces while backward goes on
// computing; wait() makes the default stream wait for the sum, without blocking the host.
// NCCL's ring order is fixed for a given communicator, so runs repeat bit for bit.
#include <cuda_runtime.h>
#include <nccl.h>

#include <cstdlib>
#include <cstring>
#include <map>

#include "dist/communicator.h"
#include "dist/wait_policy.h"
#include "engine/check.h"

namespace kd::dist {
namespace {

void check_nccl(ncclResult_t r, const char* what) {
  KD_CHECK(r == ncclSuccess, "NCCL ", what, " failed: ", ncclGetErrorString(r));
}
void check_cuda(cudaError_t r, const char* what) {
  KD_CHECK(r == cudaSuccess, "CUDA ", what, " failed: ", cudaGetErrorString(r));
}

ncclDataType_t nccl_type(DType t) {
  switch (t) {
    case DType::F32: return ncclFloat32;
    case DType::F64: return ncclFloat64;
    case DType::I64: return ncclInt64;
    case DType::BF16: return ncclBfloat16;
  }
  KD_FAIL("dist::nccl: unsupported dtype");
}

class Nccl final : public Communicator {
 public:
  Nccl(Communicator& boot, int device) : boot_(boot) {
    check_cuda(cudaSetDevice(device), "cudaSetDevice");
    ncclUniqueId id;
    if (boot.rank() == 0) check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
    Tensor raw = Tensor::zeros({int64_t((sizeof id + 7) / 8)}, DType::I64);  // the id's bytes, on the host
    if (boot.rank() == 0) std::memcpy(raw.raw_data(), &id, sizeof id);
    boot.broadcast(raw, 0);
    std::memcpy(&id, raw.raw_data(), sizeof id);
    check_nccl(ncclCommInitRank(&comm_, boot.size(), id, boot.rank()), "ncclCommInitRank");
    check_cuda(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
  }
  ~Nccl() override {
    for (auto& [h, e] : pending_) cudaEventDestroy(e);
    ncclCommDestroy(comm_);
    cudaStreamDestroy(stream_);
  }
  int rank() const override { return boot_.rank(); }
  int size() const override { return boot_.size(); }
  std::string name() const override { return "nccl"; }

  int64_t start_sum(const Tensor& t) override {
    KD_CHECK(!t.device().is_cpu(), "dist::nccl: sums device tensors, got ", t.str());
    follow_default_stream();
    check_nccl(ncclAllReduce(t.raw_data(), t.raw_data(), size_t(t.numel()), nccl_type(t.dtype()), ncclSum, comm_, stream_),
               "ncclAllReduce");
    cudaEvent_t done;
    check_cuda(cudaEventCreateWithFlags(&done, cudaEventDisableTiming), "cudaEventCreate");
    check_cuda(cudaEventRecord(done, stream_), "cudaEventRecord");
    pending_[next_] = done;
    return next_++;
  }
  bool done(int64_t h) override { return cudaEventQuery(pending_.at(h)) == cudaSuccess; }
  void wait(int64_t h) override {
    auto it = pending_.find(h);
    KD_CHECK(it != pending_.end(), "dist::nccl: no pending sum ", h);
    check_cuda(cudaStreamWaitEvent(0, it->second, 0), "cudaStreamWaitEvent");  // the default stream waits
    cudaEventDestroy(it->second);
    pending_.erase(it);
  }
  void max(const Tensor& t) override { blocking(t, ncclMax); }
  void broadcast(const Tensor& t, int root) override {
    follow_default_stream();
    check_nccl(ncclBroadcast(t.raw_data(), t.raw_data(), t.nbytes(), ncclUint8, root, comm_, stream_), "ncclBroadcast");
    sync("a broadcast");
  }
  Tensor all_gather(const Tensor& t) override {
    Shape s = t.shape();
    s[0] *= size();
    Tensor out = Tensor::empty(s, t.dtype(), t.device());
    follow_default_stream();
    check_nccl(ncclAllGather(t.raw_data(), out.raw_data(), t.nbytes(), ncclUint8, comm_, stream_), "ncclAllGather");
    sync("an all-gather");
    return out;
  }
  void barrier() override { boot_.barrier(); }
  [[noreturn]] void abort(int code) override {
    ncclCommAbort(comm_);
    boot_.abort(code);
    std::exit(code);
  }

 private:
  void follow_default_stream() {
    cudaEvent_t e;
    check_cuda(cudaEventCreateWithFlags(&e, cudaEventDisableTiming), "cudaEventCreate");
    check_cuda(cudaEventRecord(e, 0), "cudaEventRecord");
    check_cuda(cudaStreamWaitEvent(stream_, e, 0), "cudaStreamWaitEvent");
    cudaEventDestroy(e);
  }
  void blocking(const Tensor& t, ncclRedOp_t op) {
    follow_default_stream();
    check_nccl(ncclAllReduce(t.raw_data(), t.raw_data(), size_t(t.numel()), nccl_type(t.dtype()), op, comm_, stream_),
               "ncclAllReduce");
    sync("a reduction");
  }
  // Polls with the deadline of wait_policy.h: a dead peer turns into an error, not a hang.
  void sync(const char* what) {
    WaitPolicy w(what, rank());
    for (;;) {
      cudaError_t q = cudaStreamQuery(stream_);
      if (q == cudaSuccess) return;
      KD_CHECK(q == cudaErrorNotReady, "CUDA stream query failed: ", cudaGetErrorString(q));
      ncclResult_t async = ncclSuccess;
      ncclCommGetAsyncError(comm_, &async);
      check_nccl(async, what);
      w.pause();
    }
  }

  Communicator& boot_;
  ncclComm_t comm_ = nullptr;
  cudaStream_t stream_ = nullptr;
  std::map<int64_t, cudaEvent_t> pending_;
  int64_t next_ = 1;
};

}  // namespace

std::unique_ptr<Communicator> make_nccl(Communicator& boot, int device) { return std::make_unique<Nccl>(boot, device); }

}  // namespace kd::dist
