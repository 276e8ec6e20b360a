#include "engine/config.h"

#include <algorithm>
#include <limits>
#include <type_traits>

#include "engine/atomic_file.h"
#include "engine/check.h"

namespace kd {

using nlohmann::json;

struct ConfigReader::Shared {
  json root;
  std::string source;
  std::map<std::string, std::set<std::string>> known;  // schema_path(object) -> keys the program asked for
  std::set<std::string> consumed;                      // paths read as a whole value
  std::set<std::string> opened;                        // paths read through child()/children()
};

namespace {

const json& empty_object() {
  static const json e = json::object();
  return e;
}

std::string join_path(const std::string& name, const std::string& key) { return name.empty() ? key : name + "." + key; }

// Elements of one array share a schema: "data.sets[1]" records its known keys under "data.sets[]".
std::string schema_path(const std::string& name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    out += name[i];
    if (name[i] == '[') {
      while (i + 1 < name.size() && name[i + 1] != ']') ++i;
    }
  }
  return out;
}

std::string short_dump(const json& v) {
  std::string s = v.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

std::string found(const json& v) { return kd::str(v.type_name(), " ", short_dump(v)); }

// A decimal index below n. std::stoull would throw std::out_of_range past 2^64, so longer
// digit strings are simply not an index of any array.
bool array_index(const std::string& s, size_t n, size_t& out) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) return false;
  out = size_t(std::stoull(s));
  return out < n;
}

std::string list_keys(const std::set<std::string>& keys) {
  std::string out;
  for (auto& k : keys) out += (out.empty() ? "" : ", ") + k;
  return out.empty() ? "none" : out;
}

// Levenshtein distance with adjacent transpositions counted as one edit (optimal string
// alignment): "bacth" is one slip from "batch", as a typist sees it, not two.
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> pprev(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) cur[j] = std::min(cur[j], pprev[j - 2] + 1);
    }
    std::swap(pprev, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// Strict conversions: Conv<T>::get throws with the dotted path, the expected type and the value.
[[noreturn]] void type_error(const std::string& where, const std::string& path, const std::string& expected,
                             const json& v) {
  KD_FAIL(where, "config key '", path, "' must be ", expected, ", found ", found(v));
}

template <class T, class Enable = void>
struct Conv;

template <>
struct Conv<bool> {
  static std::string noun() { return "boolean"; }
  static std::string name() { return "a boolean"; }
  static bool get(const std::string& w, const std::string& p, const json& v) {
    if (!v.is_boolean()) type_error(w, p, name(), v);
    return v.get<bool>();
  }
};

template <class T>
struct Conv<T, std::enable_if_t<std::is_integral<T>::value && !std::is_same<T, bool>::value>> {
  static std::string noun() {
    return kd::str(std::is_signed<T>::value ? "" : "unsigned ", "integer (", sizeof(T) * 8, "-bit)");
  }
  static std::string name() { return "an " + noun(); }
  static T get(const std::string& w, const std::string& p, const json& v) {
    if (v.is_number_unsigned()) {
      const uint64_t u = v.get<uint64_t>();
      if (u > uint64_t(std::numeric_limits<T>::max())) type_error(w, p, name() + " in range", v);
      return T(u);
    }
    if (!v.is_number_integer()) type_error(w, p, name(), v);
    const int64_t i = v.get<int64_t>();
    if (std::is_unsigned<T>::value ? i < 0
                                   : (i < int64_t(std::numeric_limits<T>::min()) || i > int64_t(std::numeric_limits<T>::max())))
      type_error(w, p, name() + " in range", v);
    return T(i);
  }
};

template <class T>
struct Conv<T, std::enable_if_t<std::is_floating_point<T>::value>> {
  static std::string noun() { return sizeof(T) == 4 ? "number (float)" : "number (double)"; }
  static std::string name() { return "a " + noun(); }
  static T get(const std::string& w, const std::string& p, const json& v) {
    if (!v.is_number()) type_error(w, p, name(), v);
    return v.get<T>();
  }
};

template <>
struct Conv<std::string> {
  static std::string noun() { return "string"; }
  static std::string name() { return "a string"; }
  static std::string get(const std::string& w, const std::string& p, const json& v) {
    if (!v.is_string()) type_error(w, p, name(), v);
    return v.get<std::string>();
  }
};

template <>
struct Conv<json> {
  static json get(const std::string&, const std::string&, const json& v) { return v; }
};

template <class E>
struct Conv<std::vector<E>> {
  static std::string name() { return "an array of " + Conv<E>::noun() + " values"; }
  static std::vector<E> get(const std::string& w, const std::string& p, const json& v) {
    if (!v.is_array()) type_error(w, p, name(), v);
    std::vector<E> out;
    for (size_t i = 0; i < v.size(); ++i) out.push_back(Conv<E>::get(w, kd::str(p, "[", i, "]"), v[i]));
    return out;
  }
};

}  // namespace

