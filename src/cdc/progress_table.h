// The apply position without replication origins ("progress-table" mode):
// hikkoshi.apply_progress on the applying side, one row per slot, written in
// the same transaction as the applied changes, so after any crash it is
// exactly the end LSN of the last applied source transaction, as an origin's
// progress would be. The table is hikkoshi's own: its changes are never
// applied to the other side (the applier skips it).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cdc/follow_state.h"
#include "cdc/lsn.h"
#include "common/status.h"
#include "pg/connection.h"

namespace hk::cdc {

inline constexpr const char* kProgressSchema = "hikkoshi";
inline constexpr const char* kProgressTableName = "apply_progress";
/// Prefix of the transactional logical message each applied batch carries in
/// progress-table mode: it marks the batch as hikkoshi's in the applying
/// side's own WAL, as a replication origin would (rollback reads it).
inline constexpr const char* kApplyMessagePrefix = "hikkoshi-apply";

/// Creates schema hikkoshi and the table if missing (no row is written).
Status EnsureProgressTable(pg::Connection& c);

/// The recorded end LSN for `slot` (0 when there is no row).
Result<Lsn> ReadProgressTable(pg::Connection& c, const std::string& slot);

/// SQL run inside each applied batch: $1 slot, $2 end LSN, $3 commit time as
/// PostgreSQL-epoch microseconds.
const char* ProgressUpsertSql();

/// SQL whose result divides by zero unless the row of $2 stands at $1.
const char* ProgressCheckSql();

/// Where the other side stands for a follow setup, by its recorded mode:
/// the origin's progress or the progress table's row (nullopt when none).
Result<std::optional<Lsn>> AppliedPosition(pg::Connection& c, const FollowState& st);

/// The slots that have a row (empty when there is no table).
Result<std::vector<std::string>> ProgressRows(pg::Connection& c);

/// Deletes `slot`'s row, and the table once it is empty. True when a row was removed.
Result<bool> DropProgressRow(pg::Connection& c, const std::string& slot);

}  // namespace hk::cdc
