#pragma once
// kdface-data's subcommands register themselves here (one file per subcommand), so adding
// one never touches main.cpp.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tools/cli/args.h"

namespace kd::tools {

struct Command {
  std::string summary;  // one line for `kdface-data --help`
  std::string usage;    // full help for `kdface-data CMD --help`
  std::function<int(const std::vector<std::string>& args)> run;  // args after the command name
};

std::map<std::string, Command>& data_commands();

struct RegisterCommand {
  RegisterCommand(const std::string& name, Command c) { data_commands()[name] = std::move(c); }
};

}  // namespace kd::tools

#define KD_DATA_COMMAND(name, ...) \
  static ::kd::tools::RegisterCommand kd_data_command_reg_##name(#name, ::kd::tools::Command{__VA_ARGS__})
