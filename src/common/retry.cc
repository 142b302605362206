#include "common/retry.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <thread>

#include "common/log.h"

namespace hk {

bool IsTransient(const Error& e) {
  const std::string& st = e.sqlstate;
  if (e.kind == ErrorKind::kConnection) {
    // A shutdown/restart of the server, or a lost socket; not auth or bad
    // input, which are never classified as kConnection.
    return true;
  }
  if (st.rfind("08", 0) == 0) return true;
  return st == "57P01" || st == "57P02" || st == "57P03" || st == "40001" || st == "40P01" ||
         st == "53300";
}

bool ToolLostConnection(std::string_view out) {
  for (const char* lost :
       {"server closed the connection unexpectedly", "terminating connection due to administrator",
        "could not receive data from server", "could not send data to server",
        "the database system is shutting down", "the database system is starting up",
        "the database system is in recovery mode", "Connection refused",
        "connection to server was lost", "SSL SYSCALL error", "lost synchronization with server",
        "no connection to the server"}) {
    if (out.find(lost) != std::string_view::npos) return true;
  }
  return false;
}

std::chrono::milliseconds BackoffDelay(int attempt, double jitter01) {
  int64_t d = 500;
  for (int i = 1; i < attempt && d < 30000; ++i) d *= 2;
  d = std::min<int64_t>(d, 30000);
  jitter01 = std::clamp(jitter01, 0.0, 1.0);
  return std::chrono::milliseconds(d / 2 +
                                   static_cast<int64_t>(static_cast<double>(d / 2) * jitter01));
}

std::string RetryDelayText(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms < 60000) return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000.0);
  return fmt::format("{}m{}s", ms / 60000, (ms % 60000) / 1000);
}

RetryBudget::RetryBudget(int64_t retry_for_ms, const std::atomic<bool>* stop, std::string command)
    : retry_for_ms_(retry_for_ms), stop_(stop), command_(std::move(command)) {}

void RetryBudget::Progressed() { attempt_ = 0; }

bool RetryBudget::Wait(Error& e, bool connected_before) {
  if (stop_ && stop_->load()) return false;
  if (!IsTransient(e)) return false;
  if (e.during_connect && !connected_before) return false;
  if (retry_for_ms_ <= 0) return false;
  auto now = Clock::now();
  if (attempt_ == 0) outage_start_ = now;
  int64_t spent =
      std::chrono::duration_cast<std::chrono::milliseconds>(now - outage_start_).count();
  if (spent >= retry_for_ms_) {
    std::string budget = fmt::format("gave up after retrying for {}",
                                     RetryDelayText(std::chrono::milliseconds(spent)));
    e.message += " (" + budget + ", --retry-for)";
    return false;
  }
  ++attempt_;
  ++total_retries_;
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  auto delay = BackoffDelay(attempt_, std::uniform_real_distribution<double>(0, 1)(rng));
  delay = std::min(delay, std::chrono::milliseconds(retry_for_ms_ - spent));
  LogWarn("{}: {}; transient, retrying in {} (retry {}, {} of --retry-for left)", command_,
          e.message, RetryDelayText(delay), attempt_,
          RetryDelayText(std::chrono::milliseconds(retry_for_ms_ - spent)));
  auto until = Clock::now() + delay;
  while (Clock::now() < until) {
    if (stop_ && stop_->load()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

}  // namespace hk
