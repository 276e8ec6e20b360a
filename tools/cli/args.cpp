#include "tools/cli/args.h"

#include <algorithm>
#include <cstdio>
#include <exception>

#include "engine/check.h"

namespace kd::tools {

Args::Args(const std::vector<std::string>& args, const std::vector<std::string>& value_opts,
           const std::vector<std::string>& flag_opts) {
  auto known = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0) {
      positional_.push_back(a);
      continue;
    }
    std::string key = a, value;
    const auto eq = a.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      key = a.substr(0, eq);
      value = a.substr(eq + 1);
    }
    if (known(flag_opts, key)) {
      KD_CHECK(!inline_value, "option ", key, " takes no value");
      values_[key].push_back("1");
    } else if (known(value_opts, key)) {
      if (!inline_value) {
        KD_CHECK(i + 1 < args.size(), "option ", key, " needs a value");
        value = args[++i];
      }
      values_[key].push_back(value);
    } else {
      std::string list;
      for (auto& o : value_opts) list += " " + o + " VALUE";
      for (auto& o : flag_opts) list += " " + o;
      KD_FAIL("unknown option '", key, "'; this command knows:", list);
    }
  }
}

bool Args::has(const std::string& opt) const { return values_.count(opt) != 0; }

std::string Args::get(const std::string& opt) const {
  auto it = values_.find(opt);
  KD_CHECK(it != values_.end(), "missing required option ", opt);
  return it->second.back();
}

std::string Args::get_or(const std::string& opt, const std::string& fallback) const {
  auto it = values_.find(opt);
  return it == values_.end() ? fallback : it->second.back();
}

const std::vector<std::string>& Args::get_all(const std::string& opt) const {
  static const std::vector<std::string> none;
  auto it = values_.find(opt);
  return it == values_.end() ? none : it->second;
}

int Args::get_int_or(const std::string& opt, int fallback) const {
  if (!has(opt)) return fallback;
  const std::string v = get(opt);
  size_t used = 0;
  int x = 0;
  try {
    x = std::stoi(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  KD_CHECK(!v.empty() && used == v.size(), "option ", opt, " expects an integer, got '", v, "'");
  return x;
}

int run_tool(const ToolSpec& spec, int argc, char** argv, const std::function<int(const Args&)>& body) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& a : args)
    if (a == "--help" || a == "-h") {
      std::fputs(spec.usage, stdout);
      return 0;
    }
  try {
    return body(Args(args, spec.value_opts, spec.flag_opts));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", spec.name, e.what());
    return 1;
  }
}

}  // namespace kd::tools
