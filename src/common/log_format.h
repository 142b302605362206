// How log lines are written: text ("2026-11-26T10:40:00.123Z INFO  message")
// or, with --log-format json (for log collectors), one JSON object per line
// — {"time": ..., "level": "info", "message": ...} — and no live terminal
// view. Kept apart from common/log.h so the format stays a detail of the
// edge (main, ReportError, migrate's printer) and of log.cc.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "common/log.h"

namespace hk {

enum class LogFormat { kText, kJson };

void SetLogFormat(LogFormat format);
LogFormat GetLogFormat();

/// One log record: a JSON object with the keys of `fields` (an object)
/// added (json format), or its message as a text line. Strings scrubbed; written whatever the log
/// level.
void LogRecord(LogLevel level, std::string_view message, const nlohmann::json& fields);

}  // namespace hk
