// Runs a child program and waits for it: the one fork/exec/wait of hikkoshi
// (pg_dump, pg_restore, pg_config, cutover hooks, notify commands). No shell
// unless the caller runs /bin/sh -c itself. Secrets travel in the child's
// environment only, never on its command line. The child starts with default
// SIGINT/SIGTERM/SIGPIPE handling and stdin from /dev/null (or stdin_data).
#pragma once

#include <signal.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace hk {

struct ProcessOutput {
  int exit_code = -1;      ///< 128+signal when killed by a signal.
  std::string out;         ///< stdout, when captured (the last 64 KiB with stderr_to_stdout).
  std::string err;         ///< The last 64 KiB of stderr, when captured.
  bool timed_out = false;  ///< timeout_ms ran out and the child was killed.
  bool stopped = false;    ///< *stop became true and the child was signalled.
};

struct ProcessOptions {
  std::map<std::string, std::string> env;  ///< Added to (or replacing in) our environment.
  bool capture_stdout = false;             ///< Else stdout goes to /dev/null (or stdout_fd).
  /// When set and true, the child gets stop_signal (Ctrl-C of the command); the
  /// caller reports the interrupt.
  const std::atomic<bool>* stop = nullptr;
  int stop_signal = SIGTERM;
  int stdout_fd = -1;              ///< When >= 0 (and not capturing): the child's stdout.
  int stderr_fd = -1;              ///< When >= 0: the child's stderr (2: ours); else captured.
  bool stderr_to_stdout = false;   ///< stderr joins stdout (both captured as `out`).
  std::string stdin_data;          ///< Written to the child's stdin (else /dev/null).
  bool own_process_group = false;  ///< A terminal's Ctrl-C reaches us, not the child.
  bool die_with_parent = false;    ///< SIGKILL when hikkoshi dies (no orphan behind a resume).
  /// 0: none. Then timeout_signal (to the group with own_process_group), and
  /// SIGKILL kill_grace_ms later.
  int64_t timeout_ms = 0;
  int timeout_signal = SIGTERM;
  int64_t kill_grace_ms = 2000;
  /// Once the child exited, how long to keep reading output a daemonized
  /// grandchild may hold open.
  int64_t linger_ms = 3000;
  std::function<void()> on_tick;  ///< Called every ~20 ms while waiting.
};

/// Runs argv[0] (a path) with argv. An error only when it could not be started.
Result<ProcessOutput> RunProcess(const std::vector<std::string>& argv, const ProcessOptions& opts);

/// Starts argv detached (double fork, its own session, so it outlives us and
/// a terminal's Ctrl-C does not reach it): stdin /dev/null, stdout and
/// stderr appended to `log_path` (created 0600), `env` added to our
/// environment, default SIGINT/SIGTERM/SIGPIPE. Returns its pid.
Result<int> SpawnDetached(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env,
                          const std::string& log_path);

}  // namespace hk
