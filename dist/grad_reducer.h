#pragma once
// Data-parallel gradient averaging: parameters are grouped into buckets of about 25 MB in the
// order backward produces their gradients (last layer first); a bucket starts its sum over
// ranks as soon as backward has finished every gradient in it (autograd's LeafGradReady
// hook), so the communication of the late layers overlaps the backward of the early ones.
// Buckets start in bucket order on every rank (collectives must match), and each sum is the
// communicator's reproducible one, so every rank ends with the same averaged bits.
//
//   GradReducer r(world(), student.named_parameters());
//   { auto scope = r.capture(); loss.backward(); }   // buckets start during backward
//   r.finish();                                       // grads now hold the average over ranks
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dist/communicator.h"
#include "engine/autograd.h"

namespace kd::dist {

class GradReducer {
 public:
  static constexpr size_t kDefaultBucketBytes = size_t(25) << 20;
  GradReducer(Communicator& comm, const std::vector<std::pair<std::string, Tensor>>& params,
              size_t bucket_bytes = kDefaultBucketBytes);

  // Installs the ready hook for one backward pass (keep it alive across backward()).
  std::unique_ptr<autograd::LeafGradReadyScope> capture();
  // Starts what backward left, waits for every bucket, writes the averages into the grads.
  void finish();

  int64_t started_during_backward() const { return started_early_; }  // of the last step

 private:
  struct Bucket {
    std::vector<size_t> params;  // indices into params_
    int64_t numel = 0;
    size_t ready = 0;
    int64_t handle = -1;
    Tensor flat;
  };
  void mark_ready(size_t param);
  void start(Bucket& b);

  Communicator& comm_;
  std::vector<Tensor> params_;
  std::vector<size_t> bucket_of_;  // param -> bucket
  std::vector<bool> is_ready_;
  std::unordered_map<const TensorImpl*, size_t> index_;
  std::vector<Bucket> buckets_;
  size_t next_start_ = 0;
  bool in_backward_ = false;
  int64_t started_early_ = 0;
};

}  // namespace kd::dist
