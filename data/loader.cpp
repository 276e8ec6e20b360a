#include "data/loader.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <numeric>
#include <thread>

#include "data/face_tensor.h"
#include "data/mask_bank.h"
#include "data/shard.h"
#include "engine/check.h"
#include "engine/rng.h"

namespace kd::data {

namespace {

// Batch tensors are recycled: a fresh 6 MB allocation per batch costs more in first-touch
// page faults than decoding the batch (measured 10x slower on the shared 2-core VM). A
// pooled tensor is handed out again only when the pool holds the last reference to its
// TensorImpl and its Storage, i.e. the trainer and any autograd graph have let go of it.
// Every element is rewritten, so reuse cannot change what a batch contains.
class BatchPool {
 public:
  explicit BatchPool(size_t cap) : cap_(cap) {}
  Tensor get(const Shape& shape, DType dtype) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& t : pool_)
      if (t.impl_ptr().use_count() == 1 && t.impl().storage.use_count() == 1 && t.shape() == shape &&
          t.dtype() == dtype)
        return t;
    Tensor t = host_batch_tensor(shape, dtype);
    if (pool_.size() < cap_) pool_.push_back(t);
    return t;
  }

 private:
  // Where batch memory comes from. With CUDA compiled in, page-locked host memory here
  // would let the trainer's host-to-device copies run asynchronously; that is a later
  // improvement (issue 7) and only this function has to change.
  static Tensor host_batch_tensor(const Shape& shape, DType dtype) { return Tensor::empty(shape, dtype); }

  std::mutex mu_;
  size_t cap_;
  std::vector<Tensor> pool_;
};

}  // namespace

// The masked copy of a face: one mask of the bank per sample, chosen by the sample's draw.
struct LoaderMasks {
  MaskBank bank;
  explicit LoaderMasks(const std::string& file) : bank(load_mask_bank(file)) {
    KD_CHECK(bank.size == kFaceSize, "loader: mask bank '", file, "' is for ", bank.size, "x", bank.size,
             " faces, expected ", kFaceSize, "x", kFaceSize);
    KD_CHECK(!bank.masks.empty(), "loader: mask bank '", file, "' holds no masks");
  }
  void apply(const Image& face, uint64_t mask_seed, Image& out) const {
    out = face;
    apply_mask(out, bank.masks[size_t(mask_seed % bank.masks.size())]);
  }
};

// Stream keys: distinct constants so the epoch order, the per-sample draws and the
// generator seeds never share a mix64 input.
static uint64_t epoch_key(uint64_t seed, int64_t epoch) {
  return mix64(seed ^ 0x6c6f616465724b44ULL, uint64_t(epoch));
}

std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int64_t epoch, bool shuffle) {
  std::vector<int64_t> order(size_t(std::max<int64_t>(n, 0)));
  std::iota(order.begin(), order.end(), int64_t(0));
  if (!shuffle) return order;
  Generator g(mix64(epoch_key(seed, epoch), 0x5348554646ULL));
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[size_t(g.next_u64() % i)]);
  return order;
}

SampleDraw draw_sample(const LoaderConfig& cfg, int64_t epoch, int64_t position) {
  const uint64_t key = mix64(epoch_key(cfg.seed, epoch), uint64_t(position));
  SampleDraw d;
  d.flip = cfg.flip && (mix64(key, 0) & 1);
  d.scale = cfg.scales[size_t(mix64(key, 1) % cfg.scales.size())];
  d.degrade_seed = mix64(key, 2);
  d.mask_seed = mix64(key, 3);
  return d;
}

struct Loader::Impl {
  LoaderConfig cfg;
  ShardSet set;
  std::unique_ptr<LoaderMasks> masks;
  // hr, lr, masked, label for every batch that can be in flight or held by the caller.
  mutable BatchPool pool{size_t(4 * (cfg.prefetch + cfg.threads + 2))};

  // Set by start() while no worker runs; read-only while workers run.
  int64_t epoch = 0, end_batch = 0;
  std::vector<int64_t> order;
  bool started = false;
  // Guarded by mu.
  bool stop = false;
  int64_t next_claim = 0, next_out = 0;
  struct Slot {
    Batch batch;
    std::string error;
  };
  std::map<int64_t, Slot> done;
  std::mutex mu;
  std::condition_variable work_cv, done_cv;
  std::vector<std::thread> workers;

