// Progress of the table comparisons: a live line on a terminal, else one log
// line per finished table. Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "verify/report.h"

namespace hk::verify {

class Progress {
 public:
  Progress(bool tty, bool log, size_t total) : tty_(tty), log_(log), total_(total) {}
  void TableStarted(const std::string& table);
  void TableDone(const TableStats& s, int64_t differences);
  /// Clears the live line (call before printing the report).
  void Finish();

 private:
  void Draw(const std::string& current);
  std::mutex mu_;
  bool tty_, log_;
  size_t total_, done_ = 0;
  int64_t rows_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace hk::verify
