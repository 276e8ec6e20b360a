// Loader: shapes, labels, determinism across runs/threads/resume, flips, LR and error paths.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>

#include "data/degrade.h"
#include "data/face_tensor.h"
#include "data/jpeg_codec.h"
#include "data/loader.h"
#include "data/mask_bank.h"
#include "data/shard.h"
#include "engine/check.h"

namespace fs = std::filesystem;
using namespace kd;
using namespace kd::data;

namespace {

const int kImages = 44, kClasses = 5;

// Left-right asymmetric, distinct per k, smooth enough that JPEG keeps it close.
Image synthetic_face(int k) {
  Image img(kFaceSize, kFaceSize, 3);
  for (int y = 0; y < img.h; ++y)
    for (int x = 0; x < img.w; ++x) {
      img.at(x, y, 0) = uint8_t(20 + x * 2);
      img.at(x, y, 1) = uint8_t(40 + y + 3 * k);
      img.at(x, y, 2) = uint8_t(60 + ((x / 8 + y / 8 + k) % 4) * 40);
    }
  return img;
}

std::string make_set(const std::string& name, bool with_garbage = false) {
  fs::path d = fs::current_path() / "tmp_test_data_loader" / name;
  fs::remove_all(d);
  std::vector<std::string> ids;
  for (int c = 0; c < kClasses; ++c) ids.push_back(std::to_string(100 + c));
  ShardSetWriter w(d.string(), 16, ids);
  for (int k = 0; k < kImages; ++k) {
    std::vector<uint8_t> bytes = encode_jpeg(synthetic_face(k), 95);
    if (with_garbage && k == 30) bytes.assign(200, 0x17);
    w.add(bytes, k % kClasses, "face" + std::to_string(k) + ".jpg");
  }
  w.finish();
  return d.string();
}

const std::string& shared_set() {
  static std::string dir = make_set("plain");
  return dir;
}

LoaderConfig config(int threads) {
  LoaderConfig c;
  c.shards = shared_set();
  c.batch = 8;
  c.threads = threads;
  c.prefetch = 3;
  c.seed = 1234;
  c.want_lr = true;
  c.scales = {2, 4};
  return c;
}

std::vector<Batch> epoch_batches(Loader& l, int64_t epoch, int64_t first = 0) {
  std::vector<Batch> out;
  l.start(epoch, first);
  Batch b;
  while (l.next(b)) out.push_back(b);
  return out;
}

bool same_tensor(const Tensor& a, const Tensor& b) {
  if (!a.defined() || !b.defined()) return a.defined() == b.defined();
  return a.shape() == b.shape() && a.dtype() == b.dtype() &&
         std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

bool same_batch(const Batch& a, const Batch& b) {
  return same_tensor(a.hr, b.hr) && same_tensor(a.lr, b.lr) && same_tensor(a.label, b.label) &&
         a.scale == b.scale && a.epoch == b.epoch && a.index == b.index;
}

}  // namespace

TEST_CASE("loader: sizes, shapes, labels, every image once per epoch") {
  Loader l(config(2));
  CHECK(l.size() == kImages);
  CHECK(l.num_classes() == kClasses);
  CHECK(l.batches_per_epoch() == kImages / 8);  // drop_last
  auto batches = epoch_batches(l, 0);
  REQUIRE(int64_t(batches.size()) == l.batches_per_epoch());
  std::vector<int64_t> hist(kClasses, 0);
  for (size_t k = 0; k < batches.size(); ++k) {
    const Batch& b = batches[k];
    CHECK(b.index == int64_t(k));
    CHECK(b.hr.shape() == Shape{8, 3, 112, 112});
    CHECK(b.lr.shape() == Shape{8, 3, 112, 112});
    CHECK(!b.masked.defined());
    CHECK(b.label.shape() == Shape{8});
    CHECK(b.label.dtype() == DType::I64);
    for (int64_t v : b.label.to_vector<int64_t>()) {
      REQUIRE((v >= 0 && v < kClasses));
      ++hist[size_t(v)];
    }
    for (int s : b.scale) CHECK((s == 2 || s == 4));
    auto hr = b.hr.to_vector<float>();
    auto [lo, hi] = std::minmax_element(hr.begin(), hr.end());
    CHECK(*lo >= -1.0f);
    CHECK(*hi <= 1.0f);
  }
  CHECK(std::accumulate(hist.begin(), hist.end(), int64_t(0)) == 40);

  // the order over a full epoch (no drop) is a permutation, and differs between epochs
  auto o0 = epoch_order(kImages, 1234, 0, true), o1 = epoch_order(kImages, 1234, 1, true);
  CHECK(std::set<int64_t>(o0.begin(), o0.end()).size() == size_t(kImages));
  CHECK(o0 != o1);
  CHECK(epoch_order(kImages, 1234, 0, false)[7] == 7);

  LoaderConfig c = config(1);
  c.drop_last = false;
  Loader all(c);
  CHECK(all.batches_per_epoch() == 6);
  auto last = epoch_batches(all, 0).back();
  CHECK(last.hr.shape() == Shape{4, 3, 112, 112});
  CHECK(last.label.shape() == Shape{4});
}

TEST_CASE("loader: deterministic across loaders, thread counts and resume") {
  LoaderConfig narrow = config(3);
  narrow.prefetch = 1;  // more workers than batches allowed in flight
  Loader a(config(2)), b(config(2)), one(config(1)), inline_(config(0)), three(narrow);
  auto ea = epoch_batches(a, 3), eb = epoch_batches(b, 3), e1 = epoch_batches(one, 3), e0 = epoch_batches(inline_, 3),
       e3 = epoch_batches(three, 3);
  REQUIRE(ea.size() == eb.size());
  REQUIRE(ea.size() == e1.size());
  REQUIRE(ea.size() == e0.size());
  REQUIRE(ea.size() == e3.size());
  for (size_t k = 0; k < ea.size(); ++k) {
    INFO("batch " << k);
    CHECK(same_batch(ea[k], eb[k]));
    CHECK(same_batch(ea[k], e1[k]));
    CHECK(same_batch(ea[k], e0[k]));
    CHECK(same_batch(ea[k], e3[k]));
  }
  // resume: start(epoch, k) yields the k-th batch of a full pass, then the rest
  for (int64_t k : {int64_t(1), int64_t(4)}) {
    auto tail = epoch_batches(b, 3, k);
    REQUIRE(tail.size() == ea.size() - size_t(k));
    for (size_t i = 0; i < tail.size(); ++i) CHECK(same_batch(tail[i], ea[size_t(k) + i]));
  }
  // a restart in the middle of an epoch, with batches still in flight
  b.start(3);
  Batch x;
  REQUIRE(b.next(x));
  b.start(3, 2);
  REQUIRE(b.next(x));
  CHECK(same_batch(x, ea[2]));
  // another epoch or seed gives other batches
  auto e4 = epoch_batches(a, 4);
  CHECK(!same_tensor(e4[0].hr, ea[0].hr));
  LoaderConfig other = config(2);
  other.seed = 99;
  Loader c(other);
  CHECK(!same_tensor(epoch_batches(c, 3)[0].hr, ea[0].hr));
}

TEST_CASE("loader: the ranks' slices of a global batch side by side are one process's batch") {
  // Data parallel (issue 15): 2 ranks with batch 4 take the batch of 8 that one process takes,
  // drawn the same way (flip, scale, degradation), and each sample exactly once.
  LoaderConfig whole = config(2);
  Loader one(whole);
  auto e = epoch_batches(one, 2);
  std::vector<std::vector<Batch>> ranks;
  for (int r = 0; r < 2; ++r) {
    LoaderConfig c = config(r == 0 ? 1 : 2);
    c.batch = 4;
    c.rank = r;
    c.world = 2;
    Loader l(c);
    CHECK(l.batches_per_epoch() == one.batches_per_epoch());
    ranks.push_back(epoch_batches(l, 2));
  }
  REQUIRE(ranks[0].size() == e.size());
  const size_t per = size_t(3 * 112 * 112) * 4 * sizeof(float);
  for (size_t k = 0; k < e.size(); ++k) {
    INFO("batch " << k);
    for (int r = 0; r < 2; ++r) {
      const Batch& b = ranks[size_t(r)][k];
      CHECK(std::memcmp(b.hr.raw_data(), static_cast<const char*>(e[k].hr.raw_data()) + r * per, per) == 0);
      CHECK(std::memcmp(b.lr.raw_data(), static_cast<const char*>(e[k].lr.raw_data()) + r * per, per) == 0);
      const std::vector<int64_t> all = e[k].label.to_vector<int64_t>();
      const std::vector<int64_t> want(all.begin() + 4 * r, all.begin() + 4 * (r + 1));
      CHECK(b.label.to_vector<int64_t>() == want);
      CHECK(std::vector<int>(e[k].scale.begin() + 4 * r, e[k].scale.begin() + 4 * (r + 1)) == b.scale);
    }
  }
  LoaderConfig bad = config(1);
  bad.world = 2;
  bad.rank = 2;
  CHECK_THROWS_WITH(Loader(bad), Catch::Contains("rank 2 outside world of 2"));
}

TEST_CASE("loader: flips mirror the image and lr is the degraded flipped face") {
  LoaderConfig c = config(2);
  c.shuffle = false;
  Loader l(c);
  ShardSet set(c.shards);
  auto batches = epoch_batches(l, 0);
  int flipped = 0, plain = 0;
  const size_t per = 3 * 112 * 112;
  std::vector<float> ref(per), ref_lr(per);
  std::vector<uint8_t> scratch;
  for (auto& b : batches) {
    auto hr = b.hr.to_vector<float>();
    auto lr = b.lr.to_vector<float>();
    auto labels = b.label.to_vector<int64_t>();
    for (int64_t i = 0; i < b.hr.size(0); ++i) {
      const int64_t pos = b.index * c.batch + i;  // no shuffle: position == record
      SampleDraw d = draw_sample(c, 0, pos);
      CHECK(b.scale[size_t(i)] == d.scale);
      CHECK(labels[size_t(i)] == pos % kClasses);
      Image img;
      set.decode(pos, scratch, img);
      image_to_chw(img, c.mean, c.std, d.flip, ref.data());
      CHECK(std::memcmp(ref.data(), hr.data() + size_t(i) * per, per * sizeof(float)) == 0);
      // flipped pixel (x, y) is original (111 - x, y)
      float h = hr[size_t(i) * per + 5 * 112 + 3];
      float o = (float(img.at(d.flip ? 108 : 3, 5, 0)) - 127.5f) / 127.5f;
      CHECK(h == o);
      Image face = img, out;
      if (d.flip)
        for (int y = 0; y < 112; ++y)
          for (int x = 0; x < 112; ++x)
            for (int ch = 0; ch < 3; ++ch) face.at(x, y, ch) = img.at(111 - x, y, ch);
      degrade(face, c.degrade, d.scale, d.degrade_seed, out);
      image_to_chw(out, c.mean, c.std, false, ref_lr.data());
      CHECK(std::memcmp(ref_lr.data(), lr.data() + size_t(i) * per, per * sizeof(float)) == 0);
      CHECK(std::memcmp(ref_lr.data(), hr.data() + size_t(i) * per, per * sizeof(float)) != 0);
      (d.flip ? flipped : plain)++;
    }
  }
  CHECK(flipped > 5);
  CHECK(plain > 5);
  c.flip = false;
  for (int64_t p = 0; p < 40; ++p) CHECK(!draw_sample(c, 0, p).flip);
}

TEST_CASE("loader: a bad record is an error from next() naming shard and record") {
  LoaderConfig c = config(2);
  c.shards = make_set("garbage", true);
  c.shuffle = false;
  Loader l(c);
  l.start(0);
  Batch b;
  for (int k = 0; k < 3; ++k) REQUIRE(l.next(b));  // records 0..23 are fine
  CHECK_THROWS_WITH(l.next(b), Catch::Contains("batch 3") && Catch::Contains("shard-00001.kdshard") &&
                                   Catch::Contains("record 14") && Catch::Contains("face30.jpg"));
  CHECK(l.next(b));  // the loader carries on after the bad batch
  CHECK(b.index == 4);
  CHECK(!l.next(b));

  LoaderConfig bad = config(1);
  bad.batch = 1000;
  CHECK_THROWS_WITH(Loader(bad), Catch::Contains("fewer than one batch"));
  bad = config(1);
  bad.shards = "/nonexistent/set";
  CHECK_THROWS_WITH(Loader(bad), Catch::Contains("no index.json"));
  Loader fresh(config(1));
  CHECK_THROWS_WITH(fresh.next(b), Catch::Contains("start"));
}

TEST_CASE("image folder source: decode, size check, normalisation") {
  fs::path d = fs::current_path() / "tmp_test_data_loader" / "folder";
  fs::remove_all(d);
  fs::create_directories(d);
  std::vector<std::string> paths;
  for (int k = 0; k < 3; ++k) {
    auto bytes = encode_jpeg(synthetic_face(k), 95);
    paths.push_back((d / ("f" + std::to_string(k) + ".jpg")).string());
    std::ofstream(paths.back(), std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), long(bytes.size()));
  }
  Tensor t = load_face_images(paths, 127.5f, 127.5f, 2);
  REQUIRE(t.shape() == Shape{3, 3, 112, 112});
  Tensor t1 = load_face_images(paths, 127.5f, 127.5f, 1);
  CHECK(same_tensor(t, t1));
  std::string raw;
  {
    std::ifstream in(paths[1], std::ios::binary);
    raw.assign(std::istreambuf_iterator<char>(in), {});
  }
  Image img = decode_jpeg(reinterpret_cast<const uint8_t*>(raw.data()), raw.size(), "f1");
  auto v = t.to_vector<float>();
  const size_t per = 3 * 112 * 112;
  CHECK(v[per + 112 * 112 + 7 * 112 + 9] == (float(img.at(9, 7, 1)) - 127.5f) / 127.5f);  // image 1, G, (9, 7)

