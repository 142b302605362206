// Runs pg_dump / pg_restore as child processes. Passwords travel only in the
// child's environment (PGPASSWORD), never on its command line; stderr goes
// to a log file in the work directory and its last lines into the error.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "common/status.h"
#include "pg/conninfo.h"

namespace hk::clone {

/// The --dbname argument for a tool: a keyword string without the password.
std::string ToolDbname(const pg::ConnInfo& ci);

/// Runs `argv` (argv[0] is looked up in PATH, or `pg_config --bindir`) with
/// PGPASSWORD from `conn` when it has one. stderr is appended to log_path.
/// When *stop becomes true the child gets SIGTERM and kInterrupted returns.
/// `label` names the run for the crash-injection point "tool-<label>",
/// reached every 20 ms while the child runs (see common/crash_point.h).
Status RunTool(const std::string& label, const std::vector<std::string>& argv,
               const pg::ConnInfo& conn, const std::string& log_path,
               const std::atomic<bool>* stop, std::string* stdout_text = nullptr);

}  // namespace hk::clone
