#pragma once
// Mask templates (../shared/data/masks: RGBA PNGs + masks.cfg with six anchor points each)
// and their placement on faces: a least-squares homography from the six template points
// to six face points derived from dlib's 68 landmarks, then cv::warpPerspective.
#include <cstddef>  // before data/image.h, which uses size_t
#include <memory>
#include <string>
#include <vector>

#include "data/image.h"
#include "data/mask_bank.h"

namespace kd::data {

// Six anchor points in the order mask_a .. mask_f: a/c jaw line at nose-tip height (image
// left/right), b middle of the nose bridge, d/f jaw line at lower-lip height, e chin.
struct MaskPoints {
  double x[6] = {}, y[6] = {};
};

struct MaskTemplate {
  std::string name;  // the [section] of masks.cfg
  std::string path;  // resolved PNG path
  MaskPoints pts;    // template pixels
};

// Parses masks.cfg: "[name]" sections with "template: rel/path.png" and "mask_a: x, y" ..
// "mask_f: x, y"; ';' and '#' start comments. Sections without a template line (the
// "empty"/"inpaint" pseudo-types of the original tool) are skipped. Template paths are
// resolved against the folder above the cfg's folder (the data root, as the file is
// written), then the cfg's folder, then cfg_dir/templates/<file name>. Errors name the
// file, line and section.
std::vector<MaskTemplate> read_mask_config(const std::string& cfg_path);

// $KDFACE_MASKS_CFG when set, else ../shared/data/masks/masks.cfg (relative to the working
// directory: the repository root, where the tools are normally run).
std::string default_mask_config();

// The six face points from iBUG-68 landmarks: a/c where the jaw contour (points 0-8 on
// the image left, 8-16 on the right) crosses the horizontal line through the nose tip
// (30); d/f the same at the lower lip's height (57); b = point 28 (nose bridge, midway
// between 27 and 30 in dlib's layout); e = chin (8). When the line misses a jaw side the
// nearest jaw point of that side is used.
MaskPoints mask_points_from_68(const float* x68, const float* y68);

// Mean six points of aligned 112x112 faces (ArcFace template frame); how they were
// measured is in the .cpp and docs/data.md "Masks".
const MaskPoints& aligned_mean_mask_points();

// RGBA template image (straight alpha). Errors name the file.
Image load_mask_template(const MaskTemplate& t);

// Warps the template so its six points land on face_pts in an out_w x out_h RGBA image
// (transparent outside the mask). Colour is interpolated premultiplied by alpha, so the
// template's invisible pixels never bleed into the mask's edge.
Image warp_mask(const Image& template_rgba, const MaskTemplate& t, const MaskPoints& face_pts, int out_w,
                int out_h);

// The same warp for many faces (the per-face landmarks path): the premultiplied template
// and its 2x area-averaged pyramid are built once, so each face resizes from a level at
// most twice the size it needs instead of from the full 600-1800 px template.
class MaskWarper {
 public:
  MaskWarper(const Image& template_rgba, const MaskTemplate& t);
  ~MaskWarper();
  MaskWarper(MaskWarper&&) noexcept;
  Image warp(const MaskPoints& face_pts, int out_w, int out_h) const;
  const MaskTemplate& info() const { return t_; }

 private:
  struct Levels;
  MaskTemplate t_;
  std::unique_ptr<Levels> levels_;
};

// Every template warped onto aligned_mean_mask_points() (scaled to size/112).
MaskBank build_mask_bank(const std::vector<MaskTemplate>& templates, int size = 112);

}  // namespace kd::data
