// The subcommand table and what every command shares.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/config.h"
#include "pg/conninfo.h"

namespace hk::cli {

struct GlobalOptions {
  std::string config_path;
  bool verbose = false;
  bool quiet = false;
};

/// Set by the chosen subcommand's setup; run after parsing.
using Runner = std::function<int(const GlobalOptions&, const Config&)>;

struct CommandSpec {
  const char* name;
  const char* help;
  /// Adds the subcommand's flags to `sub` and returns what to run.
  std::function<Runner(CLI::App* sub)> setup;
};

/// Every subcommand, in pipeline order. Defined in commands.cc.
const std::vector<CommandSpec>& Commands();

/// Prints an error as one sentence plus its fix (and as JSON on stdout when
/// json is set) and returns its exit code.
int ReportError(const Error& e, bool json);

/// Resolves a --source/--target style option: flag > HIKKOSHI_* env > config
/// key. An unset value with PG* variables in the environment means "use them".
Result<pg::ConnInfo> ResolveConn(const std::string& flag_value, bool flag_given,
                                 const char* env_name, const char* config_key, const Config& cfg,
                                 const char* what);

/// True when stdout/stderr is an interactive terminal.
bool StdoutIsTty();
bool StderrIsTty();

}  // namespace hk::cli
