// Database-level settings (ALTER DATABASE ... SET, ALTER ROLE ... IN
// DATABASE ... SET) shape what the application sees (search_path, timezone,
// statement_timeout, ...). pg_dump emits them only with --create; clone
// carries them itself, as the last step (a statement_timeout or
// default_transaction_read_only set on the database must not hit the clone).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "pg/connection.h"

namespace hk::clone {

/// One entry of pg_db_role_setting.setconfig ("name=value") for the
/// database (role empty) or for a role in the database.
struct DbSetting {
  std::string role;  ///< "" for the database itself.
  std::string item;  ///< "search_path=abc, public"
};

/// The ALTER statement for one setting on database `db`, quoted like
/// pg_dump's makeAlterConfigCommand (list variables such as search_path are
/// split into separately quoted elements). nullopt for an item without '='.
std::optional<std::string> AlterConfigSql(const std::string& db, const DbSetting& s);

/// The source database's settings, in catalog order.
Result<std::vector<DbSetting>> LoadDbSettings(pg::Connection& src);

struct DbSettingsOutcome {
  int applied = 0;
  /// Statements the target user may not run (missing privilege or role),
  /// for a privileged user to run by hand.
  std::vector<std::string> left_to_run;
  /// A database-level default_transaction_read_only=on is how `cutover`
  /// freezes a database: hikkoshi's own, never carried; its statement is
  /// here in case the user really wants a read-only target.
  std::vector<std::string> skipped_freeze;
};

/// Applies the settings to the target's current database (all but a
/// database-level default_transaction_read_only=on, see skipped_freeze).
Result<DbSettingsOutcome> ApplyDbSettings(pg::Connection& dst,
                                          const std::vector<DbSetting>& settings);

}  // namespace hk::clone
