#include "common/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>

#include "common/log_format.h"
#include "common/log_hook.h"
#include "common/secrets.h"

namespace hk {
namespace {
std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::atomic<LogFormat> g_format{LogFormat::kText};
std::mutex g_mu;
std::atomic<void (*)()> g_before{nullptr};

const char* LevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kInfo: return "INFO ";
    case LogLevel::kWarn: return "WARN ";
    case LogLevel::kError: return "ERROR";
  }
  return "INFO ";
}
}  // namespace

void SetLogLevel(LogLevel level) { g_level = level; }
void SetLogFormat(LogFormat format) { g_format = format; }
LogFormat GetLogFormat() { return g_format; }
void SetBeforeLogLine(void (*hook)()) { g_before = hook; }
LogLevel GetLogLevel() { return g_level; }

std::string NowIso8601() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, static_cast<int>(ms.count()));
}

namespace {
const char* JsonLevel(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

std::string JsonLine(LogLevel level, std::string_view message, const nlohmann::json& fields) {
  nlohmann::json j = {{"time", NowIso8601()}, {"level", JsonLevel(level)},
                      {"message", Scrub(message)}};
  if (fields.is_object())
    for (const auto& [k, v] : fields.items())
      j[k] = v.is_string() ? nlohmann::json(Scrub(v.get<std::string>())) : v;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}
}  // namespace

void LogRecord(LogLevel level, std::string_view message, const nlohmann::json& fields) {
  std::string line = g_format.load() == LogFormat::kJson
                         ? JsonLine(level, message, fields)
                         : fmt::format("{} {} {}\n", NowIso8601(), LevelName(level), Scrub(message));
  std::lock_guard<std::mutex> lock(g_mu);
  if (auto hook = g_before.load()) hook();
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

void LogLine(LogLevel level, std::string_view message) {
  if (level < g_level.load()) return;
  std::string line =
      g_format.load() == LogFormat::kJson
          ? JsonLine(level, message, nlohmann::json::object())
          : fmt::format("{} {} {}\n", NowIso8601(), LevelName(level), Scrub(message));
  std::lock_guard<std::mutex> lock(g_mu);
  if (auto hook = g_before.load()) hook();
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace hk
