// Progress of the table comparisons: on a terminal a live view
// (common/live_view.h: tables done/total, rows hashed, differences so far,
// rate and ETA by on-disk size, a line per table in flight), else one log
// line per finished table. A snapshot goes to `on_progress` (throttled) so
// the verify command can keep it in the work directory for `status` and
// `serve`. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/live_view.h"
#include "verify/report.h"

namespace hk::verify {

struct ProgressSnapshot {
  size_t tables_total = 0, tables_done = 0;
  int64_t rows = 0;                         ///< Source plus target rows hashed in finished tables.
  int64_t differences = 0;                  ///< Non-informational, schema and finished tables.
  int64_t bytes_total = 0, bytes_done = 0;  ///< On-disk size on the source.
  std::vector<std::string> in_flight;       ///< Tables being compared.
  double seconds = 0;
  bool finished = false;
};

using ProgressSink = std::function<void(const ProgressSnapshot&)>;

class Progress {
 public:
  Progress(bool tty, bool log, size_t total, int64_t bytes_total, int64_t schema_differences,
           ProgressSink sink);
  ~Progress() { view_.Stop(); }
  void TableStarted(const std::string& table);
  void TableDone(const TableStats& s, int64_t differences);
  /// Stops the live view (call before printing the report) and sends the
  /// final snapshot.
  /// Stops the view; `complete` false (an error or Ctrl-C) leaves the record unfinished.
  void Finish(bool complete = true);

 private:
  ProgressSnapshot SnapshotLocked() const;
  std::vector<std::string> View();
  void SendLocked(bool force);

  std::mutex mu_;
  bool log_;
  ProgressSnapshot s_;
  std::map<std::string, std::chrono::steady_clock::time_point> in_flight_;
  ProgressSink sink_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_sent_{};
  LiveView view_;  // last: stopped before the members its render reads
};

}  // namespace hk::verify
