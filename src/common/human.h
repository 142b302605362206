// Numbers for people: sizes and durations in reports, status lines and logs,
// and the one parser for the durations people type (flags and config).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace hk {

/// "512 B", "1.5 kB", "3.2 GB" (powers of 1024); "unknown" for a negative value.
std::string HumanBytes(int64_t bytes);

/// "4.2 s", "3m05s", "2h03m"; "--" for a negative value (unknown).
std::string HumanDuration(double seconds);

inline constexpr int64_t kDayMs = 24LL * 3600 * 1000;

/// What ParseDuration accepts beyond its grammar.
struct DurationRules {
  int64_t max_ms = 7 * kDayMs;  ///< Longer is refused (so is what would overflow).
  bool bare_seconds = true;     ///< "12" means 12 s; false: a unit is required.
};

/// The one parser of human durations: "250ms", "1.5s", "2m" or "2min", "1h",
/// "30d", "2w", and with rules.bare_seconds a bare number of seconds. Never
/// negative. A kBadInput error, one sentence naming `what` and the text, when
/// it is malformed ("--max-freeze soon is not a duration") or longer than
/// rules.max_ms, overflow included ("... 99999999999999999999h is longer than
/// 7d, the most it accepts").
Result<int64_t> ParseDuration(std::string_view text, std::string_view what,
                              const DurationRules& rules = {});

}  // namespace hk
