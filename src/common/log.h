// Timestamped, secret-scrubbed log lines on stderr. One line per event, so a
// run that is not on a terminal still leaves a readable record.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace hk {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
void LogLine(LogLevel level, std::string_view message);

template <class... Args>
void LogInfo(fmt::format_string<Args...> f, Args&&... args) {
  LogLine(LogLevel::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void LogWarn(fmt::format_string<Args...> f, Args&&... args) {
  LogLine(LogLevel::kWarn, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void LogError(fmt::format_string<Args...> f, Args&&... args) {
  LogLine(LogLevel::kError, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void LogDebug(fmt::format_string<Args...> f, Args&&... args) {
  if (GetLogLevel() > LogLevel::kDebug) return;
  LogLine(LogLevel::kDebug, fmt::format(f, std::forward<Args>(args)...));
}

/// UTC timestamp like 2026-11-26T10:40:00.123Z.
std::string NowIso8601();

}  // namespace hk
