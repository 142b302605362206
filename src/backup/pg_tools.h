// Finding pg_dump / pg_restore and checking they can handle the server.
// HIKKOSHI_PG_BINDIR, when set, is the only place looked at; else $PATH.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/status.h"
#include "pg/child_secrets.h"
#include "pg/conninfo.h"

namespace hk::backup {

struct PgTool {
  std::string path;
  std::string version_text;  ///< "pg_dump (PostgreSQL) 15.10 (Debian 15.10-0+deb12u1)"
  int major = 0;             ///< 15
};

/// Locates `name` and runs `name --version`. A clear error when it is missing.
Result<PgTool> FindPgTool(const std::string& name);

/// Error unless tool.major >= the server's major version (server_version_num / 10000).
Status CheckToolNotOlder(const PgTool& tool, int server_version_num);

/// Arguments and environment that make a libpq child connect to `ci`: the
/// connection string without secrets as --dbname, the secrets through the
/// environment (pg::ChildSecrets). Keep it alive until the child has exited.
struct ChildConn {
  std::string dbname_arg;  ///< "--dbname=host=... dbname=..."
  std::map<std::string, std::string> env;
  std::shared_ptr<const pg::ChildSecrets> secrets;  ///< Owns the service file, if any.
};
ChildConn ChildConnFor(const pg::ConnInfo& ci);

}  // namespace hk::backup
