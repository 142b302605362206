// What the user sees while a clone runs: on a terminal one live line
// (tables done/total, rows, bytes, throughput, ETA) redrawn on stderr; else
// one timestamped log line per event.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace hk::clone {

class Progress {
 public:
  explicit Progress(bool tty) : tty_(tty) {}
  ~Progress() { Stop(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Starts the redraw thread (terminal only). total_bytes is the on-disk
  /// size of what remains to copy, used for the ETA.
  void Start(int tables_total, int tables_done, int64_t total_bytes);
  void Stop();

  void AddBytes(int64_t n) { bytes_ += n; }
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
  void Loop();

  bool tty_;
  std::atomic<int> tables_total_{0}, tables_done_{0};
  std::atomic<int64_t> bytes_{0}, rows_{0}, disk_total_{0}, disk_done_{0};
  std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string phase_ = "copy";
  bool running_ = false;
  std::thread thread_;
};

std::string HumanBytes(double bytes);
std::string HumanDuration(double seconds);

}  // namespace hk::clone