ConfigReader::ConfigReader(const json& j, const std::string& name, const std::string& source)
    : shared_(std::make_shared<Shared>()), name_(name) {
  shared_->root = j;
  shared_->source = source;
  node_ = &shared_->root;
  KD_CHECK(node_->is_object(), where(), "config ", name.empty() ? std::string("root") : "section '" + name + "'",
           " must be a JSON object, found ", found(*node_));
}

ConfigReader::ConfigReader(std::shared_ptr<Shared> s, const json* node, std::string name)
    : shared_(std::move(s)), node_(node), name_(std::move(name)) {}

std::string ConfigReader::where() const { return shared_->source.empty() ? "" : shared_->source + ": "; }

std::string ConfigReader::path(const std::string& key) const { return join_path(name_, key); }

const json* ConfigReader::lookup(const std::string& key) const {
  shared_->known[schema_path(name_)].insert(key);
  auto it = node_->find(key);
  return it == node_->end() ? nullptr : &*it;
}

bool ConfigReader::has(const std::string& key) const { return lookup(key) != nullptr; }

template <class T>
T ConfigReader::get(const std::string& key) const {
  const json* v = lookup(key);
  if (!v) {
    std::set<std::string> present;
    for (auto& kv : node_->items()) present.insert(kv.key());
    KD_FAIL(where(), "config key '", path(key), "' is required but missing (keys present here: ", list_keys(present), ")");
  }
  shared_->consumed.insert(path(key));
  return Conv<T>::get(where(), path(key), *v);
}

template <class T>
T ConfigReader::get_or(const std::string& key, const T& fallback) const {
  if (!lookup(key)) return fallback;
  return get<T>(key);
}

#define KD_CONFIG_TYPE(T)                                                      \
  template T ConfigReader::get<T>(const std::string&) const;                  \
  template T ConfigReader::get_or<T>(const std::string&, const T&) const;     \
  template std::vector<T> ConfigReader::get<std::vector<T>>(const std::string&) const; \
  template std::vector<T> ConfigReader::get_or<std::vector<T>>(const std::string&, const std::vector<T>&) const;
KD_CONFIG_TYPE(int)
KD_CONFIG_TYPE(int64_t)
KD_CONFIG_TYPE(uint64_t)
KD_CONFIG_TYPE(double)
KD_CONFIG_TYPE(float)
KD_CONFIG_TYPE(std::string)
#undef KD_CONFIG_TYPE
template bool ConfigReader::get<bool>(const std::string&) const;
template bool ConfigReader::get_or<bool>(const std::string&, const bool&) const;
template json ConfigReader::get<json>(const std::string&) const;
template json ConfigReader::get_or<json>(const std::string&, const json&) const;

ConfigReader ConfigReader::child(const std::string& key) const {
  const json* v = lookup(key);
  shared_->opened.insert(path(key));
  // An absent section reads as empty, so its keys fall back to their defaults (and required
  // ones are reported with their full path); a misspelt section name is caught by finish().
  if (!v) return ConfigReader(shared_, &empty_object(), path(key));
  if (!v->is_object()) type_error(where(), path(key), "an object", *v);
  return ConfigReader(shared_, v, path(key));
}

std::vector<ConfigReader> ConfigReader::children(const std::string& key) const {
  const json* v = lookup(key);
  shared_->opened.insert(path(key));
  std::vector<ConfigReader> out;
  if (!v) return out;
  if (!v->is_array()) type_error(where(), path(key), "an array of objects", *v);
  for (size_t i = 0; i < v->size(); ++i) {
    const std::string p = kd::str(path(key), "[", i, "]");
    if (!(*v)[i].is_object()) type_error(where(), p, "an object", (*v)[i]);
    out.push_back(ConfigReader(shared_, &(*v)[i], p));
  }
  return out;
}

void ConfigReader::collect_unknown(const json& node, const std::string& name, std::vector<std::string>& out) const {
  for (auto& kv : node.items()) {
    const std::string p = join_path(name, kv.key());
    if (shared_->consumed.count(p)) continue;
    if (shared_->opened.count(p)) {
      if (kv.value().is_object()) collect_unknown(kv.value(), p, out);
      if (kv.value().is_array())
        for (size_t i = 0; i < kv.value().size(); ++i)
          if (kv.value()[i].is_object()) collect_unknown(kv.value()[i], kd::str(p, "[", i, "]"), out);
      continue;
    }
    const std::set<std::string>& known = shared_->known[schema_path(name)];
    if (known.find(std::string(kv.key())) != known.end()) {  // asked for elsewhere (another array element, has()) but not here
      out.push_back(kd::str("config key '", p, "' is present but was never read"));
      continue;
    }
    std::string hint;
    size_t best = std::max<size_t>(1, kv.key().size() / 3) + 1;
    for (auto& k : known) {
      size_t d = edit_distance(kv.key(), k);
      if (d < best) best = d, hint = k;
    }
    const std::string mean = hint.empty() ? "" : "did you mean '" + join_path(name, hint) + "'? ";
    out.push_back(kd::str("config key '", p, "' is not known (", mean, "known keys here: ", list_keys(known), ")"));
  }
}

