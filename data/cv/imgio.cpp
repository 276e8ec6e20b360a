#include "data/cv/imgio.h"

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "engine/check.h"

namespace kd::data {

namespace {

std::string lower_ext(const std::string& path) {
  std::string e = std::filesystem::path(path).extension().string();
  for (auto& ch : e) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  return e;
}

}  // namespace

cv::Mat to_bgr_mat(const Image& img) {
  KD_CHECK(img.c == 1 || img.c == 3 || img.c == 4, "to_bgr_mat: image has ", img.c,
           " channels, expected 1, 3 or 4");
  KD_CHECK(img.w > 0 && img.h > 0 && img.px.size() == size_t(img.w) * img.h * img.c,
           "to_bgr_mat: image buffer holds ", img.px.size(), " bytes, expected ", img.w, "x", img.h, "x",
           img.c);
  cv::Mat wrap(img.h, img.w, CV_8UC(img.c), const_cast<uint8_t*>(img.px.data()));
  cv::Mat out;
  if (img.c == 3) {
    cv::cvtColor(wrap, out, cv::COLOR_RGB2BGR);
  } else if (img.c == 4) {
    cv::cvtColor(wrap, out, cv::COLOR_RGBA2BGRA);
  } else {
    out = wrap.clone();
  }
  return out;
}

Image from_bgr_mat(const cv::Mat& m) {
  KD_CHECK(m.depth() == CV_8U, "from_bgr_mat: expected an 8-bit matrix, got depth ", m.depth());
  int c = m.channels();
  KD_CHECK(c == 1 || c == 3 || c == 4, "from_bgr_mat: matrix has ", c, " channels, expected 1, 3 or 4");
  cv::Mat conv;
  if (c == 3) {
    cv::cvtColor(m, conv, cv::COLOR_BGR2RGB);
  } else if (c == 4) {
    cv::cvtColor(m, conv, cv::COLOR_BGRA2RGBA);
  } else {
    conv = m;
  }
  Image img(m.cols, m.rows, c);
  for (int y = 0; y < m.rows; ++y) {
    const uint8_t* src = conv.ptr<uint8_t>(y);
    std::copy(src, src + size_t(m.cols) * c, img.row(y));
  }
  return img;
}

Image read_image(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  KD_CHECK(fs::exists(path, ec), "image file ", path, " does not exist");
  KD_CHECK(fs::is_regular_file(path, ec), "image path ", path, " is not a regular file");
  // Read the bytes ourselves so "cannot open" and "cannot decode" are told apart
  // (cv::imread reports both as an empty matrix).
  std::ifstream f(path, std::ios::binary);
  KD_CHECK(f.good(), "cannot open image file ", path, " for reading");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  KD_CHECK(!f.bad(), "read error on image file ", path);
  KD_CHECK(!bytes.empty(), "image file ", path, " is empty");
  cv::Mat m;
  try {
    m = cv::imdecode(bytes, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    KD_FAIL("image file ", path, " could not be decoded (", bytes.size(), " bytes): ", e.what());
  }
  KD_CHECK(!m.empty(), "image file ", path, " is corrupt or not an image format OpenCV can decode (",
           bytes.size(), " bytes)");
  return from_bgr_mat(m);
}

void write_image(const std::string& path, const Image& img, int jpeg_quality) {
  std::string ext = lower_ext(path);
  std::vector<int> params;
  if (ext == ".jpg" || ext == ".jpeg") {
    KD_CHECK(jpeg_quality >= 1 && jpeg_quality <= 100, "write_image ", path, ": JPEG quality must be 1..100, got ",
             jpeg_quality);
    params = {cv::IMWRITE_JPEG_QUALITY, jpeg_quality};
  } else {
    KD_CHECK(ext == ".png" || ext == ".bmp", "write_image ", path, ": unsupported extension '", ext,
             "', expected .jpg, .jpeg, .png or .bmp");
  }
  cv::Mat m = to_bgr_mat(img);
  std::vector<uint8_t> buf;
  bool ok = false;
  try {
    ok = cv::imencode(ext, m, buf, params);
  } catch (const cv::Exception& e) {
    KD_FAIL("write_image ", path, ": encoding failed: ", e.what());
  }
  KD_CHECK(ok, "write_image ", path, ": encoding failed");
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  KD_CHECK(f.good(), "write_image: cannot open ", path, " for writing");
  f.write(reinterpret_cast<const char*>(buf.data()), std::streamsize(buf.size()));
  f.close();
  KD_CHECK(f.good(), "write_image: write to ", path, " failed (disk full?)");
}

}  // namespace kd::data
