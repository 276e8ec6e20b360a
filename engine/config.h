#pragma once
// Strict, typed reading of kdface's JSON configs. Every key a program asks for is recorded, so
// finish() can reject keys nobody read (typos such as "lrr" fail loudly instead of silently
// training with a default). Messages name the full dotted key path, e.g. "train.lr".
//
//   json cfg = load_config(path);                 // then apply_override(cfg, "train.lr=0.1")...
//   ConfigReader root(cfg, "", path);
//   ConfigReader train = root.child("train");
//   double lr = train.get<double>("lr");
//   int epochs = train.get_or<int>("epochs", 20);
//   root.finish();                                // checks the whole tree, children included
//
// Types are strict: integers must be JSON integers (3.0 is not an int), double accepts any
// number, bool only true/false, strings only strings; null is never a value of T (use
// get<nlohmann::json> to accept anything). get<nlohmann::json> marks the whole subtree as read.
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kd {

class ConfigReader {
 public:
  // Reads the JSON object j (copied). name is its dotted path for messages ("" for the root,
  // "train" for a section read on its own); source (a file name) prefixes messages when given.
  explicit ConfigReader(const nlohmann::json& j, const std::string& name = "", const std::string& source = "");

  bool has(const std::string& key) const;  // present (even null); does not count as reading it

  // Supported T: bool, int, int64_t, uint64_t, double, float, std::string, std::vector of
  // those, nlohmann::json.
  template <class T>
  T get(const std::string& key) const;
  template <class T>
  T get_or(const std::string& key, const T& fallback) const;  // absent -> fallback; present -> strict

  // A nested object; its keys are checked by finish() of this reader (or its own finish()).
  ConfigReader child(const std::string& key) const;
  // An array of objects, e.g. "datasets": [{...}, {...}]; elements are named "datasets[0]", ...
  std::vector<ConfigReader> children(const std::string& key) const;

  // Throws one kd::Error listing every key under this reader that was present but never read,
  // with the keys the program knows at that level and a close match where one exists.
  void finish() const;

  std::string path(const std::string& key) const;  // dotted path of key under this reader
  const nlohmann::json& node() const { return *node_; }  // the object this reader reads

 private:
  struct Shared;
  ConfigReader(std::shared_ptr<Shared> s, const nlohmann::json* node, std::string name);
  const nlohmann::json* lookup(const std::string& key) const;  // records key as known here
  std::string where() const;                                     // "file: " or ""
  void collect_unknown(const nlohmann::json& node, const std::string& name, std::vector<std::string>& out) const;

  std::shared_ptr<Shared> shared_;
  const nlohmann::json* node_;
  std::string name_;
};

// --set key=value: the value is parsed as JSON (0.1, true, [1,2], "x", {"a":1}) and, when it
// is not valid JSON, taken as a plain string. Missing objects on the path are created; a path
// through an array uses decimal indices ("data.sets.0.path"). Throws on a malformed override.
void apply_override(nlohmann::json& cfg, const std::string& assignment);

// Reads and parses a JSON config file (the root must be an object); errors name the file and,
// for syntax errors, the line and column.
nlohmann::json load_config(const std::string& path);
// The same from text already in memory; path names it in messages.
nlohmann::json parse_config(const std::string& text, const std::string& path);

}  // namespace kd
