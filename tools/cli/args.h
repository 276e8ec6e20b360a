#pragma once
// Command-line parsing shared by the kdface tools: "--key value", "--key=value", "--flag",
// repeatable options and positional arguments; an unknown option is an error listing the
// known ones. run_tool wraps a tool's main: --help prints its usage, an error is one line
// "tool: message" on stderr and exit status 1.
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace kd::tools {

class Args {
 public:
  Args(const std::vector<std::string>& args, const std::vector<std::string>& value_opts,
       const std::vector<std::string>& flag_opts);
  bool has(const std::string& opt) const;
  std::string get(const std::string& opt) const;  // required: error names the option
  std::string get_or(const std::string& opt, const std::string& fallback) const;
  int get_int_or(const std::string& opt, int fallback) const;
  // Every value of a repeatable option, in order (empty when absent).
  const std::vector<std::string>& get_all(const std::string& opt) const;
  bool flag(const std::string& opt) const { return has(opt); }
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

struct ToolSpec {
  const char* name;   // "kdface-embed": the prefix of error lines
  const char* usage;  // printed for --help / -h
  std::vector<std::string> value_opts, flag_opts;
};

// Parses argv by spec and calls body; returns its status, 0 after --help, 1 after an error.
int run_tool(const ToolSpec& spec, int argc, char** argv, const std::function<int(const Args&)>& body);

}  // namespace kd::tools