  explicit Impl(const LoaderConfig& c) : cfg(c), set(c.shards) {}

  int64_t batches() const {
    int64_t n = set.size(), b = cfg.batch * cfg.world;
    return cfg.drop_last ? n / b : (n + b - 1) / b;
  }

  void produce(int64_t k, Batch& out) const {
    const int64_t first = (k * cfg.world + cfg.rank) * cfg.batch;
    const int64_t n = std::min<int64_t>(cfg.batch, set.size() - first);
    const int64_t F = kFaceSize;
    const size_t per = size_t(3 * F * F);
    out.epoch = epoch;
    out.index = k;
    out.hr = pool.get({n, 3, F, F}, DType::F32);  // (B, 3, 112, 112)
    out.lr = cfg.want_lr ? pool.get({n, 3, F, F}, DType::F32) : Tensor();
    out.masked = cfg.want_masked ? pool.get({n, 3, F, F}, DType::F32) : Tensor();
    out.label = pool.get({n}, DType::I64);  // (B)
    out.scale.assign(size_t(n), 1);
    out.corrupt_records.clear();
    out.corrupt.clear();
    float* hr = out.hr.data<float>();
    float* lr = cfg.want_lr ? out.lr.data<float>() : nullptr;
    float* masked = cfg.want_masked ? out.masked.data<float>() : nullptr;
    int64_t* label = out.label.data<int64_t>();
    std::vector<uint8_t> scratch;
    Image img, flipped, tmp;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t pos = first + i, rec = order[size_t(pos)];
      const SampleDraw d = draw_sample(cfg, epoch, pos);
      const int64_t used = decode_or_substitute(pos, scratch, img, out);
      label[i] = set.label(used);
      out.scale[size_t(i)] = d.scale;
      // Flip once, before degrading and masking, so hr, lr and masked show the same face.
      const Image* face = &img;
      if (d.flip) {
        flipped = Image(img.w, img.h, 3);
        for (int y = 0; y < img.h; ++y) {
          const uint8_t* s = img.row(y);
          uint8_t* t = flipped.row(y);
          for (int x = 0; x < img.w; ++x)
            for (int c = 0; c < 3; ++c) t[3 * x + c] = s[3 * (img.w - 1 - x) + c];
        }
        face = &flipped;
      }
      image_to_chw(*face, cfg.mean, cfg.std, false, hr + size_t(i) * per);
      try {
        if (lr) {
          degrade(*face, cfg.degrade, d.scale, d.degrade_seed, tmp);
          image_to_chw(tmp, cfg.mean, cfg.std, false, lr + size_t(i) * per);
        }
        if (masked) {
          masks->apply(*face, d.mask_seed, tmp);
          image_to_chw(tmp, cfg.mean, cfg.std, false, masked + size_t(i) * per);
        }
      } catch (const std::exception& e) {
        KD_FAIL(set.describe(rec), ": ", e.what());
      }
    }
  }

  // The record at position pos, decoded; with skip_corrupt, an unreadable one is reported in
  // out and replaced by the next readable record of the epoch's order. Returns the record used.
  int64_t decode_or_substitute(int64_t pos, std::vector<uint8_t>& scratch, Image& img, Batch& out) const {
    const int64_t n = int64_t(order.size());
    for (int64_t j = 0; j < n; ++j) {
      const int64_t rec = order[size_t((pos + j) % n)];
      if (!cfg.skip_corrupt) {
        set.decode(rec, scratch, img);
        return rec;
      }
      try {
        set.decode(rec, scratch, img);
        return rec;
      } catch (const std::exception& e) {
        out.corrupt_records.push_back(rec);
        out.corrupt.push_back(e.what());
      }
    }
    KD_FAIL("shard set '", cfg.shards, "': none of its ", n, " records can be read");
  }

  void worker() {
    for (;;) {
      int64_t k;
      {
        std::unique_lock<std::mutex> lock(mu);
        work_cv.wait(lock, [&] { return stop || next_claim >= end_batch || next_claim < next_out + cfg.prefetch; });
        if (stop || next_claim >= end_batch) return;
        k = next_claim++;
      }
      Slot slot;
      try {
        produce(k, slot.batch);
      } catch (const std::exception& e) {
        slot.error = e.what();
      } catch (...) {
        slot.error = "unknown exception while building the batch";
      }
      std::lock_guard<std::mutex> lock(mu);
      done[k] = std::move(slot);
      done_cv.notify_all();
    }
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stop = true;
    }
    work_cv.notify_all();
    for (auto& t : workers) t.join();
    workers.clear();
    stop = false;
  }
};

