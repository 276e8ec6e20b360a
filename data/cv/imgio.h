#pragma once
// Reading and writing image files with OpenCV. Everything past this boundary is RGB
// (kd::data::Image); OpenCV's BGR never leaks out.
#include <opencv2/core.hpp>
#include <string>

#include "data/image.h"

namespace kd::data {

// Decodes any format OpenCV's imgcodecs reads into 3-channel RGB (grey and RGBA sources
// are converted). Throws kd::Error naming the file when it is missing, unreadable or not
// a decodable image.
Image read_image(const std::string& path);

// Encodes by extension (.jpg/.jpeg at jpeg_quality, .png, .bmp); creates no folders.
// Throws naming the file when encoding or writing fails.
void write_image(const std::string& path, const Image& img, int jpeg_quality = 95);

// Conversions at the OpenCV boundary (copies; channel order swapped for 3/4 channels).
cv::Mat to_bgr_mat(const Image& img);
Image from_bgr_mat(const cv::Mat& m);

}  // namespace kd::data
