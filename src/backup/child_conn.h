// How backup runs pg_dump / pg_restore: found by pg/client_tools.h, with the
// connection passed as --dbname without secrets and the secrets in the
// child's environment.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/status.h"
#include "pg/child_secrets.h"
#include "pg/client_tools.h"
#include "pg/conninfo.h"

namespace hk::backup {

using pg::CheckToolNotOlder;
using pg::FindPgTool;
using pg::PgTool;

/// Arguments and environment that make a libpq child connect to `ci`: the
/// connection string without secrets as --dbname, the secrets through the
/// environment (pg::ChildSecrets). Keep it alive until the child has exited.
/// The child connects as `app_name` (also over an application_name the
/// connection string sets), so its backends can be found in
/// pg_stat_activity (backup/copy_monitor.h).
struct ChildConn {
  std::string dbname_arg;  ///< "--dbname=host=... dbname=..."
  std::map<std::string, std::string> env;
  std::shared_ptr<const pg::ChildSecrets> secrets;  ///< Owns the service file, if any.
};
ChildConn ChildConnFor(const pg::ConnInfo& ci, const std::string& app_name = "hikkoshi-backup");
/// "hikkoshi-backup-PID" / "hikkoshi-restore-PID": this run's children only.
std::string ChildAppName(const std::string& what);

}  // namespace hk::backup
