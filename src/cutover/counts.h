// The quick exact check at the switch: count(*) of every published table on
// both sides (in parallel), after the drain. A full row-by-row comparison is
// `hikkoshi verify`'s job.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "pg/conninfo.h"

namespace hk::cutover {

struct CountDiff {
  std::string table;
  int64_t source = 0, target = 0;
};

struct CountCheck {
  int tables = 0;
  int64_t rows = 0;
  std::vector<CountDiff> diffs;
};

/// The user's publishable tables on `source` (pg/catalog: partitions through
/// their root, no extension member, nothing of the hikkoshi schema), only
/// those of publication `publication` unless it is empty, counted on both
/// sides.
Result<CountCheck> CompareCounts(const pg::ConnInfo& source, const pg::ConnInfo& target,
                                 const std::string& publication);

}  // namespace hk::cutover
