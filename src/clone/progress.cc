#include "clone/progress.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

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

namespace {
std::atomic<bool> g_cursor_hidden{false};
void RestoreCursor() {
  if (g_cursor_hidden.exchange(false)) std::fputs("\x1b[?25h", stderr);
}
}  // namespace

void Progress::Start(int tables_total, int tables_done, int64_t total_bytes) {
  tables_total_ = tables_total;
  tables_done_ = tables_done;
  disk_total_ = total_bytes;
  start_ = std::chrono::steady_clock::now();
  if (!tty_) return;
  static bool registered = (std::atexit(RestoreCursor), true);
  (void)registered;
  g_cursor_hidden = true;
  std::fputs("\x1b[?25l", stderr);  // hide the cursor while redrawing
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
  Draw(true);
  RestoreCursor();
  std::fflush(stderr);
}

void Progress::AddBytes(int64_t n) {
  bytes_ += n;
  if (!tty_) return;
  std::lock_guard<std::mutex> l(mu_);
  auto it = in_flight_.find(std::this_thread::get_id());
  if (it != in_flight_.end()) it->second.bytes += n;
}

void Progress::PartStarted(const std::string& table, int64_t disk_bytes) {
  std::lock_guard<std::mutex> l(mu_);
  in_flight_[std::this_thread::get_id()] = {table, disk_bytes, 0, std::chrono::steady_clock::now()};
}

void Progress::PartFinished() {
  std::lock_guard<std::mutex> l(mu_);
  auto it = in_flight_.find(std::this_thread::get_id());
  if (it == in_flight_.end()) return;
  double s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - it->second.started).count();
  if (s > slowest_s_) {
    slowest_s_ = s;
    slowest_ = it->second.table;
  }
  in_flight_.erase(it);
}

std::string Progress::View() {
  std::string out = Line() + "\n";
  std::lock_guard<std::mutex> l(mu_);
  auto now = std::chrono::steady_clock::now();
  std::string slowest = slowest_;
  double slowest_s = slowest_s_;
  for (const auto& [id, f] : in_flight_) {
    double p = f.disk_bytes > 0 ? std::min(0.99, double(f.bytes) / double(f.disk_bytes)) : 0;
    int n = static_cast<int>(p * 20 + 0.5);
    double secs = std::chrono::duration<double>(now - f.started).count();
    if (secs > slowest_s) {
      slowest_s = secs;
      slowest = f.table;
    }
    std::string name = f.table.size() > 32 ? f.table.substr(0, 31) + "~" : f.table;
    out += fmt::format("  {:<32} [{}{}] {:>3.0f}%  {}  {}\x1b[K\n", name, std::string(n, '#'),
                       std::string(20 - n, '.'), p * 100, HumanBytes(static_cast<double>(f.bytes)),
                       HumanDuration(secs));
  }
  if (!slowest.empty())
    out += fmt::format("  slowest table: {} ({})\x1b[K\n", slowest, HumanDuration(slowest_s));
  return out;
}

void Progress::Draw(bool final) {
  std::string v = final ? Line() + "\n" : View();
  std::lock_guard<std::mutex> l(mu_);
  std::string up = drawn_lines_ > 0 ? fmt::format("\x1b[{}F", drawn_lines_) : "\r";
  std::fprintf(stderr, "%s\x1b[J%s", up.c_str(), v.c_str());
  std::fflush(stderr);
  int lines = 0;
  for (char c : v) lines += c == '\n';
  drawn_lines_ = final ? 0 : lines;
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
    Draw(false);
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
  // Print above the live view (redrawn below it on the next tick).
  {
    std::lock_guard<std::mutex> l(mu_);
    if (drawn_lines_ > 0)
      std::fprintf(stderr, "\x1b[%dF\x1b[J", drawn_lines_);
    else
      std::fprintf(stderr, "\r\x1b[K");
    drawn_lines_ = 0;
  }
  LogInfo("{}", message);
}

}  // namespace hk::clone
