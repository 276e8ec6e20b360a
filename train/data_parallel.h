#pragma once
// What a training step does differently when it is one of N data-parallel processes: the
// student starts from rank 0's state, BatchNorm may use the global batch's statistics
// (data.sync_bn), gradients are averaged over ranks while backward runs, and every rank agrees
// on whether the step's loss was finite. In a world of one every call is a no-op, so the
// single-process trainer runs the same code.
#include <memory>
#include <set>
#include <string>

#include "dist/communicator.h"
#include "dist/grad_reducer.h"
#include "engine/module.h"
#include "models/batch_norm.h"

namespace kd::train {

class DataParallel {
 public:
  // Parameters named in `sharded` differ by rank (a sharded head): never broadcast or averaged.
  DataParallel(dist::Communicator& comm, Module& student, bool sync_bn,
               size_t bucket_bytes = dist::GradReducer::kDefaultBucketBytes, std::set<std::string> sharded = {});
  bool active() const { return comm_.size() > 1; }

  void broadcast_state(Module& m);  // rank 0's parameters and buffers everywhere
  std::unique_ptr<models::SyncBatchNormScope> bn_scope();  // null unless active and sync_bn
  std::unique_ptr<autograd::LeafGradReadyScope> capture();  // around backward()
  void finish_gradients();                                 // after backward(): the averages
  bool all_finite(bool mine);  // false on every rank when any rank's loss was not finite
  // The mean over ranks of values (the same keys on every rank), for the log.
  void average(std::map<std::string, double>& values);
  // Of the last step: gradient buckets that began their sum while backward still ran.
  int64_t buckets_started_during_backward() const { return reducer_ ? reducer_->started_during_backward() : 0; }

 private:
  dist::Communicator& comm_;
  bool sync_bn_;
  std::set<std::string> sharded_;
  Device dev_ = cpu();  // the student's: NCCL sums device tensors only
  std::unique_ptr<dist::GradReducer> reducer_;
};

// OpenMP threads per rank when the user did not choose (OMP_NUM_THREADS unset): the cores this
// process may use, shared by the ranks on its node.
void divide_cores_among_local_ranks();

}  // namespace kd::train
