// Follow's lag over time: WORKDIR/follow-history.jsonl, one sample per line
// appended by the follower at most every 5 s (and on a phase change), so the
// report can plot lag over the whole follow period. Rotated to
// follow-history.jsonl.1 at 4 MB (about 40 hours of samples).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cdc/follow_state.h"

namespace hk::status {

struct FollowSample {
  int64_t t_ms = 0;
  int64_t lag_bytes = -1;
  double commit_lag_s = -1;
  double apply_rows_per_s = 0, apply_txn_per_s = 0;
  int64_t retained_bytes = -1;
  std::string phase;
};

/// Called by the follower after each follow.json write; rate-limited here.
void AppendFollowSample(const std::string& workdir, const cdc::FollowState& s);

/// Samples with t >= since_ms (rotated file first), oldest first.
std::vector<FollowSample> ReadFollowHistory(const std::string& workdir, int64_t since_ms = 0);

}  // namespace hk::status
