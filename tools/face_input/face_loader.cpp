#include "tools/face_input/face_loader.h"

#include <filesystem>

#include "data/cv/align.h"
#include "data/cv/imgio.h"
#include "data/shard.h"
#include "engine/check.h"

namespace fs = std::filesystem;

namespace kd::faceinput {

FaceLoader::FaceLoader(bool aligned) : aligned_(aligned) {
  if (!aligned_) {
    det_.emplace();
    cascades_.emplace();
  }
}

FaceLoader::FaceLoader(const FaceLoader& other) : aligned_(other.aligned_) {
  if (other.det_) det_.emplace(*other.det_);
  if (other.cascades_) cascades_.emplace(*other.cascades_);
}

Face FaceLoader::load(const std::string& path) const {
  KD_CHECK(fs::is_regular_file(path), path, ": no such file");
  Face f;
  if (aligned_) {
    f.image = data::read_image(path);
    KD_CHECK(f.image.w == data::kFaceSize && f.image.h == data::kFaceSize, path, ": expected an aligned ",
             data::kFaceSize, "x", data::kFaceSize, " face, got ", f.image.w, "x", f.image.h,
             " (without --aligned the face is detected and aligned)");
    f.method = "given";
    return f;
  }
  data::AlignOptions opt;
  opt.cascades = true;
  data::AlignResult r = data::align_file(path, opt, &*det_, &*cascades_);
  KD_CHECK(r.ok, path, ": ", r.reason);
  f.image = std::move(r.face);
  f.method = data::align_method_name(r.method);
  return f;
}

}  // namespace kd::faceinput
