// The data phase: `jobs` workers copy table parts (largest first) while
// `index_jobs` builders create each table's indexes and PRIMARY KEY /
// UNIQUE constraints as soon as all its parts are in.
#pragma once

#include <atomic>
#include <map>
#include <vector>

#include "clone/catalog.h"
#include "clone/clone.h"
#include "clone/clone_state.h"
#include "clone/progress.h"
#include "common/status.h"

namespace hk::clone {

struct PoolInput {
  const CloneOptions* opts = nullptr;
  std::string encoding;
  std::string snapshot;
  StateStore* state = nullptr;
  Progress* progress = nullptr;
  std::map<int64_t, TableInfo> tables;                      ///< By source OID.
  std::vector<PartRow> pending;                             ///< In copy order.
  std::map<int64_t, int> parts_total, parts_remaining;      ///< Per table.
  std::map<int64_t, std::vector<IndexInfo>> indexes;        ///< Not yet built, per table.
  std::vector<int64_t> ready_for_indexes;                   ///< Data already in.
};

struct PoolResult {
  double copy_seconds = 0, index_seconds = 0;
  int64_t rows = 0, bytes = 0, indexes_built = 0;
};

Result<PoolResult> RunCopyPool(PoolInput in);

/// maintenance_work_mem (kB) for building an index of a table of
/// `table_bytes`: enough for its sort to stay in memory (no external merge),
/// at least the 256 MB every target session has, at most 1 GB per builder and
/// 2 GB for all `index_jobs` builders together.
int64_t IndexSortMemoryKb(int64_t table_bytes, int index_jobs);

}  // namespace hk::clone
