// How long a failed delivery waits before its next try.
#pragma once

#include <cstdint>

namespace hk::notify {

/// Tries per delivery (the first one included).
constexpr int kMaxAttempts = 5;

/// Wait before try `attempt` + 1 after try `attempt` (1-based) failed:
/// 250 ms doubling, capped at 4 s: 250, 500, 1000, 2000 (then 4000).
int64_t BackoffMs(int attempt);

}  // namespace hk::notify
