#include "data/identity_list.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "engine/check.h"

namespace fs = std::filesystem;

namespace kd::data {

static bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool identity_less(const std::string& a, const std::string& b) {
  bool na = all_digits(a), nb = all_digits(b);
  if (na != nb) return na;
  if (!na) return a < b;
  // Compare as numbers of any length: strip leading zeros, then shorter is smaller.
  size_t za = a.find_first_not_of('0'), zb = b.find_first_not_of('0');
  std::string ta = za == std::string::npos ? "" : a.substr(za);
  std::string tb = zb == std::string::npos ? "" : b.substr(zb);
  if (ta.size() != tb.size()) return ta.size() < tb.size();
  if (ta != tb) return ta < tb;
  return a < b;  // "007" vs "7": distinct names, still a strict order
}

bool has_image_extension(const std::string& name) {
  std::string ext = fs::path(name).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png";
}

void assign_labels(IdentityList& list) {
  std::vector<std::string> ids;
  for (auto& f : list.files) ids.push_back(f.identity);
  std::sort(ids.begin(), ids.end(), identity_less);
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::map<std::string, int64_t> label_of;
  for (size_t i = 0; i < ids.size(); ++i) label_of[ids[i]] = int64_t(i);
  for (auto& f : list.files) f.label = label_of.at(f.identity);
  std::sort(list.files.begin(), list.files.end(),
            [](const LabeledFile& a, const LabeledFile& b) { return a.path < b.path; });
  list.identities = std::move(ids);
}

IdentityList read_identity_list(const std::string& list_file) {
  std::ifstream in(list_file);
  KD_CHECK(in, "cannot open identity list '", list_file, "'");
  IdentityList out;
  out.source = list_file;
  std::set<std::string> seen;
  std::string line;
  int64_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::istringstream ss(line);
    std::string file, identity, extra;
    if (!(ss >> file) || file[0] == '#') continue;
    KD_CHECK(ss >> identity, list_file, ":", lineno, ": expected 'file identity', found only '", file, "'");
    KD_CHECK(!(ss >> extra), list_file, ":", lineno, ": expected 'file identity' (2 fields), found more: '", line,
             "'");
    KD_CHECK(seen.insert(file).second, list_file, ":", lineno, ": '", file, "' is listed twice");
    out.files.push_back({file, identity, -1});
  }
  KD_CHECK(!out.files.empty(), "identity list '", list_file, "' has no entries");
  assign_labels(out);
  return out;
}

IdentityList scan_identity_folders(const std::string& root) {
  KD_CHECK(fs::is_directory(root), "image folder '", root, "' does not exist or is not a directory");
  IdentityList out;
  out.source = root;
  for (auto& id_entry : fs::directory_iterator(root)) {
    std::string id = id_entry.path().filename().string();
    if (id.empty() || id[0] == '.') continue;
    if (!id_entry.is_directory()) {
      KD_CHECK(!has_image_extension(id), "'", root, "' holds the image '", id,
               "' directly: expected root/<identity>/<image> folders (a flat folder needs a `file identity` list)");
      continue;
    }
    for (auto& f : fs::directory_iterator(id_entry.path())) {
      std::string name = f.path().filename().string();
      if (name.empty() || name[0] == '.' || !f.is_regular_file() || !has_image_extension(name)) continue;
      out.files.push_back({id + "/" + name, id, -1});
    }
  }
  KD_CHECK(!out.files.empty(), "image folder '", root, "' has no root/<identity>/<image> files (.jpg .jpeg .png)");
  assign_labels(out);
  return out;
}

}  // namespace kd::data
