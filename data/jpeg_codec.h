#pragma once
// JPEG <-> Image through libturbojpeg: the shard format stores faces as JPEG, and the
// degradation extras re-compress with it. No OpenCV, so the loader builds without it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/image.h"

namespace kd::data {

// img: grey, RGB or RGBA (alpha is dropped); quality 1..100, 4:2:0 chroma subsampling for
// colour (libjpeg's and PIL's default, so re-compression artefacts match common tools).
std::vector<uint8_t> encode_jpeg(const Image& img, int quality);

// Always returns RGB (grey JPEGs are expanded). Errors name what_for_errors (a file or
// shard record) and what libturbojpeg said.
Image decode_jpeg(const uint8_t* data, size_t size, const std::string& what_for_errors);

}  // namespace kd::data
