// The hook the terminal live view (common/live_view.h) sets so that a log
// line is written above it: called under the log lock before each line;
// nullptr: none. Kept out of log.h, which nearly every file includes.
#pragma once

namespace hk {

void SetBeforeLogLine(void (*hook)());

}  // namespace hk
