// The verify_differences event: which objects and keys differ.
#pragma once

#include "notify/event.h"
#include "verify/report.h"

namespace hk::notify {

/// At most 20 differences listed (object, kind, key), plus the total;
/// informational ones are left out.
Event VerifyDifferencesEvent(const std::vector<verify::Difference>& diffs);

/// Emits it on the process-wide notifier when the report has differences.
void EmitIfDifferent(const verify::VerifyReport& report);

}  // namespace hk::notify
