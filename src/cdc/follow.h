// The follow loop: stream pgoutput from the slot, apply on the target,
// confirm only what is durably applied, reconnect on dropped connections.
#pragma once

#include <atomic>
#include <optional>
#include <string>

#include "cdc/lsn.h"
#include "common/status.h"
#include "pg/conninfo.h"

namespace hk::cdc {

struct FollowOptions {
  pg::ConnInfo source, target;
  std::string workdir = ".hikkoshi";
  std::optional<Lsn> until_lsn;  ///< Stop once applied up to here.
  bool until_caught_up = false;  ///< Stop once applied up to the source's position at start.
  int status_interval_ms = 1000; ///< Standby status updates and follow.json refresh.
  int max_batch_txns = 200;      ///< Source transactions per target transaction at most.
  const std::atomic<bool>* stop = nullptr;  ///< Set by SIGINT/SIGTERM.
  std::string apply_mode = "auto";          ///< origin | progress-table | auto (cdc/apply_mode.h)
  std::string trigger_mode = "auto";        ///< replica-role | disable-triggers | auto
  /// Stall watchdog: no message and no keepalive from the source for this
  /// long while streaming (after asking for a reply at half of it) means a
  /// dead connection: reconnect. 0 disables.
  int stall_timeout_ms = 30000;
};

struct FollowResult {
  Lsn applied_lsn = 0;
  int64_t txns_applied = 0;
  int64_t rows_applied = 0;
};

/// Follows until the stop condition (until-LSN, caught up, or *stop). Errors
/// of kind kBlocked need the user (DDL, dropped slot); a stop by signal
/// returns kInterrupted after committing what was complete.
Result<FollowResult> RunFollow(const FollowOptions& opts);

}  // namespace hk::cdc
