#include "notify/verify_event.h"

#include "notify/notifier.h"

namespace hk::notify {

Event VerifyDifferencesEvent(const verify::VerifyReport& report) {
  nlohmann::json list = nlohmann::json::array();
  std::string keys;
  for (const auto& d : report.differences()) {
    if (d.informational) continue;
    if (list.size() >= 20) break;
    list.push_back({{"area", d.area}, {"object", d.object}, {"kind", d.kind}, {"key", d.key}});
    if (list.size() <= 5)
      keys +=
          (keys.empty() ? "" : "; ") + d.object + (d.key.empty() ? "" : " " + d.key) + " " + d.kind;
  }
  int64_t n = report.DifferenceCount();
  return Make("verify_differences", "verify found " + std::to_string(n) + " difference(s): " + keys,
              {{"count", n}, {"differences", list}});
}

void EmitIfDifferent(const verify::VerifyReport& report) {
  if (report.DifferenceCount() > 0) Emit(VerifyDifferencesEvent(report));
}

}  // namespace hk::notify
