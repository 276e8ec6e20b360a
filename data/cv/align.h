#pragma once
// Face alignment to the ArcFace template: 68 dlib landmarks -> 5 points -> least-squares
// similarity -> bilinear warp. Also the fixed-geometry path for CelebA's pre-aligned crops.
#include <string>
#include <vector>

#include "data/cv/face_detect.h"
#include "data/image.h"
#include "data/similarity.h"

namespace kd::data {

enum class AlignPreset {
  Wild,           // detect + landmarks per image
  CelebaAligned,  // CelebA's aligned crops: fixed eye positions, no detection
};
AlignPreset parse_align_preset(const std::string& name);  // "wild" | "celeba-aligned"
const char* align_preset_name(AlignPreset p);

// The five template points from the iBUG 68: eye centres = mean of 36-41 / 42-47 (image
// left eye first), nose tip 30, mouth corners 48 / 54.
Landmarks5 five_from_68(const float* x68, const float* y68);

// Mean 5-point landmarks of CelebA's img_align_celeba frame (178x218), measured with dlib
// the way the wild preset measures them; docs/data.md "Alignment" has the numbers' source.
const Landmarks5& celeba_aligned_mean_landmarks();

// CelebA mean landmarks for an aligned crop of w x h (178x218 or a uniformly scaled copy,
// e.g. the 89x109 shipped in ../shared). Throws when the size is not a CelebA aligned crop.
Landmarks5 celeba_aligned_landmarks_for(int w, int h);

// Warps src into a size x size image: output pixel p samples src at to_out^-1(p), bilinear,
// borders replicated (the template reaches past small crops' edges).
Image warp_similarity(const Image& src, const Similarity& to_out, int size);

struct AlignOptions {
  int size = 112;  // output side; the 112 template is scaled for other sizes
  AlignPreset preset = AlignPreset::Wild;
};

struct AlignResult {
  bool ok = false;
  std::string reason;       // set when !ok: "no face found", "unreadable file: <error>", ...
  Image face;               // size x size RGB
  Similarity to_aligned;    // source pixels -> aligned pixels
  Landmarks5 five;          // the 5 points in the aligned frame (what the template was fit to)
  std::vector<float> x, y;  // every landmark in the aligned frame: 68 (wild) or the 5 (celeba)
};

// Aligns one decoded image. det is required for the wild preset (unused otherwise).
// Never throws for an image without a face: that is a result with a reason.
AlignResult align_image(const Image& img, const AlignOptions& opt, const FaceDetector* det);

// Reads and aligns one file: what `kdface-data align` runs per image. A missing or corrupt
// file is a result with reason "unreadable file: <error naming the file>".
AlignResult align_file(const std::string& path, const AlignOptions& opt, const FaceDetector* det);

}  // namespace kd::data
