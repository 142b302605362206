// follow's on-disk state: WORKDIR/follow.json (format in docs/state.md).
// Written by the setup (names of slot, publication, origin) and rewritten
// periodically by the follower (progress, lag) with an atomic rename, so a
// reader (`hikkoshi status`) never sees a half-written file. The authoritative
// apply position is NOT this file but the replication origin on the target.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cdc/lsn.h"
#include "common/status.h"

namespace hk::cdc {

struct FollowState {
  std::string id;           ///< Suffix of slot and origin names.
  std::string slot;         ///< hikkoshi_<id> on the source.
  std::string publication;  ///< hikkoshi_pub on the source.
  std::string origin;       ///< hikkoshi_<id> on the target.
  std::string source;       ///< Redacted URIs, for humans.
  std::string target;
  Lsn consistent_point = 0;
  std::string created_at;
  /// The initial copy: "pending" from the slot's creation by clone --follow
  /// (or follow --setup --copy-command) until it finished, then "done".
  /// follow refuses to start while it is pending (files without it: "done").
  std::string copy = "done";
  /// How follow applies (cdc/apply_mode.h), recorded by its first session:
  /// "origin" or "progress-table" (where the resume point lives, so later
  /// runs keep it), "replica-role" or "disable-triggers". Empty until then.
  std::string apply_mode, trigger_mode;
  /// "all" (FOR ALL TABLES, superuser) or "listed" (FOR TABLE ..., any table
  /// owner). With "listed", follow stops when a table that is neither
  /// published nor in left_out appears on the source (created after setup).
  std::string publication_tables = "all";
  std::vector<std::string> left_out;  ///< Tables deliberately not published.

  // Progress, written by the follower.
  std::string phase = "setup";  ///< setup | following | reconnecting | caught-up | stopped | error | cleaned-up
  std::string updated_at;
  int64_t updated_unix_ms = 0;
  int pid = 0;
  Lsn received_lsn = 0;        ///< Last WAL position seen from the source.
  Lsn applied_lsn = 0;         ///< Confirmed to the source (durably applied).
  Lsn source_current_lsn = 0;  ///< pg_current_wal_lsn() when last sampled.
  int64_t lag_bytes = -1;
  double commit_lag_s = -1;    ///< now - source commit time of the last applied txn, 0 when idle.
  std::string last_commit_time;
  double apply_txn_per_s = 0, apply_rows_per_s = 0;
  /// Over the last minute (cdc/apply_window.h); lag percentiles -1 when nothing was applied.
  double lag_p50_ms_1m = -1, lag_p99_ms_1m = -1, apply_txn_per_s_1m = 0, apply_rows_per_s_1m = 0;
  int64_t txns_applied = 0, rows_applied = 0;  ///< Since the follower started.
  int64_t slot_retained_bytes = -1;            ///< WAL the slot keeps on the source.
  std::string slot_wal_status;
  std::string last_error;
};

std::string FollowStatePath(const std::string& workdir);

/// Reads WORKDIR/follow.json. kBadInput with a hint when missing.
Result<FollowState> LoadFollowState(const std::string& workdir);

/// Writes WORKDIR/follow.json atomically (temp file, rename). durable adds an
/// fsync before the rename (setup, phase changes); periodic progress writes
/// skip it — the authoritative progress is the target's origin anyway.
Status SaveFollowState(const std::string& workdir, const FollowState& s, bool durable = true);

/// A fresh id: 10 lower-case hex characters.
std::string NewFollowId();

}  // namespace hk::cdc
