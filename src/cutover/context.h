// What cutover and rollback share: both databases, the work directory, the
// [cutover] config and the binary to start followers with.
#pragma once

#include <cstdio>
#include <functional>
#include <string>

#include "cutover/config.h"
#include "cutover/freeze.h"
#include "pg/conninfo.h"

namespace hk::cutover {

/// Where cutover's and rollback's report goes as they run (the
/// preconditions come before the question, the timeline at the end).
using Print = std::function<void(const std::string&)>;

/// The Print of the command line and of migrate: stdout, flushed.
inline void PrintToStdout(const std::string& text) {
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
}

struct SwitchContext {
  pg::ConnInfo source, target;
  std::string workdir = ".hikkoshi";
  CutoverConfig cfg;
  std::string exe;        ///< hikkoshi binary for follower processes.
  bool tty_view = false;  ///< stderr is a terminal: the drain draws its live view.

  AppSessions app() const { return {cfg.app_roles, cfg.app_names, cfg.terminate_superusers}; }
  std::string reverse_dir() const { return workdir + "/reverse"; }
  std::string env_backup() const { return workdir + "/env.backup"; }
  std::string pgbouncer_backup() const { return workdir + "/pgbouncer.backup"; }
  bool pgbouncer() const { return cfg.freeze == "pgbouncer"; }
};

}  // namespace hk::cutover
