// `hikkoshi cleanup`: drops what follow left on both servers — the slot (which
// otherwise keeps WAL on the source forever), the publication, and the
// replication origin on the target. Idempotent.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "pg/conninfo.h"

namespace hk::cdc {

struct CleanupResult {
  std::vector<std::string> dropped;  ///< "slot hikkoshi_x on the source", ...
};

/// Removes only what this work directory created, by name: the slot and
/// origin recorded in WORKDIR/follow.json, plus `slots`/`origins` named by
/// the user. Without a readable follow.json and without names it changes
/// nothing and fails listing the hikkoshi_* candidates on both servers, so
/// other migrations' slots and origins are never touched. The publication
/// is dropped only when no hikkoshi_* slot of the database remains.
Result<CleanupResult> CleanupFollow(const pg::ConnInfo& source, const pg::ConnInfo& target,
                                    const std::string& workdir,
                                    const std::vector<std::string>& slots = {},
                                    const std::vector<std::string>& origins = {});

}  // namespace hk::cdc
