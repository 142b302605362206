// One notification: what happened (a fixed event name), how bad it is, when,
// and structured details. Serialized as one JSON object whose `text` field
// makes it a valid Slack incoming-webhook payload as is.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace hk::notify {

struct Event {
  std::string name;      ///< One of KnownEvents().
  std::string severity;  ///< info | warning | critical
  std::string time;      ///< UTC, ISO 8601 (filled by Make()).
  std::string text;      ///< One human sentence.
  nlohmann::json details = nlohmann::json::object();

  /// {"text", "event", "severity", "time", "details"}; secrets scrubbed.
  nlohmann::json ToJson() const;
};

/// An event stamped now; severity from the name unless given.
Event Make(std::string name, std::string text, nlohmann::json details = nlohmann::json::object());

/// window_notice, window_start, freeze_start, freeze_end, cutover_success,
/// cutover_failed, rollback, lag_high, slot_retention_high,
/// verify_differences, failure.
const std::vector<std::string>& KnownEvents();
bool IsKnownEvent(std::string_view name);

}  // namespace hk::notify
