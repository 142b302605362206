// How follow applies on the side it writes to, chosen by what the applying
// role may do (tested as capabilities, never inferred from role names):
//
// - progress: "origin" (a replication origin records the position, needs
//   EXECUTE on the pg_replication_origin_* functions) or "progress-table"
//   (hikkoshi.apply_progress on the applying side, see progress_table.h);
// - triggers: "replica-role" (SET session_replication_role = replica, needs
//   superuser or SET ON PARAMETER) or "disable-triggers" (the enabled user
//   triggers are recorded and disabled while follow runs, see
//   trigger_guard.h).
#pragma once

#include <string>

#include "common/status.h"
#include "pg/connection.h"

namespace hk::cdc {

inline constexpr const char* kProgressOrigin = "origin";
inline constexpr const char* kProgressTable = "progress-table";
inline constexpr const char* kTriggersReplicaRole = "replica-role";
inline constexpr const char* kTriggersDisable = "disable-triggers";
inline constexpr const char* kModeAuto = "auto";

struct ApplyModes {
  std::string progress;  ///< kProgressOrigin | kProgressTable
  std::string triggers;  ///< kTriggersReplicaRole | kTriggersDisable
  std::string progress_why, triggers_why;
  std::string Describe() const;
};

/// What the connected role may do on this server.
struct ApplyCapabilities {
  bool origin_functions = false;  ///< EXECUTE on every pg_replication_origin_* follow uses.
  bool replica_role = false;      ///< May SET session_replication_role (tried).
};

/// Reads the capabilities of the connected role: has_function_privilege on
/// the origin functions (before 14: superuser), and SET LOCAL
/// session_replication_role tried in a rolled-back transaction.
Result<ApplyCapabilities> ReadApplyCapabilities(pg::Connection& c);

/// Chooses the modes: `progress`/`triggers` are "auto" or a mode name; a
/// recorded progress mode (follow.json of an earlier run, may be empty) wins
/// over "auto" and must match an explicit one, since the resume point lives
/// where that mode keeps it. Asking for a mode the role cannot use is a
/// permission error.
Result<ApplyModes> ChooseApplyModes(const ApplyCapabilities& caps, const std::string& progress,
                                    const std::string& triggers, const std::string& recorded);

}  // namespace hk::cdc
