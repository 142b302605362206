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

/// Uses WORKDIR/follow.json when present; without it, drops every inactive
/// hikkoshi_* slot of the source database and every hikkoshi_* origin on the target.
Result<CleanupResult> CleanupFollow(const pg::ConnInfo& source, const pg::ConnInfo& target,
                                    const std::string& workdir);

}  // namespace hk::cdc
