#include "data/face_tensor.h"

#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "data/jpeg_codec.h"
#include "data/shard.h"
#include "engine/atomic_file.h"
#include "engine/check.h"

namespace kd::data {

Image mirrored(const Image& img) {
  Image out(img.w, img.h, img.c);
  for (int y = 0; y < img.h; ++y)
    for (int x = 0; x < img.w; ++x)
      for (int ch = 0; ch < img.c; ++ch) out.at(x, y, ch) = img.at(img.w - 1 - x, y, ch);
  return out;
}

void image_to_chw(const Image& img, float mean, float std, bool flip, float* dst) {
  KD_CHECK(img.c == 3, "image_to_chw: expected an RGB image, got ", img.c, " channels");
  // Divided, not multiplied by 1/std, so values equal (x - mean) / std exactly as documented.
  float lut[256];
  for (int v = 0; v < 256; ++v) lut[v] = (float(v) - mean) / std;
  const size_t plane = size_t(img.w) * size_t(img.h);
  for (int y = 0; y < img.h; ++y) {
    const uint8_t* src = img.row(y);
    float* r = dst + size_t(y) * size_t(img.w);
    float* g = r + plane;
    float* b = g + plane;
    for (int x = 0; x < img.w; ++x) {
      const uint8_t* p = src + 3 * size_t(flip ? img.w - 1 - x : x);
      r[x] = lut[p[0]];
      g[x] = lut[p[1]];
      b[x] = lut[p[2]];
    }
  }
}

namespace {

// Runs fn(i) for i in [0, n) on up to `threads` threads; the first error is rethrown.
template <class F>
void parallel_items(size_t n, int threads, F fn) {
  std::atomic<size_t> next{0};
  std::exception_ptr err;
  std::mutex mu;
  auto work = [&] {
    for (;;) {
      size_t i = next.fetch_add(1);
      if (i >= n) return;
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!err) err = std::current_exception();
        next = n;
      }
    }
  };
  int t = std::max(1, std::min<int>(threads, int(n)));
  std::vector<std::thread> pool;
  for (int k = 1; k < t; ++k) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  if (err) std::rethrow_exception(err);
}

void decode_into(const uint8_t* data, size_t size, const std::string& name, float mean, float std, float* dst) {
  Image img = decode_jpeg(data, size, name);
  KD_CHECK(img.w == kFaceSize && img.h == kFaceSize, name, ": image is ", img.w, "x", img.h, ", expected ",
           kFaceSize, "x", kFaceSize, " (align and resize it first)");
  image_to_chw(img, mean, std, false, dst);
}

}  // namespace

Tensor load_face_images(const std::vector<std::string>& paths, float mean, float std, int threads) {
  KD_CHECK(!paths.empty(), "load_face_images: no image paths given");
  Tensor out = Tensor::empty({int64_t(paths.size()), 3, kFaceSize, kFaceSize});  // (N, 3, 112, 112)
  float* base = out.data<float>();
  const size_t per = size_t(3) * kFaceSize * kFaceSize;
  parallel_items(paths.size(), threads, [&](size_t i) {
    std::string bytes = read_file(paths[i]);
    decode_into(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), paths[i], mean, std, base + i * per);
  });
  return out;
}

Tensor faces_from_encoded(const std::vector<std::vector<uint8_t>>& encoded, const std::vector<std::string>& names,
                          float mean, float std, int threads) {
  KD_CHECK(!encoded.empty(), "faces_from_encoded: no images given");
  KD_CHECK(names.size() == encoded.size(), "faces_from_encoded: ", encoded.size(), " images but ", names.size(),
           " names");
  Tensor out = Tensor::empty({int64_t(encoded.size()), 3, kFaceSize, kFaceSize});  // (N, 3, 112, 112)
  float* base = out.data<float>();
  const size_t per = size_t(3) * kFaceSize * kFaceSize;
  parallel_items(encoded.size(), threads, [&](size_t i) {
    decode_into(encoded[i].data(), encoded[i].size(), names[i], mean, std, base + i * per);
  });
  return out;
}

}  // namespace kd::data
