// watch's memory between passes: WORKDIR/watch.json — when watching began,
// the last pass, whether it was clean, and each table's change counters
// (pg_stat_user_tables n_tup_ins + n_tup_upd + n_tup_del) on both sides.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "common/status.h"

namespace hk::watch {

/// "schema.table" → change counter.
using Counters = std::map<std::string, int64_t>;

struct WatchState {
  int64_t first_pass_ms = 0;  ///< Unix ms of the first pass (0: none yet).
  int64_t last_pass_ms = 0;
  bool last_clean = false;  ///< The last pass found no difference.
  Counters source, target;  ///< As read at the start of the last clean pass.
};

std::string WatchStatePath(const std::string& workdir);
/// A missing file is an empty state; a corrupt one is an error.
Result<WatchState> LoadWatchState(const std::string& workdir);
Status SaveWatchState(const std::string& workdir, const WatchState& st);

/// Tables whose counters differ from `before` on either side (or are new).
std::map<std::string, bool> ChangedTables(const WatchState& before, const Counters& source,
                                          const Counters& target);

}  // namespace hk::watch
