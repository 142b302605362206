// What cutover and rollback share: both databases, the work directory, the
// [cutover] config and the binary to start followers with.
#pragma once

#include <string>

#include "cutover/config.h"
#include "cutover/freeze.h"
#include "pg/conninfo.h"

namespace hk::cutover {

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
