#pragma once
// kdface-embed's work: the inputs (images named on the command line, a folder, or a list),
// each aligned (or taken as aligned) on N threads, embedded batch by batch, written with
// their index (embed_output.h). Inputs go in chunks, so a folder of any size needs memory
// for one chunk of faces, not for all of them.
#include <cstdint>
#include <string>
#include <vector>

#include "tools/face_input/face_features.h"
#include "tools/kdface-embed/embed_output.h"

namespace kd::embedtool {

struct EmbedOptions {
  std::string model;                // checkpoint, shipped model or run folder
  std::string out;                  // .npy or .safetensors
  std::vector<std::string> images;  // named on the command line
  std::string in_dir;               // every jpg/jpeg/png/bmp under it (recursive), or the base of --list
  std::string list;                 // one path per line ('#' comments), relative to --in when given
  bool aligned = false;
  faceinput::Feature feature = faceinput::Feature::Raw;
  int64_t batch = 64;
  int threads = 0;  // 0: every core
  std::string device = "cpu";
  bool fail_on_error = false;  // else skip the input and list it in the index
  bool quiet = false;
};

struct EmbedSummary {
  int64_t inputs = 0, embedded = 0, dim = 0;
  std::vector<IndexRow> index;
  double seconds = 0;
};

// The inputs in order; throws on an unreadable folder or list, or when there are none.
std::vector<std::string> collect_inputs(const EmbedOptions& o);

// Throws (before writing anything) on bad options, a bad model, no inputs, with
// fail_on_error on the first input that cannot be embedded, or when none can.
EmbedSummary run_embed(const EmbedOptions& o);

}  // namespace kd::embedtool
