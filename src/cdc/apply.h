// Applies decoded source transactions on the target, exactly once.
//
// Progress lives in a replication origin on the target ("origin" mode) or,
// when the role may not use origins, in hikkoshi.apply_progress
// ("progress-table" mode), and is committed in the same transaction as the
// applied rows, so after any crash it is exactly the end LSN of the last
// applied source transaction. Several small source transactions
// may share one target transaction (a "batch"); order and atomicity are kept
// because the batch commits all of them or none. Changes are executed as they
// are decoded, so a large transaction is never held in memory; consecutive
// changes of one kind into one table are sent as one statement
// (cdc/apply_run.h), at most kRunMaxRows rows at a time.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cdc/apply_mode.h"
#include "cdc/apply_run.h"
#include "cdc/apply_window.h"
#include "cdc/lsn.h"
#include "cdc/pgoutput.h"
#include "cdc/pipeline.h"
#include "cdc/target_table.h"
#include "common/status.h"
#include "pg/connection.h"
#include "pg/conninfo.h"

namespace hk::cdc {

/// Session settings that make text values round-trip the same way on both
/// ends (used for the source's walsender too).
inline constexpr const char* kStableTextOptions =
    "-c datestyle=ISO -c intervalstyle=postgres -c extra_float_digits=3 -c timezone=UTC";

/// Startup options that switch off the timeouts a database may set (clone
/// carries them to the target). Given at connection start, not by SET: a
/// 1 ms statement_timeout would otherwise fire during the SET itself and its
/// stray SIGINT cancels the next statement ("due to user request").
inline constexpr const char* kNoTimeoutOptions =
    "-c statement_timeout=0 -c lock_timeout=0 -c idle_in_transaction_session_timeout=0";

/// Taken by the applier's session for its slot ($1): true when no other
/// follower of this slot is applying on that server.
inline constexpr const char* kApplierLockSql =
    "SELECT pg_try_advisory_lock(hashtextextended($1, 0))";

struct ApplierOptions {
  std::string origin;  ///< Replication origin name ("origin" mode).
  std::string slot;    ///< Row key of hikkoshi.apply_progress ("progress-table" mode).
  std::string apply_mode = kModeAuto;    ///< origin | progress-table | auto
  std::string trigger_mode = kModeAuto;  ///< replica-role | disable-triggers | auto
  std::string recorded_mode;  ///< The progress mode an earlier run recorded (may be empty).
};

class Applier {
 public:
  /// Connects to the target and chooses the modes (cdc/apply_mode.h). In
  /// "origin" mode creates the origin if missing and binds this session to
  /// it; in "progress-table" mode creates hikkoshi.apply_progress if missing.
  /// With "replica-role" sets session_replication_role = replica (with
  /// "disable-triggers" the caller disables the triggers, trigger_guard.h).
  static Result<Applier> Open(const pg::ConnInfo& target, const ApplierOptions& o);

  const ApplyModes& modes() const { return modes_; }

  /// The end LSN of the last applied source transaction (0 if none).
  Lsn progress() const { return progress_; }

  void OnType(const TypeMsg& m) { types_[m.oid] = m.nspname + "." + m.name; }
  /// Checks the target table (DDL detection) and caches it.
  Status OnRelation(const RelationMsg& m);
  /// Starts a source transaction (opens a target transaction unless a batch is open).
  Status OnBegin(const BeginMsg& m);
  Status OnInsert(const InsertMsg& m);
  Status OnUpdate(const UpdateMsg& m);
  Status OnDelete(const DeleteMsg& m);
  Status OnTruncate(const TruncateMsg& m);
  /// Ends a source transaction; it becomes durable with the next CommitBatch().
  Status OnCommit(const CommitMsg& m);

  /// Records the origin position and commits the open batch. With wait, returns
  /// once it is durable; without, the COMMIT is pipelined and Poll() later
  /// moves committed_lsn() forward. Batch N+1 checks (on the server) that
  /// batch N committed, so a failed batch never lets a later one through.
  Status CommitBatch(bool wait = true);
  /// Reads results that have arrived; advances committed_lsn().
  Status Poll(bool block = false);
  /// Batches sent with COMMIT but not yet confirmed.
  size_t inflight() const { return inflight_.size(); }
  /// Throws away the open target transaction (batch and partial source txn).
  void RollbackBatch();

  bool in_source_txn() const { return in_source_txn_; }
  bool batch_open() const { return batch_open_; }
  int batch_txns() const { return batch_txns_; }
  /// Durable position: end LSN / commit time of the last committed source txn.
  Lsn committed_lsn() const { return progress_; }
  int64_t committed_ts() const { return committed_ts_; }
  int64_t rows_applied() const { return rows_applied_; }
  int64_t txns_applied() const { return txns_applied_; }
  int64_t rows_not_found() const { return pipe_.not_found(); }
  /// Lag and rate of the batches confirmed in the last minute.
  const ApplyWindow& window() const { return window_; }

 private:
  Result<const TargetTable*> Table(uint32_t relid);
  /// Prepares (once) and queues a statement in the pipeline that writes `rows` rows.
  Status Run(const std::string& key, const std::function<std::string()>& build,
             const std::vector<const char*>& values, const char* what, const TargetTable& t,
             int64_t rows = 1);
  /// Reads the pipeline's results (the first failure is returned).
  Status Sync();
  /// Sends the buffered run (cdc/apply_run.h): one row by the row-by-row
  /// statement, more as one set-based statement.
  Status FlushRun();
  /// The row-by-row statements.
  Status RowInsert(const TupleData& row, uint32_t relid, const TargetTable& t);
  Status RowUpdate(const UpdateMsg& m, const TargetTable& t);
  Status RowDelete(const DeleteMsg& m, const TargetTable& t);

  /// Changes to hikkoshi's own progress table are never applied.
  bool Ignored(uint32_t relid) const { return ignored_.count(relid) > 0; }

  pg::Connection conn_;
  Pipeline pipe_;
  std::string origin_, slot_;
  ApplyModes modes_;
  std::unordered_set<uint32_t> ignored_;
  Lsn progress_ = 0;
  int64_t committed_ts_ = 0;
  std::unordered_map<uint32_t, TargetTable> tables_;
  /// Tables whose UPDATEs never go as a run: a unique index or exclusion
  /// constraint on the target covers a non-key column (or an expression), so
  /// the order in which one statement updates rows could matter.
  std::unordered_set<uint32_t> no_update_runs_;
  std::unordered_map<uint32_t, int> generation_;
  std::unordered_map<std::string, std::string> statements_;
  TypeNames types_;
  ChangeRun run_;  ///< Consecutive changes of one kind into one table, not sent yet.
  TupleData run_first_ins_;  ///< The run's first change, for a run of one row.
  UpdateMsg run_first_upd_;
  DeleteMsg run_first_del_;
  bool in_source_txn_ = false, batch_open_ = false;
  int batch_txns_ = 0;
  Lsn pending_lsn_ = 0;
  Lsn expected_progress_ = 0;  ///< Origin position once every sent batch commits.
  struct Inflight {
    uint64_t cookie;
    Lsn end_lsn;
    int64_t ts;
    int txns;
    int64_t rows;
  };
  std::deque<Inflight> inflight_;
  ApplyWindow window_;
  uint64_t next_cookie_ = 1;
  int64_t pending_ts_ = 0;
  int64_t pending_rows_ = 0, rows_applied_ = 0, txns_applied_ = 0, warned_not_found_ = 0;
};

}  // namespace hk::cdc
