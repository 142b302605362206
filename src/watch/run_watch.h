// `hikkoshi watch`: the weeks after the switch. Each pass verifies the two
// databases (only tables whose change counters moved since the last clean
// pass), probes the application's health URLs and the query latency against
// [cutover.health] budgets, checks the hikkoshi_* slots on both sides, and
// notifies on anything wrong. With retire_after, once the cutover is that
// old: one last verify, then `cleanup` on both sides. docs/watch.md.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "common/human.h"
#include "cutover/config.h"
#include "pg/conninfo.h"

namespace hk::watch {

/// Durations of watch ("6h", "30d", "2w"): a unit is required, at most 10 years.
inline constexpr DurationRules kWatchDurations{.max_ms = 10LL * 366 * kDayMs, .bare_seconds = false};

struct WatchOptions {
  pg::ConnInfo source, target;  ///< As at clone/follow: source = the old server.
  std::string workdir = ".hikkoshi";
  cutover::CutoverConfig cfg;  ///< Health URLs and budgets.
  int64_t every_ms = 6LL * 3600 * 1000;
  std::optional<int64_t> retire_after_ms;
  bool once = false;
  int verify_jobs = 2;
};

/// Runs passes until stopped (or once); returns the exit code: 0 clean (or
/// retired), 1 when the last pass found a difference or a failing probe.
int RunWatch(const WatchOptions& o, const std::atomic<bool>* stop);

}  // namespace hk::watch
