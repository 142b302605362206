// The events of cutover and rollback, one call each from src/cutover/.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace hk::notify {

/// From a journal point event: "writes-frozen" → freeze_start,
/// "writes-resumed" → freeze_end with the measured window (ms). Others: nothing.
void OnJournalMark(const std::string& run, const std::string& step, const nlohmann::json& details,
                   int64_t window_ms);

/// cutover_success with the window; cutover_failed with the error (and
/// whether it was rolled back); rollback (manual or automatic) with its outcome.
void CutoverSucceeded(const std::string& run, int64_t window_ms);
void CutoverFailed(const std::string& run, const std::string& error, bool frozen);
void RolledBack(const std::string& run, bool ok, const std::string& error = "");

}  // namespace hk::notify
