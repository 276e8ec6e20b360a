#pragma once
// Aligned faces into the float tensors networks take: NCHW, RGB, x_float = (x - mean) / std.
// The loader (training) and evaluation (image folders, verification .bin files) share this
// so both see exactly the same normalisation.
#include <cstdint>
#include <string>
#include <vector>

#include "data/image.h"
#include "engine/tensor.h"

namespace kd::data {

// One RGB image (h, w, 3) into dst (3, h, w), mirrored left-right when flip.
void image_to_chw(const Image& img, float mean, float std, bool flip, float* dst);
// img mirrored left-right, any channel count: the flipped view that evaluation degrades
// (A-SKD flips before degrading, so the flip cannot be left to image_to_chw).
Image mirrored(const Image& img);

// The "image folder" source for evaluation: decodes each JPEG file (turbojpeg; PNG is not
// supported here because kd_data must build without OpenCV) and checks it is
// kFaceSize x kFaceSize, naming the file otherwise. Returns (N, 3, 112, 112) float32.
// threads > 1 decodes in parallel; the result does not depend on it.
Tensor load_face_images(const std::vector<std::string>& paths, float mean = 127.5f, float std = 127.5f,
                        int threads = 1);

// The same for images already in memory (an insightface .bin); names[i] labels errors.
Tensor faces_from_encoded(const std::vector<std::vector<uint8_t>>& encoded, const std::vector<std::string>& names,
                          float mean = 127.5f, float std = 127.5f, int threads = 1);

}  // namespace kd::data
