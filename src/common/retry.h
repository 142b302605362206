// Automatic retry after transient failures (#14): which errors are worth a
// reconnect, and a capped, jittered exponential backoff bounded by the
// user's --retry-for. Commands resume their own recorded work after each
// wait; every retry is one log line naming the cause.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace hk {

/// The default of --retry-for: ten minutes.
constexpr int64_t kDefaultRetryForMs = 10LL * 60 * 1000;

/// True for failures that a reconnect may cure: a lost connection (08xxx,
/// socket errors), a server shutting down or restarting (57P01, 57P02,
/// 57P03), a serialization failure or deadlock (40001, 40P01) and too many
/// connections (53300). Never for a statement timeout, a lock timeout, a full
/// disk, a missing privilege, bad input or a bug: retrying those would only
/// repeat them.
bool IsTransient(const Error& e);

/// True when a client tool's error output (pg_dump, pg_restore) says its
/// connection was lost or the server was shutting down or starting up.
bool ToolLostConnection(std::string_view tool_output);

/// The wait before retry number `attempt` (1-based): 500 ms doubled per
/// attempt, capped at 30 s, then scaled by `jitter01` (0..1) into the upper
/// half of that delay, so many clients do not reconnect in lockstep.
std::chrono::milliseconds BackoffDelay(int attempt, double jitter01);

/// One outage's retries. Wait() decides whether an error may be retried and,
/// if so, logs it and sleeps the backoff (returning early when *stop is set).
class RetryBudget {
 public:
  /// retry_for_ms: how long an outage may last; 0 disables retries.
  RetryBudget(int64_t retry_for_ms, const std::atomic<bool>* stop, std::string command);

  /// `connected_before`: whether this command ever reached the servers; a
  /// failure of the very first connection (unknown host, refused port) is the
  /// user's input, not an outage, and is never retried. Returns true after
  /// the wait when the caller should reconnect and resume; false when `e`
  /// must end the command (not transient, budget spent, or stopping) — then
  /// `e`'s hint says how to continue by hand if the budget was spent.
  bool Wait(Error& e, bool connected_before);

  /// An attempt that made progress ends the outage: the next failure starts
  /// a fresh --retry-for window and backoff.
  void Progressed();

  int retries() const { return total_retries_; }

 private:
  using Clock = std::chrono::steady_clock;
  int64_t retry_for_ms_;
  const std::atomic<bool>* stop_;
  std::string command_;
  int attempt_ = 0;
  int total_retries_ = 0;
  Clock::time_point outage_start_{};
};

/// "1.5s", "2m3s" for a retry log line.
std::string RetryDelayText(std::chrono::milliseconds d);

}  // namespace hk
