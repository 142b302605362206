// Copies one part of one table: COPY TO STDOUT at the snapshot on the
// source, streamed into COPY FROM STDIN on the target, in one target
// transaction whose outcome the state file records around its COMMIT.
#pragma once

#include <atomic>
#include <functional>

#include "clone/catalog.h"
#include "clone/clone_state.h"
#include "common/status.h"
#include "pg/connection.h"
#include "pg/copy.h"

namespace hk::clone {

struct CopyContext {
  std::string snapshot;
  StateStore* state = nullptr;
  const std::atomic<bool>* stop = nullptr;
  std::function<void(int64_t)> on_bytes;
  bool force_text = false;    ///< HIKKOSHI_COPY_FORMAT=text (tests the text path).
  bool force_binary = false;  ///< HIKKOSHI_COPY_FORMAT=binary (tests the fallback).
  int64_t lock_timeout_ms = 0;  ///< --lock-timeout for the source table's lock; 0: wait.
};

/// Whole tables (part.end_page unset and part 0 of 1) are TRUNCATEd in the
/// same transaction and loaded with FREEZE, so a rerun never duplicates rows.
/// Parts of split tables record 'committing' before COMMIT; see docs/state.md.
Result<pg::CopyStats> CopyPart(pg::Connection& src, pg::Connection& dst, const TableInfo& t,
                               const PartRow& part, int parts_total, const CopyContext& ctx,
                               bool* used_binary = nullptr);

}  // namespace hk::clone
