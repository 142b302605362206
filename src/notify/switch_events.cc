#include "notify/switch_events.h"

#include "notify/notifier.h"

namespace hk::notify {

void OnJournalMark(const std::string& run, const std::string& step, const nlohmann::json& details,
                   int64_t window_ms) {
  std::string db = details.value("database", std::string("source"));
  if (step == "writes-frozen") {
    Emit("freeze_start", run + ": writes frozen on the " + db + " database",
         {{"run", run}, {"database", db}});
  } else if (step == "writes-resumed") {
    Emit("freeze_end",
         run + ": writes resumed on the " + db + " database after " + std::to_string(window_ms) +
             " ms",
         {{"run", run}, {"database", db}, {"window_ms", window_ms}});
  }
}

void CutoverSucceeded(const std::string& run, int64_t window_ms) {
  Emit("cutover_success",
       run + ": cut over, the application is on the target (writes unavailable for " +
           std::to_string(window_ms) + " ms)",
       {{"run", run}, {"window_ms", window_ms}});
}

void CutoverFailed(const std::string& run, const std::string& error, bool frozen) {
  Emit("cutover_failed", run + ": cutover failed: " + error,
       {{"run", run}, {"error", error}, {"after_freeze", frozen}});
}

void RolledBack(const std::string& run, bool ok, const std::string& error) {
  nlohmann::json d = {{"run", run}, {"ok", ok}};
  if (!ok) d["error"] = error;
  Emit(ok ? "rollback" : "failure",
       ok ? run + ": rolled back, the application is on the source"
          : run + ": rollback failed: " + error,
       d);
}

}  // namespace hk::notify
