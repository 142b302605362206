// `hikkoshi status`: what the follower last wrote to WORKDIR/follow.json,
// judged (is it still running? is the slot holding too much WAL?).
#pragma once

#include "common/human.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cdc/follow_state.h"

namespace hk::cdc {

struct StatusReport {
  FollowState state;
  std::string phase;      ///< state.phase, or "not running" when the follower died.
  bool running = false;   ///< The follower process is alive and wrote recently.
  double age_s = 0;       ///< Seconds since the follower last wrote.
  std::vector<std::string> warnings;

  nlohmann::json ToJson() const;
  std::string ToText() const;
};

/// Judges a state read from disk. now_unix_ms for tests; warn_retained_bytes
/// is the slot retention that triggers a warning.
StatusReport JudgeStatus(const FollowState& s, int64_t now_unix_ms, int64_t warn_retained_bytes,
                         bool pid_alive);

using ::hk::HumanBytes;  // common/human.h

}  // namespace hk::cdc
