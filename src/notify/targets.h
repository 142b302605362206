// The [[notify]] entries of hikkoshi.toml: where notifications go (a webhook
// URL and/or a command) and which events each one wants. docs/notify.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "config/issue.h"
#include "notify/event.h"

namespace hk::notify {

/// Thresholds when an entry names none: 16 MiB behind, 1 GiB of WAL kept.
constexpr int64_t kDefaultMinLagBytes = 16LL << 20;
constexpr int64_t kDefaultMinRetainedWalBytes = 1LL << 30;

struct Target {
  std::string url;                       ///< Webhook (http/https); JSON POST.
  std::vector<std::string> command;      ///< argv; the event JSON on stdin and in HIKKOSHI_EVENT.
  std::vector<std::string> events;       ///< Empty: every event.
  std::optional<int64_t> min_lag_bytes;  ///< lag_high below this is not sent (default 16 MiB).
  std::optional<int64_t>
      min_retained_wal_bytes;  ///< slot_retention_high below this is not sent (default 1 GiB).

  /// Whether this target wants `e` (event filter and thresholds).
  bool Wants(const Event& e) const;
  /// For log lines: the redacted URL or the command's program.
  std::string Describe() const;
};

struct ParsedTargets {
  std::vector<Target> targets;
  std::vector<ConfigIssue> issues;  ///< Semantic problems (types are checked by Config::Load).
};

/// Reads every [[notify]] of the TOML text (origin names it in messages).
ParsedTargets ParseTargets(std::string_view toml_text, const std::string& origin);

/// Same, from the file (empty path: no targets). An error names the first issue.
Result<std::vector<Target>> LoadTargets(const std::string& path);

}  // namespace hk::notify
