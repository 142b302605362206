#include "clone/progress.h"

#include <fmt/format.h>


#include "common/human.h"
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


void Progress::Start(int tables_total, int tables_done, int64_t total_bytes) {
  tables_total_ = tables_total;
  tables_done_ = tables_done;
  disk_total_ = total_bytes;
  start_ = std::chrono::steady_clock::now();
  view_.Start();
}

void Progress::Stop() { view_.Stop(); }

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

std::vector<std::string> Progress::View() {
  std::vector<std::string> out = {Line()};
  std::lock_guard<std::mutex> l(mu_);
  auto now = std::chrono::steady_clock::now();
  std::string slowest = slowest_;
  double slowest_s = slowest_s_;
  for (const auto& [id, f] : in_flight_) {
    double p = f.disk_bytes > 0 ? std::min(0.99, double(f.bytes) / double(f.disk_bytes)) : 0;
    double secs = std::chrono::duration<double>(now - f.started).count();
    if (secs > slowest_s) {
      slowest_s = secs;
      slowest = f.table;
    }
    std::string name = f.table.size() > 32 ? f.table.substr(0, 31) + "~" : f.table;
    out.push_back(fmt::format("  {:<32} {} {:>3.0f}%  {}  {}", name, Bar(p), p * 100,
                              HumanBytes(static_cast<double>(f.bytes)), HumanDuration(secs)));
  }
  if (!slowest.empty())
    out.push_back(fmt::format("  slowest table: {} ({})", slowest, HumanDuration(slowest_s)));
  return out;
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
  return fmt::format("{:<10} tables {}/{}  rows {}  {}  {}/s  ETA {}", phase,
                     tables_done_.load(), tables_total_.load(), rows_.load(),
                     HumanBytes(static_cast<double>(bytes_)), HumanBytes(rate), eta);
}

void Progress::Event(const std::string& message, bool important) {
  view_.Event(message, important);
}

}  // namespace hk::clone
