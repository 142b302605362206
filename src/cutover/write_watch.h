// The proof that the freeze held: the forward stream itself shows which
// transactions committed on the frozen source after the drain's marker.
// Right before the marker, the forward follower's slot is copied into a
// temporary slot of hikkoshi's own session (pg_copy_logical_replication_slot:
// same plugin, same position, nothing to wait for), and the insert LSN is
// noted. Before the application is switched, that copy is decoded through the
// follower's publication (pg_logical_slot_peek_binary_changes, pgoutput):
// every transaction whose commit record lies at or after the noted LSN must
// be hikkoshi's own (the marker). Any other one was written by a session that
// bypassed the freeze; cutover rolls back and names it.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "cdc/lsn.h"
#include "common/status.h"
#include "pg/connection.h"

namespace hk::cutover {

struct WriteWatch {
  std::string slot;   ///< Temporary copy of the forward slot (dropped with the session).
  cdc::Lsn from = 0;  ///< Insert LSN noted right after the copy, before the marker.
};

/// A transaction the forward stream carries that is not hikkoshi's own.
struct ForeignCommit {
  uint32_t xid = 0;
  cdc::Lsn commit_lsn = 0;
  cdc::Lsn end_lsn = 0;
  int64_t commit_ts = 0;  ///< Microseconds since 2000-01-01.
  std::string origin;     ///< Replication origin, when it was replicated here.
  /// Applied here by a hikkoshi follower without a replication origin
  /// ("progress-table" mode: the batch carries a hikkoshi-apply message or
  /// writes hikkoshi.apply_progress).
  bool hikkoshi_apply = false;
  std::vector<std::string> tables;
  std::string Describe() const;
};

/// Copies `forward_slot` into a temporary slot owned by `src`'s session and
/// notes the current insert LSN. `src` must stay open until CheckWriteWatch.
Result<WriteWatch> StartWriteWatch(pg::Connection& src, const std::string& forward_slot);

/// Decodes the copy through `publication`; the transactions committed at or
/// after w.from whose xid is not in `own_xids`.
Result<std::vector<ForeignCommit>> CheckWriteWatch(pg::Connection& src, const WriteWatch& w,
                                                   const std::string& publication,
                                                   const std::set<uint32_t>& own_xids);

/// Every transaction in pgoutput messages (in stream order).
Result<std::vector<ForeignCommit>> CommitsIn(const std::vector<std::string>& messages);

/// Transactions decoded from `slot` (peeked, not consumed; the slot must be
/// inactive) through `publication` that end after `applied` and carry no
/// replication origin and were not applied by a hikkoshi follower in
/// progress-table mode: source writes the target has not received and that
/// advancing the slot would skip.
Result<std::vector<ForeignCommit>> UnappliedSourceCommits(pg::Connection& src,
                                                          const std::string& slot,
                                                          const std::string& publication,
                                                          cdc::Lsn applied);

/// Pure part of CheckWriteWatch: pgoutput messages in stream order.
Result<std::vector<ForeignCommit>> ForeignCommitsIn(const std::vector<std::string>& messages,
                                                    cdc::Lsn from,
                                                    const std::set<uint32_t>& own_xids);

}  // namespace hk::cutover
