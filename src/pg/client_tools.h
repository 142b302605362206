// The PostgreSQL client programs hikkoshi runs (pg_dump, pg_restore): where
// they are and which major version they are. One rule for every command:
// HIKKOSHI_PG_BIN (set by the global --pg-bin-dir too), else the older name
// HIKKOSHI_PG_BINDIR, is the only directory looked at; else $PATH.
#pragma once

#include <string>

#include "common/status.h"

namespace hk::pg {

struct PgTool {
  std::string path;
  std::string version_text;  ///< "pg_dump (PostgreSQL) 15.10 (Debian 15.10-0+deb12u1)"
  int major = 0;             ///< 15
};

/// The directory set by --pg-bin-dir / HIKKOSHI_PG_BIN / HIKKOSHI_PG_BINDIR, or "".
std::string ClientBinDir();

/// Locates `name` and runs `name --version` (cached per name). A clear
/// error when it is missing.
Result<PgTool> FindPgTool(const std::string& name);

/// Error unless tool.major >= the server's major version (server_version_num / 10000).
Status CheckToolNotOlder(const PgTool& tool, int server_version_num);

/// "PostgreSQL 15.10" → 15 from a `--version` line; 0 when unreadable. For tests.
int ParseToolMajor(const std::string& version_text);

}  // namespace hk::pg
