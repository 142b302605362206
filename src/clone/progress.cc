#include "clone/progress.h"

#include <fmt/format.h>

#include <cstdio>

#include "common/log.h"

namespace hk::clone {

std::string HumanBytes(double b) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f} {}", b, units[u]) : fmt::format("{:.1f} {}", b, units[u]);
}

std::string HumanDuration(double s) {
  if (s < 60) return fmt::format("{:.1f} s", s);
  int total = static_cast<int>(s + 0.5);
  if (total < 3600) return fmt::format("{}m{:02d}s", total / 60, total % 60);
  return fmt::format("{}h{:02d}m", total / 3600, (total % 3600) / 60);
}

void Progress::Start(int tables_total, int tables_done, int64_t total_bytes) {
  tables_total_ = tables_total;
  tables_done_ = tables_done;
  disk_total_ = total_bytes;
  start_ = std::chrono::steady_clock::now();
  if (!tty_) return;
  std::lock_guard<std::mutex> l(mu_);
  running_ = true;
  thread_ = std::thread([this] { Loop(); });
}

void Progress::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!running_) return;
    running_ = false;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::fprintf(stderr, "\r%s\n", Line().c_str());
  std::fflush(stderr);
}

void Progress::SetPhase(const std::string& phase) {
  std::lock_guard<std::mutex> l(mu_);
  phase_ = phase;
}

std::string Progress::Line() {
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = secs > 0 ? bytes_ / secs : 0;
  std::string eta = "--";
  int64_t done = disk_done_, total = disk_total_;
  if (done > 0 && total > done && secs > 1) eta = HumanDuration(secs * (total - done) / done);
  std::string phase;
  {
    std::lock_guard<std::mutex> l(mu_);
    phase = phase_;
  }
  return fmt::format("{:<10} tables {}/{}  rows {}  {}  {}/s  ETA {}\x1b[K", phase,
                     tables_done_.load(), tables_total_.load(), rows_.load(),
                     HumanBytes(static_cast<double>(bytes_)), HumanBytes(rate), eta);
}

void Progress::Loop() {
  std::unique_lock<std::mutex> l(mu_);
  while (running_) {
    l.unlock();
    std::string line = Line();
    std::fprintf(stderr, "\r%s", line.c_str());
    std::fflush(stderr);
    l.lock();
    cv_.wait_for(l, std::chrono::milliseconds(500), [this] { return !running_; });
  }
}

void Progress::Event(const std::string& message, bool important) {
  if (!tty_) {
    LogInfo("{}", message);
    return;
  }
  if (!important) return;
  // Print above the live line.
  std::fprintf(stderr, "\r\x1b[K");
  LogInfo("{}", message);
}

}  // namespace hk::clone
