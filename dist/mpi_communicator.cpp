// The MPI world (Open MPI): nonblocking collectives polled with short sleeps, so a rank that
// waits (for rank 0's evaluation, or for a slower rank) leaves its core to the others, and so
// every wait has a deadline: a rank that never answers ends the run with an error instead of
// a hang. Device tensors are staged through host memory (NCCL is the GPU path).
#include <mpi.h>

#include <cstdlib>
#include <map>

#include "dist/communicator.h"
#include "dist/wait_policy.h"
#include "engine/check.h"

namespace kd::dist {
namespace {

MPI_Datatype mpi_type(DType t, const char* op) {
  switch (t) {
    case DType::F32: return MPI_FLOAT;
    case DType::F64: return MPI_DOUBLE;
    case DType::I64: return MPI_INT64_T;
    default: KD_FAIL("dist::", op, ": unsupported dtype ", dtype_name(t));
  }
}

// Declared non-commutative so that MPI applies it in rank order: the same inputs give the
// same bits on every rank and in every run.
template <class T>
void ordered_sum(void* in, void* inout, int* len, MPI_Datatype*) {
  const T* a = static_cast<const T*>(in);
  T* b = static_cast<T*>(inout);
  for (int i = 0; i < *len; ++i) b[i] = a[i] + b[i];
}

MPI_Op sum_op(DType t) {
  static MPI_Op f32 = MPI_OP_NULL, f64 = MPI_OP_NULL, i64 = MPI_OP_NULL;
  MPI_Op* op = t == DType::F32 ? &f32 : t == DType::F64 ? &f64 : &i64;
  if (*op == MPI_OP_NULL)
    MPI_Op_create(t == DType::F32   ? &ordered_sum<float>
                  : t == DType::F64 ? &ordered_sum<double>
                                    : &ordered_sum<int64_t>,
                  0, op);
  return *op;
}

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char msg[MPI_MAX_ERROR_STRING];
  int n = 0;
  MPI_Error_string(rc, msg, &n);
  KD_FAIL("MPI ", what, " failed: ", std::string(msg, size_t(n)));
}

class Mpi final : public Communicator {
 public:
  Mpi() {
    int provided = 0;
    check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~Mpi() override {
    int fin = 0;
    MPI_Finalized(&fin);
    if (!fin) MPI_Finalize();
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string name() const override { return "mpi"; }

  int64_t start_sum(const Tensor& t) override {
    Pending p;
    p.user = t;
    p.buf = t.device().is_cpu() ? t : t.to(cpu());
    check(MPI_Iallreduce(MPI_IN_PLACE, p.buf.raw_data(), int(t.numel()), mpi_type(t.dtype(), "sum"),
                         sum_op(t.dtype()), MPI_COMM_WORLD, &p.req),
          "MPI_Iallreduce");
    int64_t h = next_++;
    pending_.emplace(h, std::move(p));
    return h;
  }
  bool done(int64_t h) override {
    auto it = find(h);
    int flag = 0;
    check(MPI_Test(&it->second.req, &flag, MPI_STATUS_IGNORE), "MPI_Test");
    return flag != 0;
  }
  void wait(int64_t h) override {
    auto it = find(h);
    wait_request(it->second.req, "a gradient or statistics sum");
    if (!it->second.user.device().is_cpu()) it->second.user.copy_from(it->second.buf);
    pending_.erase(it);
  }
  void max(const Tensor& t) override {
    Tensor buf = t.device().is_cpu() ? t : t.to(cpu());
    MPI_Request r;
    check(MPI_Iallreduce(MPI_IN_PLACE, buf.raw_data(), int(t.numel()), mpi_type(t.dtype(), "max"), MPI_MAX,
                         MPI_COMM_WORLD, &r),
          "MPI_Iallreduce(max)");
    wait_request(r, "a max over ranks");
    if (!t.device().is_cpu()) Tensor(t).copy_from(buf);
  }
  void broadcast(const Tensor& t, int root) override {
    Tensor buf = t.device().is_cpu() ? t : t.to(cpu());
    MPI_Request r;
    check(MPI_Ibcast(buf.raw_data(), int(t.nbytes()), MPI_BYTE, root, MPI_COMM_WORLD, &r), "MPI_Ibcast");
    wait_request(r, "a broadcast");
    if (!t.device().is_cpu()) Tensor(t).copy_from(buf);
  }
  Tensor all_gather(const Tensor& t) override {
    Tensor src = t.device().is_cpu() ? t : t.to(cpu());
    Shape s = t.shape();
    KD_CHECK(!s.empty(), "dist::all_gather: a scalar has no dim 0");
    s[0] *= size_;
    Tensor out = Tensor::empty(s, t.dtype(), cpu());
    MPI_Request r;
    check(MPI_Iallgather(src.raw_data(), int(src.nbytes()), MPI_BYTE, out.raw_data(), int(src.nbytes()), MPI_BYTE,
                         MPI_COMM_WORLD, &r),
          "MPI_Iallgather");
    wait_request(r, "an all-gather");
    return t.device().is_cpu() ? out : out.to(t.device());
  }
  void barrier() override {
    MPI_Request r;
    check(MPI_Ibarrier(MPI_COMM_WORLD, &r), "MPI_Ibarrier");
    wait_request(r, "a barrier");
  }
  [[noreturn]] void abort(int code) override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::exit(code);
  }

 private:
  struct Pending {
    MPI_Request req = MPI_REQUEST_NULL;
    Tensor user, buf;
  };
  std::map<int64_t, Pending>::iterator find(int64_t h) {
    auto it = pending_.find(h);
    KD_CHECK(it != pending_.end(), "dist: no pending reduction ", h);
    return it;
  }
  void wait_request(MPI_Request& r, const char* what) {
    WaitPolicy w(what, rank_);
    for (;;) {
      int flag = 0;
      check(MPI_Test(&r, &flag, MPI_STATUS_IGNORE), "MPI_Test");
      if (flag) return;
      w.pause();
    }
  }

  int rank_ = 0, size_ = 1;
  int64_t next_ = 1;
  std::map<int64_t, Pending> pending_;
};

}  // namespace

std::unique_ptr<Communicator> make_mpi() { return std::make_unique<Mpi>(); }

}  // namespace kd::dist
