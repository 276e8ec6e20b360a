#pragma once
// kdface-data's subcommands register themselves here (one file per subcommand), so adding
// one never touches main.cpp.
#include <functional>
#include <map>
#include <string>
#include <vector>

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

// Minimal "--key value" / "--flag" parsing shared by the subcommands; unknown options are
// errors that list the known ones.
class Args {
 public:
  Args(const std::vector<std::string>& args, const std::vector<std::string>& value_opts,
       const std::vector<std::string>& flag_opts);
  bool has(const std::string& opt) const;
  std::string get(const std::string& opt) const;  // required: error names the option
  std::string get_or(const std::string& opt, const std::string& fallback) const;
  int get_int_or(const std::string& opt, int fallback) const;
  bool flag(const std::string& opt) const { return has(opt); }
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

}  // namespace kd::tools

#define KD_DATA_COMMAND(name, ...) \
  static ::kd::tools::RegisterCommand kd_data_command_reg_##name(#name, ::kd::tools::Command{__VA_ARGS__})
