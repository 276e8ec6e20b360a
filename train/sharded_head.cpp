#include "train/sharded_head.h"

#include "dist/gather_rows.h"
#include "kernels/margin/sharded_margin_ce.h"

namespace kd::train {

std::pair<int64_t, int64_t> head_shard(int64_t classes, int rank, int world) {
  return {classes * rank / world, classes * (rank + 1) / world};
}

Tensor sharded_head_loss(dist::Communicator& comm, models::MarginHead& head, const Tensor& embedding,
                         const Tensor& labels) {
  Tensor all_emb = dist::all_gather_rows(comm, embedding, double(comm.size()));
  Tensor all_labels = comm.all_gather(labels);
  Tensor cos = head.cosine(all_emb);  // (N B, classes here)
  dist::Communicator* c = &comm;
  ShardCollectives ranks{[c](const Tensor& t) { c->max(t); }, [c](const Tensor& t) { c->sum(t); }};
  return sharded_margin_cross_entropy(cos, all_labels, head.shard_begin(), head.params(), ranks);
}

Tensor gather_head_rows(dist::Communicator& comm, const Tensor& shard, int64_t classes) {
  const int world = comm.size();
  if (world == 1) return shard;
  // Pad every shard to the largest size so the all-gather moves equal blocks, then drop the pads.
  const int64_t most = (classes + world - 1) / world;
  Shape s = shard.shape();
  s[0] = most;
  Tensor padded = Tensor::zeros(s, shard.dtype(), shard.device());
  padded.narrow0(0, shard.size(0)).copy_from(shard);
  Tensor all = comm.all_gather(padded);
  s[0] = classes;
  Tensor whole = Tensor::empty(s, shard.dtype(), shard.device());
  for (int r = 0; r < world; ++r) {
    auto [b, e] = head_shard(classes, r, world);
    whole.narrow0(b, e - b).copy_from(all.narrow0(int64_t(r) * most, e - b));
  }
  return whole;
}

Tensor shard_rows(const Tensor& whole, int rank, int world) {
  auto [b, e] = head_shard(whole.size(0), rank, world);
  return whole.narrow0(b, e - b).clone();
}

namespace {
// The head's entries of a checkpoint: the parameter and, once a step has run, its momentum.
template <class F>
void for_head_tensors(Checkpoint& ck, F&& convert) {
  const std::string momentum = std::string("momentum.") + kHeadParam;
  ck.model[kHeadParam] = convert(ck.model.at(kHeadParam));
  if (ck.optim.count(momentum)) ck.optim[momentum] = convert(ck.optim.at(momentum));
}
}  // namespace

void shard_checkpoint_head(Checkpoint& ck, int rank, int world) {
  for_head_tensors(ck, [&](const Tensor& whole) { return shard_rows(whole, rank, world); });
}

void gather_checkpoint_head(Checkpoint& ck, dist::Communicator& comm, int64_t classes) {
  for_head_tensors(ck, [&](const Tensor& shard) { return gather_head_rows(comm, shard, classes); });
}

}  // namespace kd::train
