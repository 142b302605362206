// What watch reads from the servers besides verify: change counters,
// replication slots' retained WAL and lag, and the query-latency probe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "pg/conninfo.h"
#include "watch/watch_state.h"

namespace hk::watch {

/// n_tup_ins + n_tup_upd + n_tup_del per user table (pg_stat_user_tables).
Result<Counters> ChangeCounters(const pg::ConnInfo& db);

struct SlotUsage {
  std::string slot;
  bool active = false;
  int64_t retained_bytes = 0;  ///< WAL kept for it: current LSN − restart_lsn.
  int64_t lag_bytes = 0;       ///< Not yet confirmed: current LSN − confirmed_flush_lsn.
};
/// hikkoshi_* slots of the database.
Result<std::vector<SlotUsage>> HikkoshiSlots(const pg::ConnInfo& db);

/// Runs `sql` 5 times; the median latency in ms.
Result<int64_t> QueryLatencyMs(const pg::ConnInfo& db, const std::string& sql);

}  // namespace hk::watch
