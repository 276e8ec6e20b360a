#pragma once
// The sharded margin head of data-parallel training (student.head.sharded): rank r holds class
// centres [r C / N, (r + 1) C / N). Its loss gathers the global batch's embeddings and labels
// from every rank and runs kernels/margin/sharded_margin_cross_entropy over the shards, so its
// value is the whole global batch's mean ArcFace/CosFace loss, the same on every rank. Its
// gradients: each rank's centres get exactly their share of the unsharded head's gradient
// (never averaged over ranks), and the embedding gradient is multiplied by N, so that the
// gradient reducer's average over ranks gives the backbone the whole batch's gradient.
// Checkpoints hold the whole head: gather_checkpoint_head / shard_checkpoint_head convert.
#include <map>
#include <string>

#include "dist/communicator.h"
#include "engine/checkpoint.h"
#include "models/margin_head.h"

namespace kd::train {

// [begin, end) of the classes that rank holds.
std::pair<int64_t, int64_t> head_shard(int64_t classes, int rank, int world);

Tensor sharded_head_loss(dist::Communicator& comm, models::MarginHead& head, const Tensor& embedding,
                         const Tensor& labels);

// Every rank's rows of a sharded tensor (a head's w, or its momentum) stacked in rank order:
// the whole tensor, on every rank. Shard sizes may differ by one row.
Tensor gather_head_rows(dist::Communicator& comm, const Tensor& shard, int64_t classes);
// This rank's rows of a whole-head tensor.
Tensor shard_rows(const Tensor& whole, int rank, int world);

// The sharded parameter's name in a student's state.
constexpr const char* kHeadParam = "head.w";
// A checkpoint's whole head and its momentum, cut to this rank's rows (a resume) ...
void shard_checkpoint_head(Checkpoint& ck, int rank, int world);
// ... and every rank's rows gathered back into the whole (before rank 0 saves; every rank calls it).
void gather_checkpoint_head(Checkpoint& ck, dist::Communicator& comm, int64_t classes);

}  // namespace kd::train
