// The cutover journal: one JSON line per step in WORKDIR/journal.jsonl
// (format in docs/state.md), appended and fsynced as each step ends, and the
// timeline printed at the end of a run with the measured write-unavailability
// window.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"

namespace hk::cutover {

struct JournalEntry {
  std::string run;       ///< Run id: "cutover-<unix ms>" or "rollback-<unix ms>".
  std::string step;      ///< preconditions, freeze, drain, ...
  int64_t start_ms = 0;  ///< Unix milliseconds.
  int64_t end_ms = 0;
  std::string outcome;  ///< ok | failed | skipped | info
  nlohmann::json details = nlohmann::json::object();

  int64_t duration_ms() const { return end_ms - start_ms; }
  nlohmann::json ToJson() const;
  static JournalEntry FromJson(const nlohmann::json& j);
};

int64_t UnixMsNow();

class Journal {
 public:
  /// Appends to WORKDIR/journal.jsonl under a fresh run id "<command>-<ms>".
  Journal(std::string workdir, const std::string& command);

  const std::string& run() const { return run_; }

  /// A step in progress; Finish() (or the destructor, as "failed") records it.
  class Step {
   public:
    Step(Journal* j, std::string name);
    Step(Step&&) = default;
    ~Step();
    nlohmann::json& details() { return e_.details; }
    /// Records the step with `outcome` and returns `st` unchanged (details
    /// get st's error message when it failed).
    Status Finish(Status st, const std::string& ok_outcome = "ok");
    void Skip(const std::string& why);
    int64_t start_ms() const { return e_.start_ms; }

   private:
    Journal* j_;
    JournalEntry e_;
    bool done_ = false;
  };
  Step Begin(const std::string& step) { return Step(this, step); }

  /// Records a point event (start == end), e.g. "writes-frozen".
  void Mark(const std::string& step, nlohmann::json details = nlohmann::json::object());

  const std::vector<JournalEntry>& entries() const { return entries_; }

  /// The write-unavailability window of this run in ms: from the moment the
  /// writable database was frozen to the moment the application was healthy
  /// on a writable one (or unfrozen); -1 when writes were never frozen.
  int64_t WriteUnavailableMs() const;

  /// Human timeline of this run's entries.
  std::string Timeline() const;

  void Append(const JournalEntry& e);

 private:
  std::string path_;
  std::string run_;
  std::vector<JournalEntry> entries_;
};

/// Reads every entry of WORKDIR/journal.jsonl (skipping malformed lines: a
/// kill -9 can leave a partial last line).
std::vector<JournalEntry> ReadJournal(const std::string& workdir);

}  // namespace hk::cutover
