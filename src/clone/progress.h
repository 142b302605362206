// What the user sees while a clone runs: on a terminal a compact live view
// (common/live_view.h) redrawn on stderr (tables done/total, rows, bytes,
// throughput, ETA; a bar per table in flight; the slowest table so far);
// else one timestamped log line per event.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/live_view.h"

#include "common/human.h"

namespace hk::clone {

class Progress {
 public:
  explicit Progress(bool tty) : tty_(tty), view_(tty, [this] { return View(); }) {}
  ~Progress() { Stop(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Starts the redraw thread (terminal only). total_bytes is the on-disk
  /// size of what remains to copy, used for the ETA.
  void Start(int tables_total, int tables_done, int64_t total_bytes);
  void Stop();

  /// Bytes streamed; attributed to the calling worker's part in flight.
  void AddBytes(int64_t n);
  /// A worker thread starts / finishes copying (part of) a table; disk_bytes
  /// is its share of the table's on-disk size (the bar's 100 %).
  void PartStarted(const std::string& table, int64_t disk_bytes);
  void PartFinished();
  void AddRows(int64_t n) { rows_ += n; }
  /// A table (all its parts) is in; disk_bytes counts toward the ETA.
  void TableDone(int64_t disk_bytes) {
    ++tables_done_;
    disk_done_ += disk_bytes;
  }
  void SetPhase(const std::string& phase);

  /// One event: a log line when not on a terminal, nothing on a terminal
  /// (the live line shows it) unless important.
  void Event(const std::string& message, bool important = false);

  int64_t bytes() const { return bytes_; }
  int64_t rows() const { return rows_; }

 private:
  std::string Line();
  std::vector<std::string> View();  ///< The multi-line live view (terminal).

  struct InFlight {
    std::string table;
    int64_t disk_bytes = 0, bytes = 0;
    std::chrono::steady_clock::time_point started;
  };
  std::map<std::thread::id, InFlight> in_flight_;  // guarded by mu_
  std::string slowest_;                            // guarded by mu_
  double slowest_s_ = -1;
  bool tty_;
  std::atomic<int> tables_total_{0}, tables_done_{0};
  std::atomic<int64_t> bytes_{0}, rows_{0}, disk_total_{0}, disk_done_{0};
  std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
  std::string phase_ = "copy";
  LiveView view_;  // last: stopped before the members its render reads
};

std::string HumanBytes(double bytes);

}  // namespace hk::clone
