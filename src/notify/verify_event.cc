#include "notify/verify_event.h"

#include "notify/notifier.h"

namespace hk::notify {

Event VerifyDifferencesEvent(const std::vector<verify::Difference>& diffs) {
  nlohmann::json list = nlohmann::json::array();
  std::string keys;
  int64_t n = 0;
  for (const auto& d : diffs) n += d.informational ? 0 : 1;
  for (const auto& d : diffs) {
    if (d.informational) continue;
    if (list.size() >= 20) break;
    list.push_back({{"area", d.area}, {"object", d.object}, {"kind", d.kind}, {"key", d.key}});
    if (list.size() <= 5)
      keys +=
          (keys.empty() ? "" : "; ") + d.object + (d.key.empty() ? "" : " " + d.key) + " " + d.kind;
  }
  return Make("verify_differences", "verify found " + std::to_string(n) + " difference(s): " + keys,
              {{"count", n}, {"differences", list}});
}

void EmitIfDifferent(const verify::VerifyReport& report) {
  if (report.DifferenceCount() > 0) Emit(VerifyDifferencesEvent(report.differences()));
}

}  // namespace hk::notify
