// Runs a child program (pg_dump, pg_restore) with extra environment
// variables and no shell. Secrets travel in the child's environment only,
// never on its command line.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace hk {

struct ProcessOutput {
  int exit_code = -1;  ///< 128+signal when killed by a signal.
  std::string out;     ///< stdout, when captured.
  std::string err;     ///< The last 64 KiB of stderr.
};

struct ProcessOptions {
  std::map<std::string, std::string> env;  ///< Added to (or replacing in) our environment.
  bool capture_stdout = false;             ///< Else stdout goes to /dev/null.
};

/// Runs argv[0] (a path) with argv. An error only when it could not be started.
Result<ProcessOutput> RunProcess(const std::vector<std::string>& argv, const ProcessOptions& opts);

}  // namespace hk
