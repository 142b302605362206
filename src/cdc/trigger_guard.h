// "disable-triggers" mode: when the applying role cannot set
// session_replication_role, the user triggers of the side being applied to
// would fire a second time for every applied change (an audit trigger would
// add a row the source's own audit row already brings). While follow runs,
// every enabled user trigger of that database's tables is disabled — FK
// triggers are internal and stay on; applying in source commit order
// satisfies them. Which triggers were enabled, and how (ENABLE, ENABLE
// ALWAYS, ENABLE REPLICA), is written durably to WORKDIR/triggers.json
// BEFORE anything is disabled, and restored from there by follow's stop,
// cutover, rollback, cleanup and the next follow after a kill -9.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "pg/connection.h"

namespace hk::cdc {

struct SavedTrigger {
  std::string schema, table, name;
  char enabled = 'O';  ///< pg_trigger.tgenabled: O (ENABLE), A (ALWAYS), R (REPLICA).
};

std::string TriggerRecordPath(const std::string& workdir);

/// The record in WORKDIR (empty when there is none). A garbled record is an error.
Result<std::vector<SavedTrigger>> ReadTriggerRecord(const std::string& workdir);

/// Restores a leftover record first (a killed follow), then records and
/// disables every enabled user trigger on the tables of `c`'s database
/// (outside the system schemas and hikkoshi's). Returns how many.
Result<int> DisableUserTriggers(pg::Connection& c, const std::string& workdir);

/// Re-enables exactly the recorded triggers, as they were, and removes the
/// record (a trigger dropped meanwhile is skipped). No record: nothing to do.
/// Returns how many were restored.
Result<int> RestoreUserTriggers(pg::Connection& c, const std::string& workdir);

/// The ALTER TABLE statement that gives `t` back its recorded state (pure).
std::string EnableTriggerSql(const SavedTrigger& t);

}  // namespace hk::cdc
