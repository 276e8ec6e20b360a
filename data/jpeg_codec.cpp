#include "data/jpeg_codec.h"

#include <turbojpeg.h>

#include <memory>

#include "engine/check.h"

namespace kd::data {
namespace {

// tjhandles are not thread-safe but are cheap to keep: one compressor and one
// decompressor per thread avoids an init per image in the loader's hot path.
struct TjHandle {
  tjhandle h = nullptr;
  explicit TjHandle(bool compress) : h(compress ? tjInitCompress() : tjInitDecompress()) {}
  ~TjHandle() {
    if (h) tjDestroy(h);
  }
};

tjhandle compressor() {
  thread_local TjHandle t(true);
  KD_CHECK(t.h, "encode_jpeg: tjInitCompress failed: ", tjGetErrorStr());
  return t.h;
}

tjhandle decompressor() {
  thread_local TjHandle t(false);
  KD_CHECK(t.h, "decode_jpeg: tjInitDecompress failed: ", tjGetErrorStr());
  return t.h;
}

}  // namespace

std::vector<uint8_t> encode_jpeg(const Image& img, int quality) {
  KD_CHECK(quality >= 1 && quality <= 100, "encode_jpeg: quality must be in 1..100, got ", quality);
  KD_CHECK(img.w > 0 && img.h > 0, "encode_jpeg: empty image (", img.w, "x", img.h, ")");
  KD_CHECK(img.c == 1 || img.c == 3 || img.c == 4, "encode_jpeg: channels must be 1, 3 or 4, got ", img.c);
  KD_CHECK(img.px.size() == size_t(img.w) * img.h * img.c, "encode_jpeg: pixel buffer has ", img.px.size(),
           " bytes, expected ", size_t(img.w) * img.h * img.c);
  const int pf = img.c == 1 ? TJPF_GRAY : img.c == 3 ? TJPF_RGB : TJPF_RGBA;
  const int samp = img.c == 1 ? TJSAMP_GRAY : TJSAMP_420;
  tjhandle h = compressor();
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  int rc = tjCompress2(h, img.px.data(), img.w, 0, img.h, pf, &buf, &size, samp, quality, TJFLAG_ACCURATEDCT);
  std::unique_ptr<unsigned char, void (*)(unsigned char*)> own(buf, [](unsigned char* p) { tjFree(p); });
  KD_CHECK(rc == 0, "encode_jpeg: tjCompress2 failed on a ", img.w, "x", img.h, "x", img.c,
           " image: ", tjGetErrorStr2(h));
  return std::vector<uint8_t>(buf, buf + size);
}

Image decode_jpeg(const uint8_t* data, size_t size, const std::string& what_for_errors) {
  KD_CHECK(data && size > 0, what_for_errors, ": empty JPEG data");
  tjhandle h = decompressor();
  int w = 0, hgt = 0, samp = 0, cs = 0;
  KD_CHECK(tjDecompressHeader3(h, data, (unsigned long)size, &w, &hgt, &samp, &cs) == 0, what_for_errors,
           ": not a readable JPEG (", size, " bytes): ", tjGetErrorStr2(h));
  KD_CHECK(w > 0 && hgt > 0 && w <= 16384 && hgt <= 16384, what_for_errors, ": JPEG size ", w, "x", hgt,
           " is outside 1..16384");
  Image img(w, hgt, 3);
  // Accurate DCT and fancy upsampling (libjpeg's defaults) so decoded pixels match PIL.
  int rc = tjDecompress2(h, data, (unsigned long)size, img.px.data(), w, 0, hgt, TJPF_RGB, TJFLAG_ACCURATEDCT);
  // A warning (e.g. premature end of data) still yields an image; a truncated or corrupt
  // record must not pass silently, so warnings are errors too.
  KD_CHECK(rc == 0, what_for_errors, ": JPEG decode failed: ", tjGetErrorStr2(h));
  return img;
}

}  // namespace kd::data