void ConfigReader::finish() const {
  std::vector<std::string> unknown;
  collect_unknown(*node_, name_, unknown);
  if (unknown.empty()) return;
  std::string msg = unknown.front();
  for (size_t i = 1; i < unknown.size(); ++i) msg += "\n" + unknown[i];
  KD_FAIL(where(), msg);
}

void apply_override(json& cfg, const std::string& assignment) {
  const size_t eq = assignment.find('=');
  KD_CHECK(eq != std::string::npos, "override '", assignment, "' is malformed: expected key=value, e.g. train.lr=0.1");
  const std::string key = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  KD_CHECK(!key.empty(), "override '", assignment, "' is malformed: the key before '=' is empty");
  KD_CHECK(!text.empty(), "override '", assignment, "' is malformed: no value after '=' (write ", key,
           "='\"\"' for an empty string)");
  // The JSON parser lets no invalid UTF-8 into a config, but a plain-word value or a key would
  // come in unchecked, and every later dump (the run's config.json, error messages) throws.
  try {
    (void)json(assignment).dump();
  } catch (const json::type_error&) {
    KD_FAIL("override '", assignment, "' is not valid UTF-8");
  }
  std::vector<std::string> parts;
  for (size_t b = 0;;) {
    size_t e = key.find('.', b);
    parts.push_back(key.substr(b, e == std::string::npos ? std::string::npos : e - b));
    KD_CHECK(!parts.back().empty() && parts.back().find_first_of(" \t") == std::string::npos, "override '",
             assignment, "' is malformed: key '", key, "' has an empty or blank component");
    if (e == std::string::npos) break;
    b = e + 1;
  }
  json value;
  try {
    value = json::parse(text);
  } catch (const json::parse_error&) {
    value = text;  // plain words (resnet50, /data/x) need no JSON quotes on a command line
  } catch (const json::exception& e) {  // valid syntax, yet no value: a number past double (1e400)
    KD_FAIL("override '", assignment, "': ", e.what());
  }
  KD_CHECK(cfg.is_object(), "override '", assignment, "': the config root is not an object");
  json* node = &cfg;
  std::string walked;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    const std::string& part = parts[i];
    walked = join_path(walked, part);
    if (node->is_array()) {
      size_t k = 0;
      KD_CHECK(array_index(part, node->size(), k), "override '", assignment, "': '", walked, "' indexes an array of ",
               node->size(), " elements");
      node = &(*node)[k];
    } else {
      node = &(*node)[part];  // creates the object when absent
      if (node->is_null()) *node = json::object();
    }
    KD_CHECK(node->is_object() || node->is_array(), "override '", assignment, "': '", walked, "' is ",
             found(*node), ", not an object, so it has no key '", parts[i + 1], "'");
  }
  const std::string& last = parts.back();
  if (node->is_array()) {
    size_t k = 0;
    KD_CHECK(array_index(last, node->size(), k), "override '", assignment, "': '", key, "' indexes an array of ",
             node->size(), " elements");
    (*node)[k] = value;
  } else {
    (*node)[last] = value;
  }
}

json load_config(const std::string& path) { return parse_config(read_file(path), path); }

json parse_config(const std::string& text, const std::string& path) {
  // Duplicate keys are silently merged by JSON parsers; in a config one of them is a mistake.
  std::vector<std::set<std::string>> seen;
  auto cb = [&](int depth, json::parse_event_t ev, json& parsed) {
    // Parsing is iterative but copying and dumping a json recurse: 100k nested brackets (200 KB)
    // overflow the stack. Recipes nest 4 levels deep.
    KD_CHECK(depth <= 64, "config '", path, "': nested more than 64 levels deep");
    if (ev == json::parse_event_t::object_start) seen.emplace_back();
    if (ev == json::parse_event_t::object_end) seen.pop_back();
    if (ev == json::parse_event_t::key)
      KD_CHECK(seen.back().insert(parsed.get<std::string>()).second, "config '", path, "': key '",
               parsed.get<std::string>(), "' appears twice in the same object");
    return true;
  };
  json cfg;
  try {
    cfg = json::parse(text, cb);
  } catch (const json::parse_error& e) {
    const size_t at = std::min<size_t>(e.byte ? e.byte - 1 : 0, text.size());
    const size_t line = size_t(std::count(text.begin(), text.begin() + int64_t(at), '\n')) + 1;
    const size_t nl = text.rfind('\n', at ? at - 1 : 0);
    const size_t col = (nl == std::string::npos || at == 0) ? at + 1 : at - nl;
    std::string detail = e.what();
    for (const char* cut : {"] ", ": "}) {  // drop "[json.exception...] parse error at line l, column c: "
      size_t k = detail.find(cut);
      if (k != std::string::npos) detail = detail.substr(k + 2);
    }
    KD_FAIL("config '", path, "': JSON syntax error at line ", line, ", column ", col, ": ", detail);
  } catch (const json::exception& e) {  // not a syntax error, e.g. out_of_range: a number past double (1e400)
    KD_FAIL("config '", path, "': ", e.what());
  }
  KD_CHECK(cfg.is_object(), "config '", path, "': the top level must be a JSON object, found ", cfg.type_name());
  return cfg;
}

}  // namespace kd
