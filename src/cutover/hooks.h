// Hook commands (`alembic upgrade head`, `supervisorctl restart gogojap`):
// each runs as `/bin/sh -c COMMAND` in its own process group, with stdin
// from /dev/null, stdout and stderr captured together, and a timeout after
// which the whole group is killed (TERM, then KILL after 2 s).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace hk::cutover {

struct HookResult {
  int exit_code = -1;  ///< 128+signal when killed by a signal.
  bool timed_out = false;
  int64_t duration_ms = 0;
  std::string output;  ///< stdout+stderr, at most the last 64 KiB.
};

/// Runs `command` and waits up to timeout_ms. Fails only when the command
/// could not be started; the caller judges exit_code / timed_out.
Result<HookResult> RunHookCommand(const std::string& command, int64_t timeout_ms);

/// The first word of `command` when it names a program that cannot be found
/// on PATH (or is not executable); "" when it looks runnable. Shell syntax
/// (cd, builtins, variables) is given the benefit of the doubt.
std::string MissingProgram(const std::string& command);

}  // namespace hk::cutover
