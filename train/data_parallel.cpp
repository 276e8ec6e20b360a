#include "train/data_parallel.h"

#include <sched.h>

#include <cstdlib>
#include <thread>

#include "engine/parallel.h"

namespace kd::train {

DataParallel::DataParallel(dist::Communicator& comm, Module& student, bool sync_bn, size_t bucket_bytes,
                           std::set<std::string> sharded)
    : comm_(comm), sync_bn_(sync_bn), sharded_(std::move(sharded)) {
  if (!active()) return;
  std::vector<std::pair<std::string, Tensor>> replicated;
  for (auto& p : student.named_parameters()) {
    dev_ = p.second.device();
    if (!sharded_.count(p.first)) replicated.push_back(p);
  }
  reducer_ = std::make_unique<dist::GradReducer>(comm_, replicated, bucket_bytes);
}

void DataParallel::broadcast_state(Module& m) {
  if (!active()) return;
  for (auto& p : m.named_parameters())
    if (!sharded_.count(p.first)) comm_.broadcast(p.second, 0);
  for (auto& b : m.named_buffers()) comm_.broadcast(b.second, 0);
}

std::unique_ptr<models::SyncBatchNormScope> DataParallel::bn_scope() {
  if (!active() || !sync_bn_) return nullptr;
  dist::Communicator* c = &comm_;
  return std::make_unique<models::SyncBatchNormScope>([c](const Tensor& t) { c->sum(t); });
}

std::unique_ptr<autograd::LeafGradReadyScope> DataParallel::capture() {
  return reducer_ ? reducer_->capture() : nullptr;
}

void DataParallel::finish_gradients() {
  if (reducer_) reducer_->finish();
}

bool DataParallel::all_finite(bool mine) {
  if (!active()) return mine;
  Tensor bad = Tensor::full({1}, mine ? 0.0 : 1.0, DType::I64).to(dev_);
  comm_.sum(bad);
  return bad.item() == 0;
}

void DataParallel::average(std::map<std::string, double>& values) {
  if (!active()) return;
  std::vector<double> v;
  for (auto& kv : values) v.push_back(kv.second);
  Tensor t = Tensor::from(v, {int64_t(v.size())}).to(dev_);
  comm_.sum(t);
  std::vector<double> s = t.to(cpu()).to_vector<double>();
  size_t i = 0;
  for (auto& kv : values) kv.second = s[i++] / comm_.size();
}

void divide_cores_among_local_ranks() {
  if (std::getenv("OMP_NUM_THREADS")) return;
  const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
  if (!local) local = std::getenv("SLURM_NTASKS_PER_NODE");
  int ranks = local ? std::atoi(local) : 1;
  if (ranks <= 1) return;
  cpu_set_t set;
  int mine = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0;
  int all = int(std::thread::hardware_concurrency());
  // Bound by the launcher (fewer cores visible than the node has): those cores are this rank's.
  // Unbound: every rank sees every core, so they share them.
  set_num_threads(mine > 0 && mine < all ? mine : std::max(1, all / ranks));
}

}  // namespace kd::train
