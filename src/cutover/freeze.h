// Freezing writes on a database (`readonly` mode): the application's roles
// may no longer log in (ALTER ROLE ... NOLOGIN, their original rights recorded
// durably first), ALTER DATABASE ... SET default_transaction_read_only = on
// (a default only: role settings, PGOPTIONS and SET SESSION CHARACTERISTICS
// override it, hence the login block), end the application's sessions (by
// role or application_name; never hikkoshi's own, whose application_name
// starts with "hikkoshi", nor superusers' unless asked), then confirm in
// pg_stat_activity that no session that could still write remains. Unfreeze
// reverses it: logins restored, default reset, and the application's sessions
// opened during the freeze (which would stay read-only) ended.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "cutover/cutover_state.h"
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

/// Where the app roles' original login rights on one side are kept: `saved`
/// lives in the cutover state; `persist` writes it durably (state file and
/// journal) and runs before any ALTER ROLE and after the restore. With `skip`
/// (source and target share a cluster, so roles are shared) logins are left alone.
struct LoginBlock {
  std::vector<RoleLogin>* saved = nullptr;
  std::function<Status()> persist;
  bool skip = false;
};

/// Freezes the database `admin` is connected to. On failure to confirm (a
/// write-capable session remains), the database is unfrozen again (logins
/// restored) and the error names the sessions.
Result<FreezeResult> FreezeDatabase(pg::Connection& admin, const AppSessions& app,
                                    const LoginBlock& logins);

/// Lifts the freeze (idempotent): restores the recorded logins, resets the
/// default, ends the app sessions opened while frozen.
Status UnfreezeDatabase(pg::Connection& admin, const AppSessions& app, const LoginBlock& logins);

/// Restores the logins recorded in `logins.saved` (then clears and persists).
Status RestoreLogins(pg::Connection& admin, const LoginBlock& logins);

/// Whether `a` and `b` are the same cluster (same system identifier); false
/// when it cannot be told.
bool SameCluster(pg::Connection& a, pg::Connection& b);

/// Whether this database carries default_transaction_read_only = on.
Result<bool> IsFrozen(pg::Connection& admin);

/// '{"a","b"}' — a text[] literal for a query parameter.
std::string TextArrayLiteral(const std::vector<std::string>& v);

}  // namespace hk::cutover
