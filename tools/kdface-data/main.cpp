// kdface-data: align, pack, mask, degrade and loader benchmarks over folders of face images.
#include <cstdio>
#include <exception>

#include "engine/check.h"
#include "tools/kdface-data/command.h"

namespace kd::tools {

std::map<std::string, Command>& data_commands() {
  static std::map<std::string, Command> m;
  return m;
}

Args::Args(const std::vector<std::string>& args, const std::vector<std::string>& value_opts,
           const std::vector<std::string>& flag_opts) {
  auto known = [&](const std::vector<std::string>& v, const std::string& s) {
    for (auto& o : v)
      if (o == s) return true;
    return false;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0) {
      positional_.push_back(a);
      continue;
    }
    std::string key = a, value;
    auto eq = a.find('=');
    bool inline_value = eq != std::string::npos;
    if (inline_value) {
      key = a.substr(0, eq);
      value = a.substr(eq + 1);
    }
    if (known(flag_opts, key)) {
      KD_CHECK(!inline_value, "option ", key, " takes no value");
      values_[key] = "1";
    } else if (known(value_opts, key)) {
      if (!inline_value) {
        KD_CHECK(i + 1 < args.size(), "option ", key, " needs a value");
        value = args[++i];
      }
      values_[key] = value;
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
  return it->second;
}

std::string Args::get_or(const std::string& opt, const std::string& fallback) const {
  auto it = values_.find(opt);
  return it == values_.end() ? fallback : it->second;
}

int Args::get_int_or(const std::string& opt, int fallback) const {
  auto it = values_.find(opt);
  if (it == values_.end()) return fallback;
  try {
    size_t used = 0;
    int v = std::stoi(it->second, &used);
    KD_CHECK(used == it->second.size(), "");
    return v;
  } catch (...) {
    KD_FAIL("option ", opt, " expects an integer, got '", it->second, "'");
  }
}

}  // namespace kd::tools

static void print_help() {
  std::printf("usage: kdface-data COMMAND [options]   (kdface-data COMMAND --help for details)\n\ncommands:\n");
  for (auto& [name, c] : kd::tools::data_commands()) std::printf("  %-14s %s\n", name.c_str(), c.summary.c_str());
}

int main(int argc, char** argv) {
  auto& cmds = kd::tools::data_commands();
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    print_help();
    return argc < 2 ? 2 : 0;
  }
  auto it = cmds.find(argv[1]);
  if (it == cmds.end()) {
    std::fprintf(stderr, "kdface-data: unknown command '%s'\n", argv[1]);
    print_help();
    return 2;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  for (auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::printf("%s\n", it->second.usage.c_str());
      return 0;
    }
  }
  try {
    return it->second.run(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kdface-data %s: error: %s\n", argv[1], e.what());
    return 1;
  }
}