Loader::Loader(const LoaderConfig& cfg) {
  KD_CHECK(cfg.batch > 0, "loader: batch must be > 0, got ", cfg.batch);
  KD_CHECK(cfg.threads >= 0, "loader: threads must be >= 0, got ", cfg.threads);
  KD_CHECK(cfg.world >= 1 && cfg.rank >= 0 && cfg.rank < cfg.world, "loader: rank ", cfg.rank, " outside world of ",
           cfg.world);
  KD_CHECK(cfg.world == 1 || cfg.drop_last, "loader: data-parallel loading needs drop_last (equal batches on every rank)");
  KD_CHECK(cfg.prefetch >= 1, "loader: prefetch must be >= 1, got ", cfg.prefetch);
  KD_CHECK(!cfg.scales.empty(), "loader: scales must list at least one scale");
  KD_CHECK(cfg.std != 0.0f, "loader: std must not be 0");
  KD_CHECK(!cfg.want_masked || !cfg.mask_bank.empty(), "loader: want_masked needs a mask_bank file");
  impl_ = std::make_unique<Impl>(cfg);
  KD_CHECK(impl_->batches() > 0, "loader: shard set '", cfg.shards, "' has ", impl_->set.size(),
           " images, fewer than one batch of ", cfg.batch, cfg.drop_last ? " (drop_last)" : "");
  if (cfg.want_masked) impl_->masks = std::make_unique<LoaderMasks>(cfg.mask_bank);
}

Loader::~Loader() {
  if (impl_) impl_->stop_workers();
}

int64_t Loader::size() const { return impl_->set.size(); }
int64_t Loader::num_classes() const { return impl_->set.num_classes(); }
int64_t Loader::batches_per_epoch() const { return impl_->batches(); }

void Loader::start(int64_t epoch, int64_t first_batch) {
  Impl& m = *impl_;
  KD_CHECK(epoch >= 0, "loader: epoch must be >= 0, got ", epoch);
  KD_CHECK(first_batch >= 0 && first_batch <= m.batches(), "loader: first batch ", first_batch, " outside [0, ",
           m.batches(), "]");
  m.stop_workers();
  m.done.clear();
  m.epoch = epoch;
  m.order = epoch_order(m.set.size(), m.cfg.seed, epoch, m.cfg.shuffle);
  m.end_batch = m.batches();
  m.next_claim = m.next_out = first_batch;
  m.started = true;
  for (int t = 0; t < m.cfg.threads; ++t) m.workers.emplace_back([&m] { m.worker(); });
}

bool Loader::next(Batch& out) {
  Impl& m = *impl_;
  KD_CHECK(m.started, "loader: call start(epoch) before next()");
  if (m.next_out >= m.end_batch) return false;
  Impl::Slot slot;
  if (m.cfg.threads == 0) {
    try {
      m.produce(m.next_out, slot.batch);
    } catch (const std::exception& e) {
      slot.error = e.what();
    } catch (...) {
      slot.error = "unknown exception while building the batch";
    }
    ++m.next_out;
  } else {
    std::unique_lock<std::mutex> lock(m.mu);
    m.done_cv.wait(lock, [&] { return m.done.count(m.next_out) != 0; });
    auto it = m.done.find(m.next_out);
    slot = std::move(it->second);
    m.done.erase(it);
    ++m.next_out;
    lock.unlock();
    m.work_cv.notify_all();
  }
  KD_CHECK(slot.error.empty(), "loader: epoch ", m.epoch, " batch ", m.next_out - 1, ": ", slot.error);
  out = std::move(slot.batch);
  return true;
}

}  // namespace kd::data
