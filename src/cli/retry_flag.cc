#include "cli/retry_flag.h"

#include "cli/app.h"
#include "common/retry.h"
#include "common/human.h"
#include "pg/stall_watchdog.h"

namespace hk::cli {

void AddRetryForFlag(CLI::App* sub, std::string* out) {
  sub->add_option("--retry-for", *out,
                  "keep retrying a lost connection, a server restart or too many connections "
                  "for up to DURATION, with backoff, continuing the recorded work (default 10m; "
                  "0 disables)");
}

std::optional<int64_t> ResolveRetryFor(const std::string& text, bool json) {
  if (text.empty()) return kDefaultRetryForMs;
  auto ms = ParseDuration(text, "--retry-for");
  if (!ms.ok()) {
    Error e = ms.TakeError();
    e.hint = "write it like 10m, 90s or 1h (at most 7 days), or 0 to disable retries";
    ReportError(e, json);
    return std::nullopt;
  }
  return *ms;
}

void AddStallTimeoutFlag(CLI::App* sub, std::string* out) {
  sub->add_option("--stall-timeout", *out,
                  "a statement or COPY that hears nothing for this long is checked on a new "
                  "connection; a stalled connection (not a slow statement) is closed and retried "
                  "(default 30s; 0 disables)");
}

bool ApplyStallTimeout(const std::string& text, bool json) {
  int64_t ms = 30000;
  if (!text.empty()) {
    auto parsed = ParseDuration(text, "--stall-timeout");
    if (!parsed.ok()) {
      Error e = parsed.TakeError();
      e.hint = "write it like 30s or 2m, or 0 to disable the stall watchdog";
      ReportError(e, json);
      return false;
    }
    ms = *parsed;
  }
  pg::SetStallTimeout(ms);
  return true;
}

}  // namespace hk::cli
