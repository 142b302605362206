// Freezing writes on a database (`readonly` mode): ALTER DATABASE ... SET
// default_transaction_read_only = on, end the application's sessions (by role
// or application_name; never hikkoshi's own, whose application_name starts
// with "hikkoshi", nor superusers' unless asked), then confirm in
// pg_stat_activity that no session that could still write remains. Unfreeze
// reverses it and ends the application's sessions opened during the freeze,
// which would otherwise stay read-only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "pg/connection.h"
#include "pg/conninfo.h"

namespace hk::cutover {

/// A copy of `ci` whose sessions ignore the database's read-only default
/// (hikkoshi's own work on a frozen database: markers, setval, apply).
pg::ConnInfo Writable(const pg::ConnInfo& ci);

/// Opens a hikkoshi session (application_name "hikkoshi cutover") that can
/// write on a frozen database.
Result<pg::Connection> OpenAdmin(const pg::ConnInfo& ci);

struct AppSessions {
  std::vector<std::string> roles;
  std::vector<std::string> names;
  bool superusers = false;
};

struct FreezeResult {
  int terminated = 0;
  std::string frozen_at;  ///< Server clock right after the ALTER.
};

/// Freezes the database `admin` is connected to. On failure to confirm (a
/// write-capable session remains), the database is unfrozen again and the
/// error names the sessions.
Result<FreezeResult> FreezeDatabase(pg::Connection& admin, const AppSessions& app);

/// Lifts the freeze (idempotent) and ends the app sessions opened while frozen.
Status UnfreezeDatabase(pg::Connection& admin, const AppSessions& app);

/// Whether this database carries default_transaction_read_only = on.
Result<bool> IsFrozen(pg::Connection& admin);

/// '{"a","b"}' — a text[] literal for a query parameter.
std::string TextArrayLiteral(const std::vector<std::string>& v);

}  // namespace hk::cutover
