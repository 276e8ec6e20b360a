#include "kernels/loss/labels.h"

#include "engine/dispatch.h"
#include "kernels/loss/labels_cuda.h"

namespace kd {

void check_labels(const Tensor& labels, int64_t n, int64_t c, Device device, const char* op) {
  KD_CHECK(labels.defined(), op, ": labels are undefined");
  KD_CHECK(labels.dtype() == DType::I64, op, ": labels must be int64, got ", dtype_name(labels.dtype()));
  KD_CHECK(labels.shape() == Shape{n}, op, ": labels: expected shape ", shape_str({n}), ", got ",
           shape_str(labels.shape()));
  KD_CHECK(labels.device() == device, op, ": labels are on ", labels.device().str(), ", logits on ", device.str());
  on_device(
      device, op,
      [&] {
        const int64_t* y = labels.data<int64_t>();
        for (int64_t i = 0; i < n; ++i)
          KD_CHECK(y[i] >= 0 && y[i] < c, op, ": label ", y[i], " of sample ", i, " is out of range [0, ", c, ")");
      },
      [&] {
        Tensor scratch = Tensor::empty({1}, DType::I64, device);
        const int64_t bad = first_bad_label_cuda(labels.data<int64_t>(), n, c, scratch.data<int64_t>());
        if (bad >= 0) {
          const int64_t y = labels.narrow0(bad, 1).to(cpu()).data<int64_t>()[0];
          KD_FAIL(op, ": label ", y, " of sample ", bad, " is out of range [0, ", c, ")");
        }
      });
}

}  // namespace kd
