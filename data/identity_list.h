#pragma once
// Which identity each training image belongs to, from either a `file identity` list (the
// CelebA identities_*.txt files) or an identity-folder tree root/<identity>/<image>.
// Labels are 0..K-1 in sorted order of the identity names (numerically when both names are
// digit strings, so "10" follows "9"), and the label -> identity mapping is kept so a
// shard set can say which CelebA identity label 17 was.
#include <cstdint>
#include <string>
#include <vector>

namespace kd::data {

struct LabeledFile {
  std::string path;      // relative to the list's image root (or the folder root)
  std::string identity;  // as written in the list / the folder name
  int64_t label = -1;    // 0..K-1
};

struct IdentityList {
  std::vector<LabeledFile> files;       // sorted by path
  std::vector<std::string> identities;  // label -> identity name
  std::string source;                   // the list file or folder it came from (for messages)
};

// `file identity` per line, whitespace separated; blank lines and lines starting with '#'
// are skipped. A line without exactly two fields, or a file listed twice, is an error naming
// the list file and the line number.
IdentityList read_identity_list(const std::string& list_file);

// root/<identity>/<image> with image extensions .jpg .jpeg .png (case-insensitive). Hidden
// entries are ignored; a regular image file directly under root is an error (a flat folder
// needs a list), as is a tree with no images.
IdentityList scan_identity_folders(const std::string& root);

// (Re)assigns labels in identity order and sorts files by path; used by both readers and by
// callers that filter files (the remaining identities are renumbered densely).
void assign_labels(IdentityList& list);

// The order labels follow: numeric for two digit strings, otherwise byte-wise; digit strings
// sort before other names.
bool identity_less(const std::string& a, const std::string& b);

bool has_image_extension(const std::string& name);

}  // namespace kd::data