  auto small = encode_jpeg(Image(50, 60, 3), 90);
  std::string bad = (d / "small.jpg").string();
  std::ofstream(bad, std::ios::binary).write(reinterpret_cast<const char*>(small.data()), long(small.size()));
  paths.push_back(bad);
  CHECK_THROWS_WITH(load_face_images(paths), Catch::Contains("small.jpg") && Catch::Contains("50x60"));
  CHECK_THROWS_WITH(load_face_images({(d / "missing.jpg").string()}), Catch::Contains("missing.jpg"));
}

TEST_CASE("loader: masked faces use the drawn mask of the bank") {
  // Two masks: an opaque block over the lower half and a half-transparent one on the left.
  MaskBank bank;
  Image lower(112, 112, 4), left(112, 112, 4);
  for (int y = 0; y < 112; ++y)
    for (int x = 0; x < 112; ++x) {
      for (int c = 0; c < 3; ++c) lower.at(x, y, c) = left.at(x, y, c) = uint8_t(200 - 50 * c);
      lower.at(x, y, 3) = y >= 70 ? 255 : 0;
      left.at(x, y, 3) = x < 30 ? 128 : 0;
    }
  bank.add("lower", lower);
  bank.add("left", left);
  fs::path file = fs::current_path() / "tmp_test_data_loader" / "test.kdmasks";
  save_mask_bank(bank, file.string());

  LoaderConfig c = config(2);
  c.want_masked = true;
  c.mask_bank = file.string();
  c.shuffle = false;
  Loader l(c);
  auto batches = epoch_batches(l, 0);
  ShardSet set(c.shards);
  const size_t per = 3 * 112 * 112;
  std::vector<float> ref(per);
  std::vector<uint8_t> scratch;
  std::set<size_t> used;
  for (auto& b : batches) {
    REQUIRE(b.masked.shape() == Shape{8, 3, 112, 112});
    auto m = b.masked.to_vector<float>();
    auto hr = b.hr.to_vector<float>();
    for (int64_t i = 0; i < 8; ++i) {
      const int64_t pos = b.index * 8 + i;
      SampleDraw d = draw_sample(c, 0, pos);
      Image img, face;
      set.decode(pos, scratch, img);
      face = img;
      if (d.flip)
        for (int y = 0; y < 112; ++y)
          for (int x = 0; x < 112; ++x)
            for (int ch = 0; ch < 3; ++ch) face.at(x, y, ch) = img.at(111 - x, y, ch);
      size_t which = size_t(d.mask_seed % 2);
      used.insert(which);
      apply_mask(face, bank.masks[which]);
      image_to_chw(face, c.mean, c.std, false, ref.data());
      const float* got = m.data() + size_t(i) * per;
      CHECK(std::memcmp(ref.data(), got, per * sizeof(float)) == 0);
      // untouched outside the mask, changed under it
      const float* h = hr.data() + size_t(i) * per;
      int changed_in = 0, changed_out = 0, n_in = 0;
      for (int y = 0; y < 112; ++y)
        for (int x = 0; x < 112; ++x) {
          bool in = which == 0 ? y >= 70 : x < 30;
          bool changed = got[size_t(y) * 112 + size_t(x)] != h[size_t(y) * 112 + size_t(x)];
          n_in += in;
          (in ? changed_in : changed_out) += changed;
        }
      CHECK(changed_out == 0);
      CHECK(changed_in > n_in * 3 / 4);
    }
  }
  CHECK(used.size() == 2);
  LoaderConfig nobank = config(1);
  nobank.want_masked = true;
  CHECK_THROWS_WITH(Loader(nobank), Catch::Contains("mask_bank"));
}
