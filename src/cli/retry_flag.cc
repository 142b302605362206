#include "cli/retry_flag.h"

#include "cli/app.h"
#include "common/retry.h"
#include "common/human.h"

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

}  // namespace hk::cli
