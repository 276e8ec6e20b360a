#pragma once
// The training loader: shuffled batches of aligned faces from a shard set, decoded, flipped,
// degraded (LR) and masked on worker threads, handed out in order.
//
// Determinism (the trainer's resume test reproduces losses bit for bit):
//   - the epoch's order is a Fisher-Yates shuffle driven by Generator(mix64(seed, epoch));
//   - sample at position p of the epoch draws flip, scale, degradation seed and mask from
//     mix64(key(seed, epoch), p), never from thread scheduling;
//   - batches come out in order whatever `threads` is, and start(epoch, k) produces batch k
//     exactly as a full pass does without decoding batches 0..k-1;
//   - data parallel (world > 1): global batch k is positions [k world B, (k + 1) world B) of
//     the epoch's order, and rank r takes its r-th run of B, so the ranks' batches side by side
//     are the batch one process with batch world * B would get, drawn the same way.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/degrade.h"
#include "engine/tensor.h"

namespace kd::data {

struct LoaderConfig {
  std::string shards;             // shard set folder
  int64_t batch = 128;            // per rank
  int rank = 0, world = 1;        // this process's slice of every global batch
  int threads = 2;                // decode/degrade workers; 0 = produce in next() itself
  int prefetch = 4;               // batches in flight
  uint64_t seed = 0;
  bool shuffle = true, flip = true, drop_last = true;
  bool want_lr = false, want_masked = false;
  DegradeSpec degrade;            // for lr
  std::vector<int> scales = {1};  // per sample one scale drawn from this list
  std::string mask_bank;          // file for want_masked
  // A record that cannot be read or decoded (crc mismatch, truncated JPEG, wrong size): false
  // fails the batch with the error naming the shard file and record; true puts the next
  // readable record of the epoch's order in its place (same position's draws, so the batch
  // is still a function of seed, epoch and position) and reports it in Batch::corrupt.
  bool skip_corrupt = false;
  float mean = 127.5f, std = 127.5f;  // x_float = (x - mean) / std
};

struct Batch {
  Tensor hr, lr, masked;   // (B, 3, 112, 112) float32 NCHW, RGB; lr/masked undefined unless wanted
  Tensor label;            // (B) int64
  std::vector<int> scale;  // per sample
  int64_t epoch = 0, index = 0;  // batch index within the epoch
  // skip_corrupt: the records replaced in this batch, in sample order, each with its error
  // ("shard '.../shard-00000.kdshard' record 17 (a/b.jpg): crc32 mismatch (corrupt record)").
  std::vector<int64_t> corrupt_records;
  std::vector<std::string> corrupt;
};

// The random choices for one sample, exposed so tests and tools can recompute them.
struct SampleDraw {
  bool flip = false;
  int scale = 1;
  uint64_t degrade_seed = 0;  // passed to degrade()
  uint64_t mask_seed = 0;     // mask = bank.masks[mask_seed % number of masks]
};
SampleDraw draw_sample(const LoaderConfig& cfg, int64_t epoch, int64_t position);
// Record ids in the order epoch `epoch` visits them.
std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int64_t epoch, bool shuffle);

class Loader {
 public:
  explicit Loader(const LoaderConfig& cfg);
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  int64_t size() const;               // images
  int64_t num_classes() const;
  int64_t batches_per_epoch() const;
  void start(int64_t epoch, int64_t first_batch = 0);  // (re)start; resume jumps straight to a batch without decoding the skipped ones
  bool next(Batch& out);              // false at the end of the epoch

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kd::data
