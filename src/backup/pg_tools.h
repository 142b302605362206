// Finding pg_dump / pg_restore and checking they can handle the server.
// HIKKOSHI_PG_BINDIR, when set, is the only place looked at; else $PATH.
#pragma once

#include <map>
#include <string>

#include "common/status.h"
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
/// connection string without password as --dbname, the password in PGPASSWORD.
struct ChildConn {
  std::string dbname_arg;  ///< "--dbname=host=... dbname=..."
  std::map<std::string, std::string> env;
};
ChildConn ChildConnFor(const pg::ConnInfo& ci);

}  // namespace hk::backup
