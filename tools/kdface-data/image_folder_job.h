#pragma once
// Shared by `mask` and `degrade`: walk a folder of images, run a per-image job on N
// threads, write results under --out keeping relative paths, and report every failure
// (nothing is dropped silently).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "data/image.h"

namespace kd::tools {

// Sorted relative paths of the jpg/jpeg/png/bmp files under dir (recursive).
std::vector<std::string> list_images(const std::string& dir);

// JPEG through libturbojpeg (the fast path the loader uses), anything else through OpenCV.
kd::data::Image read_any_image(const std::string& path);
// Writes by extension (.jpg/.jpeg at quality 95 via libturbojpeg, else OpenCV), creating
// parent folders.
void write_any_image(const std::string& path, const kd::data::Image& img);

// Stable 64-bit hash of a relative path: per-image seeds that do not depend on threads.
uint64_t path_hash(const std::string& rel);

struct FolderJobStats {
  int done = 0;
  std::vector<std::pair<std::string, std::string>> failed;  // relative path, reason
  double seconds = 0;                                        // wall time of the whole run
};

// Calls job(rel, in_path, out_path) for every image on `threads` threads; an exception
// from job is recorded as a failure of that image.
FolderJobStats run_folder_job(const std::string& in_dir, const std::string& out_dir,
                              const std::vector<std::string>& rel, int threads,
                              const std::function<void(const std::string&, const std::string&, const std::string&)>& job);

// Writes <out_dir>/<name> listing the failures and a summary line; returns the summary.
std::string write_folder_report(const std::string& out_dir, const std::string& name, const FolderJobStats& st,
                                const std::string& what);

// The first 16 images of rel found under out_dir (all 112x112) as a 4x4 grid, 448x448 PNG.
void write_contact_sheet(const std::string& out_dir, const std::vector<std::string>& rel, const std::string& path);

}  // namespace kd::tools
