#include "notify/event.h"

#include <algorithm>

#include "common/log.h"
#include "common/secrets.h"

namespace hk::notify {

const std::vector<std::string>& KnownEvents() {
  static const std::vector<std::string> k = {
      "window_notice",       "window_start",       "freeze_start", "freeze_end",
      "cutover_success",     "cutover_failed",     "rollback",     "lag_high",
      "slot_retention_high", "verify_differences", "failure",      "stage_started",
      "stage_finished"};
  return k;
}

bool IsKnownEvent(std::string_view name) {
  const auto& k = KnownEvents();
  return std::find(k.begin(), k.end(), name) != k.end();
}

namespace {
std::string SeverityOf(const std::string& name) {
  if (name == "cutover_failed" || name == "failure" || name == "verify_differences")
    return "critical";
  if (name == "rollback" || name == "lag_high" || name == "slot_retention_high") return "warning";
  return "info";
}
}  // namespace

Event Make(std::string name, std::string text, nlohmann::json details) {
  Event e;
  e.severity = SeverityOf(name);
  e.name = std::move(name);
  e.time = NowIso8601();
  e.text = std::move(text);
  e.details = std::move(details);
  return e;
}

nlohmann::json Event::ToJson() const {
  nlohmann::json j = {{"text", "hikkoshi: " + text},
                      {"event", name},
                      {"severity", severity},
                      {"time", time},
                      {"details", details}};
  // Round-trip through Scrub: connection strings in details never leave with passwords.
  return nlohmann::json::parse(
      Scrub(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
}

}  // namespace hk::notify
