#pragma once
// Face alignment to the ArcFace template: 68 dlib landmarks -> 5 points -> least-squares
// similarity -> bilinear warp; when dlib finds no face, a cascade box (profile or frontal)
// or a centre crop aligned by the box alone; and the fixed-geometry path for CelebA's
// pre-aligned crops. docs/data.md, "Alignment".
#include <string>
#include <vector>

#include "data/box_alignment.h"
#include "data/cv/cascade_detect.h"
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

// What to do with an image in which no detector found a face (wild preset).
enum class OnMiss {
  Skip,    // report it, write nothing
  Center,  // align the center box (data/box_alignment.h) by the dlib box geometry (pre-cropped sets)
};
OnMiss parse_on_miss(const std::string& name);  // "skip" | "center"
const char* on_miss_name(OnMiss m);

struct AlignOptions {
  int size = 112;  // output side; the 112 template is scaled for other sizes
  AlignPreset preset = AlignPreset::Wild;
  // Wild preset only:
  bool cascades = false;         // profile / frontal cascades when dlib finds nothing (the
                                 // command's default is on; it needs a CascadeDetector)
  OnMiss on_miss = OnMiss::Skip;
  CenterBox center;              // where --on-miss center takes the face to be
  // Detect on the image padded by pad * longer side on every side (borders replicated): a
  // tight crop leaves the detectors no context around the face. Coordinates come back to the
  // unpadded image, and the warp replicates borders too, so the crop is the same.
  double pad = 0;
};

// How an aligned image was aligned (the method column of align_report.tsv).
enum class AlignMethod {
  None,         // not aligned
  Dlib68,       // dlib HOG box + 68 landmarks -> 5-point similarity
  ProfileBox,   // profile cascade box -> scale + translation (no landmarks)
  FrontalBox,   // frontal cascade box -> scale + translation (no landmarks)
  Center,       // --on-miss center: the centred square -> scale + translation
  CelebaFixed,  // celeba-aligned preset: fixed landmarks -> 5-point similarity
};
const char* align_method_name(AlignMethod m);  // "-", "dlib68", "profile-box", ...

struct AlignResult {
  bool ok = false;
  AlignMethod method = AlignMethod::None;
  std::string reason;       // !ok: "no face found", "unreadable file: <error>", ...; ok: a note or ""
  Image face;               // size x size RGB
  Similarity to_aligned;    // source pixels -> aligned pixels
  FaceBox box;              // the face box in source pixels (detector box or centre square)
  bool has_box = false;     // false for the celeba-aligned preset
  Landmarks5 five;          // landmark methods: the 5 points in the aligned frame
  std::vector<float> x, y;  // landmark methods: every landmark in the aligned frame, 68 or 5
};

// "aligned", "center" (--on-miss center) or "skipped": the status column of align_report.tsv.
const char* align_status_name(const AlignResult& r);

// Aligns one decoded image. det is required for the wild preset, cascades too when
// opt.cascades (both unused otherwise). Never throws for an image without a face: that is a
// result with a reason.
AlignResult align_image(const Image& img, const AlignOptions& opt, const FaceDetector* det,
                        const CascadeDetector* cascades = nullptr);

// Reads and aligns one file: what `kdface-data align` runs per image. A missing or corrupt
// file is a result with reason "unreadable file: <error naming the file>".
AlignResult align_file(const std::string& path, const AlignOptions& opt, const FaceDetector* det,
                       const CascadeDetector* cascades = nullptr);

}  // namespace kd::data
