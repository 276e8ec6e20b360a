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
