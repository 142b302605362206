#include "verify/progress.h"

#include <fmt/format.h>

#include "common/human.h"
#include "common/log.h"

namespace hk::verify {

Progress::Progress(bool tty, bool log, size_t total, int64_t bytes_total,
                   int64_t schema_differences, ProgressSink sink)
    : log_(log), sink_(std::move(sink)), view_(tty, [this] { return View(); }) {
  s_.tables_total = total;
  s_.bytes_total = bytes_total;
  s_.differences = schema_differences;
  std::lock_guard<std::mutex> l(mu_);
  SendLocked(true);
  view_.Start();
}

ProgressSnapshot Progress::SnapshotLocked() const {
  ProgressSnapshot s = s_;
  s.seconds = SecondsSince(start_);
  for (const auto& [t, at] : in_flight_) s.in_flight.push_back(t);
  return s;
}

void Progress::SendLocked(bool force) {
  if (!sink_) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_sent_ < std::chrono::milliseconds(500)) return;
  last_sent_ = now;
  sink_(SnapshotLocked());
}

std::vector<std::string> Progress::View() {
  std::lock_guard<std::mutex> l(mu_);
  double secs = SecondsSince(start_);
  double rate = secs > 0 ? s_.bytes_done / secs : 0;
  double eta = -1;
  if (s_.bytes_done > 0 && s_.bytes_total > s_.bytes_done && secs > 1)
    eta = secs * double(s_.bytes_total - s_.bytes_done) / double(s_.bytes_done);
  double p = s_.bytes_total > 0    ? double(s_.bytes_done) / double(s_.bytes_total)
             : s_.tables_total > 0 ? double(s_.tables_done) / double(s_.tables_total)
                                   : 0;
  std::vector<std::string> out = {
      fmt::format("verify     tables {}/{}  rows {}  differences {}  {} {}/s  ETA {}",
                  s_.tables_done, s_.tables_total, s_.rows, s_.differences, Bar(p),
                  HumanBytes(static_cast<int64_t>(rate)), HumanDuration(eta))};
  for (const auto& [t, at] : in_flight_) {
    std::string name = t.size() > 40 ? t.substr(0, 39) + "~" : t;
    out.push_back(fmt::format("  {:<40} hashing  {}", name, HumanDuration(SecondsSince(at))));
  }
  return out;
}

void Progress::TableStarted(const std::string& table) {
  std::lock_guard<std::mutex> l(mu_);
  in_flight_[table] = std::chrono::steady_clock::now();
  SendLocked(false);
}

void Progress::TableDone(const TableStats& s, int64_t differences) {
  std::lock_guard<std::mutex> l(mu_);
  in_flight_.erase(s.table);
  ++s_.tables_done;
  s_.rows += s.source_rows + s.target_rows;
  s_.bytes_done += s.bytes;
  s_.differences += differences;
  SendLocked(s_.tables_done == s_.tables_total);
  if (!view_.tty() && log_) {
    LogInfo("verify: {} ({}/{}): {} source rows, {} target rows, {} chunks, {} {} ({:.2f} s)",
            s.table, s_.tables_done, s_.tables_total, s.source_rows, s.target_rows, s.chunks,
            differences == 0 && s.differing_chunks == 0
                ? "identical"
                : fmt::format("{} differing chunk(s)", s.differing_chunks),
            s.method, s.seconds);
  }
}

void Progress::Finish(bool complete) {
  view_.Stop();
  std::lock_guard<std::mutex> l(mu_);
  s_.finished = complete;
  SendLocked(true);
}

}  // namespace hk::verify
